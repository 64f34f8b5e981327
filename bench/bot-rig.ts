import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIChatInputApplicationCommandInteraction, APIUser } from 'discord.js';
import { chatInputInteraction, commandOption, startDiscordStandins, type DiscordStandins, type OptionInput } from '../test/support/discord-standin/index.ts';
import { standinUser } from '../test/support/discord-standin/fixtures.ts';
import { BOT_NODE_ARGS } from '../test/support/bot-command.ts';
import { REPO_ROOT } from '../test/support/repo-paths.ts';
import { buildBundle } from '../scripts/build-bot.mjs';
import type { BotCommand, BotLogs, BotMessage, BotStats, JobSummary } from './bot-process.ts';
import { withTimeout } from './stats.ts';
import { writeBenchWorkflows } from './workflows.ts';

/** bench/bot-process.ts, bundled like the bot itself (scripts/build-bot.mjs) so the child runs plain JavaScript as `npm start` does. */
const CHILD_SOURCE = fileURLToPath(new URL('./bot-process.ts', import.meta.url));
const CHILD = join(REPO_ROOT, 'dist', 'bench-bot-process.mjs');
let childBuilt: Promise<string> | null = null;

/** Variables the bot reads; the bench's own environment must not leak into the bot under test. */
const BOT_VARIABLES =
  /^(DISCORD_|COMFY_|WORKFLOWS_DIR|DATA_DIR|LOG_LEVEL|ATTACHMENT_|IMAGE_MAX_|ALLOWED_|ADMIN_ROLES|ALLOW_DMS|USER_|QUEUE_MAX|BLOCKED_WORDS|SPOILER_|EDIT_|PREVIEW_)/;

export interface BotRigOptions {
  comfyUrls: string[];
  /** Overrides of the bot's environment (limits, edit pacing…). */
  env?: Record<string, string>;
}

export interface StopOutcome {
  /** How long RunningBot.stop() took in the bot; null when it was killed instead (or stop failed). */
  botStopMs: number | null;
  /** From asking to stop until the process was gone. */
  exitMs: number;
  exitCode: number | null;
  /** The process did not exit by itself within 1 s of stop(): something the bot left kept it alive. */
  lingered: boolean;
}

export interface ImagineOptions {
  prompt?: string;
  steps?: number;
  size?: string;
  count?: number;
}

/** A distinct Discord user per index, so per-user limits apply as they would to real people. */
export function benchUser(index: number): APIUser {
  return standinUser(`1310000000${String(index).padStart(9, '0')}`, `bench${index}`);
}

/**
 * The bot in a child process (bench/bot-process.ts) against Discord REST + gateway
 * stand-ins in this process and the given ComfyUI URLs. Interactions go in through
 * the gateway stand-in; what the bot sent is in `discord.rest.requests`; the bot's
 * own state comes back over IPC.
 */
export class BotRig {
  readonly discord: DiscordStandins;
  readonly readyAt: number;
  readonly #child: ChildProcess;
  readonly #dirs: string[];
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #stderr: string[] = [];
  readonly #exited: Promise<number | null>;
  #nextId = 1;

  private constructor(discord: DiscordStandins, child: ChildProcess, dirs: string[], readyAt: number, exited: Promise<number | null>, stderr: string[]) {
    this.discord = discord;
    this.#child = child;
    this.#dirs = dirs;
    this.readyAt = readyAt;
    this.#exited = exited;
    this.#stderr = stderr;
    child.on('message', (raw) => {
      const message = raw as BotMessage;
      if (message.type !== 'reply') return;
      const waiter = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(`bot: ${message.error}`));
      else waiter?.resolve(message.result);
    });
    void exited.then(() => {
      for (const waiter of this.#pending.values()) waiter.reject(new Error(`bot process exited; stderr: ${this.stderrTail()}`));
      this.#pending.clear();
    });
  }

  static async start(options: BotRigOptions): Promise<BotRig> {
    const discord = await startDiscordStandins();
    const dataDir = await mkdtemp(join(tmpdir(), 'comfycord-bench-data-'));
    const workflowsDir = await writeBenchWorkflows();
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !BOT_VARIABLES.test(name)));
    const env: Record<string, string | undefined> = {
      ...inherited,
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API_BASE: discord.rest.apiBase,
      COMFY_URL: options.comfyUrls.join(','),
      DATA_DIR: dataDir,
      WORKFLOWS_DIR: workflowsDir,
      LOG_LEVEL: 'info',
      ...options.env,
    };
    // BENCH_BOT_PROFILE_DIR=/some/dir writes a V8 CPU profile of each bot process there (open it in Chrome DevTools).
    const profileDir = process.env['BENCH_BOT_PROFILE_DIR'];
    // The start command's node flags (BOT_NODE_ARGS without the bundle's path), no tsx.
    const execArgv = [...BOT_NODE_ARGS.slice(0, -1), ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
    childBuilt ??= buildBundle(CHILD_SOURCE, CHILD);
    await childBuilt;
    const child = fork(CHILD, [], { env, execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const stderr: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk.toString('utf8'));
      if (stderr.length > 50) stderr.shift();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const cleanup = async (): Promise<void> => {
      child.kill('SIGKILL');
      await exited;
      await discord.close();
      await Promise.all([dataDir, workflowsDir].map((dir) => rm(dir, { recursive: true, force: true })));
    };
    try {
      const readyAt = await withTimeout(
        'starting the bot',
        new Promise<number>((resolve, reject) => {
          child.on('message', (raw) => {
            const message = raw as BotMessage;
            if (message.type === 'ready') resolve(message.at);
            if (message.type === 'fatal') reject(new Error(`bot failed to start: ${message.error}`));
          });
          void exited.then((code) => reject(new Error(`bot exited with ${code} before it was ready: ${stderr.join('').slice(-2000)}`)));
        }),
        60_000,
      );
      return new BotRig(discord, child, [dataDir, workflowsDir], readyAt, exited, stderr);
    } catch (error) {
      await cleanup();
      throw error;
    }
  }

  /** Sends `/imagine` from `user` through the gateway; returns the raw interaction. */
  async imagine(user: APIUser, options: ImagineOptions = {}): Promise<APIChatInputApplicationCommandInteraction> {
    const inputs: OptionInput[] = [commandOption.string('prompt', options.prompt ?? 'a lighthouse at dusk, oil painting')];
    if (options.steps !== undefined) inputs.push(commandOption.integer('steps', options.steps));
    if (options.size !== undefined) inputs.push(commandOption.string('size', options.size));
    if (options.count !== undefined) inputs.push(commandOption.integer('count', options.count));
    const raw = chatInputInteraction({ name: 'imagine', options: inputs, user });
    await this.discord.sendInteraction(raw);
    return raw;
  }

  stats(): Promise<BotStats> {
    return this.#call('stats') as Promise<BotStats>;
  }

  /** Starts a new window for event-loop delay and peak RSS. */
  async resetStats(): Promise<void> {
    await this.#call('resetStats');
  }

  jobs(): Promise<JobSummary[]> {
    return this.#call('jobs') as Promise<JobSummary[]>;
  }

  logs(): Promise<BotLogs> {
    return this.#call('logs') as Promise<BotLogs>;
  }

  stderrTail(): string {
    return this.#stderr.join('').slice(-2000);
  }

  /**
   * Stops the bot with RunningBot.stop() (the bounded shutdown SIGTERM runs), or with
   * `graceful: false` makes the process exit at once (a finals backlog is not waited
   * for); kills whatever is left, then closes the Discord stand-ins.
   */
  async stop(options: { graceful?: boolean; timeoutMs?: number } = {}): Promise<StopOutcome> {
    const started = Date.now();
    let botStopMs: number | null = null;
    if (this.#child.exitCode === null) {
      try {
        if (options.graceful === false) {
          await withTimeout('the bot leaving', this.#call('exit'), 5_000);
        } else {
          const stopped = (await withTimeout('stopping the bot', this.#call('stop'), options.timeoutMs ?? 30_000)) as { stopMs: number };
          botStopMs = stopped.stopMs;
        }
        await withTimeout('the bot process exiting', this.#exited, 5_000);
      } catch {
        // Reported through botStopMs / exitCode; the kill below ends it either way.
      }
    }
    this.#child.kill('SIGKILL');
    const exitCode = await this.#exited;
    const exitMs = Date.now() - started;
    await this.discord.close();
    await Promise.all(this.#dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    return { botStopMs, exitMs, exitCode, lingered: this.stderrTail().includes('still running 1 s after stop') };
  }

  #call(cmd: BotCommand): Promise<unknown> {
    const id = this.#nextId++;
    return withTimeout(
      `bot command '${cmd}'`,
      new Promise((resolve, reject) => {
        this.#pending.set(id, { resolve, reject });
        this.#child.send({ id, cmd }, (error) => {
          if (error) {
            this.#pending.delete(id);
            reject(error);
          }
        });
      }),
      // Generous: a bot whose event loop is blocked answers late, and that is a result to report, not a crash.
      120_000,
    );
  }
}

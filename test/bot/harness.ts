import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { APIInteraction, APIMessage } from 'discord.js';
import { startBot, type RunningBot, type StartBotOptions } from '../../src/wiring/create-bot.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { Redactor } from '../../src/redact/redactor.ts';
import { ComfyStandin, type StandinOptions } from '../support/comfy-standin.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';
import {
  chatInputInteraction,
  commandOption,
  startDiscordStandins,
  type DiscordStandins,
  type InteractionScene,
  type OptionInput,
  type RecordedRequest,
  type StartDiscordStandinsOptions,
} from '../support/discord-standin/index.ts';

/**
 * The whole bot in-process, as `npm start` builds it (startBot with a config read
 * from an env object), against a ComfyUI stand-in and the Discord REST + gateway
 * stand-ins, all on 127.0.0.1. Tests talk to it only the way Discord and ComfyUI
 * would: interactions in, recorded REST requests and ComfyUI requests out.
 */

export const CHECKPOINT = 'sd_xl_base_1.0.safetensors';
export const UPSCALE_MODEL = 'RealESRGAN_x4plus.pth';
/** Long enough for a slow CI box, short enough that a hang fails the test quickly. */
export const WAIT_MS = 8000;

export interface HarnessOptions {
  /** Overrides of (or additions to) the env the bot is configured from. */
  env?: Record<string, string>;
  comfy?: StandinOptions;
  /** More ComfyUI servers after the harness's own, in COMFY_URL order (the caller closes them). */
  moreComfyUrls?: string[];
  discord?: StartDiscordStandinsOptions;
  /** Collect the bot's log lines (JSON, one per entry) at this level instead of discarding them. */
  captureLogsAt?: 'trace' | 'debug' | 'info';
  /** Leave the bot unstarted (a test that expects start-up to fail calls `startBot()` itself). */
  deferStart?: boolean;
  /** Passed to startBot (e.g. `writeInput`, a disk that is full). */
  bot?: Omit<StartBotOptions, 'lock'>;
}

/** The environment that points a bot at the stand-ins, with short edit intervals for tests. */
export function standinBotEnv(discord: DiscordStandins, comfyUrl: string, dataDir: string): Record<string, string> {
  return {
    DISCORD_TOKEN: discord.botToken,
    DISCORD_API_BASE: discord.rest.apiBase,
    COMFY_URL: comfyUrl,
    ATTACHMENT_HOSTS: '127.0.0.1',
    DATA_DIR: dataDir,
    WORKFLOWS_DIR: join(REPO_ROOT, 'workflows'),
    EDIT_INTERVAL_MS: '250',
    PREVIEW_INTERVAL_MS: '500',
    EDIT_BUDGET_PER_SECOND: '20',
  };
}

export class BotHarness {
  readonly comfy: ComfyStandin;
  readonly discord: DiscordStandins;
  readonly dataDir: string;
  readonly env: Record<string, string>;
  readonly logLines: string[] = [];
  readonly #logWaiters = new Set<() => void>();
  #bot: RunningBot | null = null;
  readonly #botOptions: Omit<StartBotOptions, 'lock'>;

  private constructor(comfy: ComfyStandin, discord: DiscordStandins, dataDir: string, options: HarnessOptions) {
    this.comfy = comfy;
    this.discord = discord;
    this.dataDir = dataDir;
    const comfyUrl = [comfy.url, ...(options.moreComfyUrls ?? [])].join(',');
    this.env = { ...standinBotEnv(discord, comfyUrl, dataDir), LOG_LEVEL: options.captureLogsAt ?? 'silent', ...options.env };
    this.#botOptions = options.bot ?? {};
  }

  static async start(options: HarnessOptions = {}): Promise<BotHarness> {
    const comfy = await ComfyStandin.start({
      stepDelayMs: 10,
      models: { checkpoints: [CHECKPOINT], upscale_models: [UPSCALE_MODEL] },
      ...options.comfy,
    });
    const discord = await startDiscordStandins(options.discord);
    const dataDir = await mkdtemp(join(tmpdir(), 'comfycord-bot-'));
    const harness = new BotHarness(comfy, discord, dataDir, options);
    if (!options.deferStart) {
      try {
        await harness.startBot();
      } catch (error) {
        await harness.stop();
        throw error;
      }
    }
    return harness;
  }

  /** Starts the bot from `this.env` (already done unless `deferStart`). */
  async startBot(): Promise<RunningBot> {
    const config = loadConfig(this.env);
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.logLines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
        for (const wake of [...this.#logWaiters]) wake();
        done();
      },
    });
    // As src/bot.ts does: the logger writes through the redactor startBot feeds.
    const redactor = new Redactor();
    const logger = createLogger({ level: config.logLevel, destination: sink, redactor });
    this.#bot = await startBot(config, logger, redactor, this.#botOptions);
    return this.#bot;
  }

  /** Resolves once a captured log line contains `text` (needs `captureLogsAt`). */
  waitForLog(text: string, timeoutMs = WAIT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.logLines.some((line) => line.includes(text))) return;
        clearTimeout(timer);
        this.#logWaiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#logWaiters.delete(check);
        reject(new Error(`no log line containing '${text}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#logWaiters.add(check);
      check();
    });
  }

  get bot(): RunningBot {
    if (this.#bot === null) throw new Error('the bot was not started');
    return this.#bot;
  }

  get rest() {
    return this.discord.rest;
  }

  /** Sends `/name option…` as the world's invoker (or whoever the scene says) and returns the raw interaction. */
  async slash(name: string, options: OptionInput[], scene: InteractionScene = {}): Promise<APIInteraction> {
    const raw = chatInputInteraction({ ...scene, name, options });
    await this.discord.sendInteraction(raw);
    return raw;
  }

  /** `/imagine prompt:… steps:2` (few steps keep the run short) plus any other options. */
  imagine(prompt: string, extra: OptionInput[] = [], scene: InteractionScene = {}): Promise<APIInteraction> {
    const hasSteps = extra.some((input) => input.option.name === 'steps');
    return this.slash('imagine', [commandOption.string('prompt', prompt), ...(hasSteps ? [] : [commandOption.integer('steps', 2)]), ...extra], scene);
  }

  /** The interaction callback (the first response) for `raw`. */
  callback(raw: APIInteraction, timeoutMs = WAIT_MS): Promise<RecordedRequest> {
    return this.rest.waitForRequest((r) => r.method === 'POST' && r.route === `/interactions/${raw.id}/${raw.token}/callback`, timeoutMs);
  }

  /** Every edit of the interaction's original response so far, in arrival order (answered or not). */
  originalEdits(raw: APIInteraction): RecordedRequest[] {
    return this.rest.requests.filter((r) => isOriginalEdit(r, raw));
  }

  /** The first successful edit of the original response whose content matches (and that came after `after`, if given). */
  waitForEdit(
    raw: APIInteraction,
    content: RegExp | ((json: MessageJson) => boolean),
    timeoutMs = WAIT_MS,
    after?: RecordedRequest,
  ): Promise<RecordedRequest> {
    const matches = typeof content === 'function' ? content : (json: MessageJson) => content.test(json.content ?? '');
    const since = after?.seq ?? 0;
    return this.rest.waitForRequest((r) => r.seq > since && isOriginalEdit(r, raw) && r.status === 200 && matches(messageJson(r)), timeoutMs);
  }

  /** The final edit: done, failed or cancelled. */
  waitForFinal(raw: APIInteraction, timeoutMs = WAIT_MS): Promise<RecordedRequest> {
    return this.waitForEdit(raw, /^(✅|❌|🚫)/u, timeoutMs);
  }

  /** Ephemeral messages the user got for this interaction: a type-4 callback or a follow-up, both with flag 64. */
  async waitForEphemeral(raw: APIInteraction, timeoutMs = WAIT_MS): Promise<string> {
    const request = await this.rest.waitForRequest((r) => {
      if (r.status >= 300) return false;
      const callback = r.route === `/interactions/${raw.id}/${raw.token}/callback`;
      const followUp = r.method === 'POST' && r.route === `/webhooks/${raw.application_id}/${raw.token}`;
      const json = (callback ? (r.json as { data?: MessageJson } | undefined)?.data : (r.json as MessageJson | undefined)) ?? {};
      return (callback || followUp) && ((json.flags ?? 0) & 64) !== 0 && typeof json.content === 'string';
    }, timeoutMs);
    const json = request.route.endsWith('/callback') ? (request.json as { data: MessageJson }).data : (request.json as MessageJson);
    return json.content ?? '';
  }

  /** The reply message as the stand-in holds it now. */
  reply(raw: APIInteraction): APIMessage | undefined {
    return this.rest.originalMessage(raw.token);
  }

  /** Stops the bot (with its bounded shutdown) and every stand-in; safe to call twice. */
  /** Stops the bot as SIGTERM would and starts a new one on the same DATA_DIR and stand-ins. */
  async restartBot(): Promise<RunningBot> {
    const bot = this.#bot;
    this.#bot = null;
    await bot?.stop();
    return this.startBot();
  }

  async stop(): Promise<void> {
    const bot = this.#bot;
    this.#bot = null;
    await bot?.stop().catch(() => undefined);
    await Promise.allSettled([this.discord.close(), this.comfy.close()]);
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

export interface MessageJson {
  content?: string;
  flags?: number;
  embeds?: Array<{ title?: string; description?: string; image?: { url: string }; fields?: Array<{ name: string; value: string }>; footer?: { text: string } }>;
  components?: Array<{ components: Array<{ custom_id?: string; label?: string }> }>;
  attachments?: Array<{ id: string | number; filename?: string }>;
}

export function messageJson(request: RecordedRequest): MessageJson {
  return (request.json ?? {});
}

/** The custom_ids of a message's buttons, row by row. */
export function buttonIds(json: MessageJson | APIMessage): string[][] {
  const rows = (json.components ?? []) as Array<{ components?: Array<{ custom_id?: string }> }>;
  return rows.map((row) => (row.components ?? []).map((button) => button.custom_id ?? ''));
}

export function isOriginalEdit(request: RecordedRequest, raw: APIInteraction): boolean {
  return request.method === 'PATCH' && request.route === `/webhooks/${raw.application_id}/${raw.token}/messages/@original`;
}

/** The JSON body of every POST /prompt ComfyUI received. */
export function promptBodies(comfy: ComfyStandin): Array<{ prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> }> {
  return comfy.requests
    .filter((r) => r.method === 'POST' && r.route === '/prompt')
    .map((r) => r.json as { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> });
}

export { nodeOf } from '../support/posted-graph.ts';

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { BOT_NODE_ARGS, buildBotBundle } from '../test/support/bot-command.ts';
import { REPO_ROOT } from '../test/support/repo-paths.ts';

/**
 * Shared pieces of the reliability benchmarks (bench/faults.ts, bench/bad-input.ts):
 * the bot as a real child process, bounded waits, crash watching and table printing.
 */

export interface ChildBotOptions {
  /** The whole environment of the bot besides PATH and HOME (config comes only from here). */
  env: Record<string, string>;
  /** The bot's stderr (pino JSON lines) is appended here. */
  logPath: string;
  /** Give up waiting for the "comfycord ready" line after this. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Every child started by this module, so an aborted benchmark still leaves none behind. */
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/** The bot as `npm start` runs it (dist/bot.mjs, BOT_NODE_ARGS) with its own env, as a real deployment runs it. */
export class ChildBot {
  readonly pid: number;
  readonly exited: Promise<ChildExit>;
  readonly #child: ChildProcess;
  readonly #log: WriteStream;
  #exit: ChildExit | null = null;

  private constructor(child: ChildProcess, log: WriteStream) {
    this.#child = child;
    this.#log = log;
    this.pid = child.pid ?? -1;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
  }

  /** Spawns the bot and resolves once it logged that it is ready (rejects if it exits or times out first). */
  static async start(options: ChildBotOptions): Promise<ChildBot> {
    const log = createWriteStream(options.logPath, { flags: 'a' });
    const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...options.env };
    await buildBotBundle();
    const child = spawn(process.execPath, [...BOT_NODE_ARGS], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    liveChildren.add(child);
    const bot = new ChildBot(child, log);
    const ready = new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stderr });
      lines.on('line', (line) => {
        log.write(`${line}\n`);
        if (line.includes('comfycord ready as')) resolve();
      });
      child.stdout.on('data', (chunk: Buffer) => log.write(chunk));
      void bot.exited.then((exit) => reject(new Error(`the bot exited before it was ready (code ${exit.code}, signal ${exit.signal}); see ${options.logPath}`)));
    });
    try {
      await withTimeout(ready, options.readyTimeoutMs ?? 30_000, 'the bot to log that it is ready');
    } catch (error) {
      await bot.kill('SIGKILL');
      throw error;
    }
    return bot;
  }

  get running(): boolean {
    return this.#exit === null;
  }

  /** Sends `signal` and waits for the exit. */
  async kill(signal: NodeJS.Signals): Promise<ChildExit> {
    if (this.#exit === null) this.#child.kill(signal);
    const exit = await this.exited;
    this.#log.end();
    return exit;
  }

  /** SIGTERM (the bot's graceful shutdown, bounded at 10 s by the bot itself), SIGKILL after `graceMs`. */
  async stop(graceMs = 12_000): Promise<ChildExit> {
    if (this.#exit !== null) return this.#exit;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    try {
      return await this.kill('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `done` until it is true or `timeoutMs` passed; returns whether it became true. */
export async function pollUntil(done: () => boolean, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() >= until) return false;
    await sleep(intervalMs);
  }
  return true;
}

/**
 * Counts uncaught exceptions and unhandled rejections in this process while active,
 * instead of letting them end it: for an in-process bot they are its crashes.
 */
export class CrashWatch {
  readonly messages: string[] = [];
  readonly #onError = (error: unknown): void => {
    this.messages.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  };

  start(): this {
    process.on('uncaughtException', this.#onError);
    process.on('unhandledRejection', this.#onError);
    return this;
  }

  get count(): number {
    return this.messages.length;
  }

  stop(): void {
    process.off('uncaughtException', this.#onError);
    process.off('unhandledRejection', this.#onError);
  }
}

export interface Column<Row> {
  title: string;
  value: (row: Row) => string | number;
  align?: 'left' | 'right';
}

/** A GitHub-style Markdown table (pastes into issues as is); `|` and newlines in cells are escaped. */
export function formatTable<Row>(columns: Column<Row>[], rows: Row[]): string {
  const cell = (value: string | number): string => String(value).replace(/\r?\n/g, ' ⏎ ').replace(/\|/g, '\\|');
  const body = rows.map((row) => columns.map((column) => cell(column.value(row))));
  const widths = columns.map((column, i) => Math.min(80, Math.max(column.title.length, 3, ...body.map((cells) => [...cells[i]!].length))));
  const pad = (text: string, i: number): string => {
    const width = widths[i]!;
    const gap = Math.max(0, width - [...text].length);
    return columns[i]!.align === 'right' ? ' '.repeat(gap) + text : text + ' '.repeat(gap);
  };
  const line = (cells: string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => (columns[i]!.align === 'right' ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line(columns.map((column) => column.title)), rule, ...body.map(line)].join('\n');
}

/** Shortens `text` to `max` characters (whole code points) with an ellipsis. */
export function clip(text: string, max: number): string {
  const points = [...text];
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

/** The standard `--quick` flag of both benchmarks. */
export function quickFlag(argv: readonly string[] = process.argv.slice(2)): boolean {
  return argv.includes('--quick');
}

/** What a person sees at the end of one interaction. */
export type Outcome =
  | { kind: 'refused'; text: string }
  | { kind: 'delivered' | 'failed' | 'cancelled'; text: string; jobId: string | null }
  | { kind: 'pending'; text: string; jobId: string | null }
  | { kind: 'nothing'; text: string };

interface RecordedLike {
  method: string;
  route: string;
  status: number;
  json: unknown;
  files: ReadonlyArray<{ filename: string }>;
  responseBody: unknown;
}

interface MessageLike {
  content: string;
  attachments: ReadonlyArray<{ filename: string }>;
}

/** The REST stand-in as the ledger reads it. */
export interface RestView {
  readonly requests: readonly RecordedLike[];
  message(id: string): MessageLike | undefined;
  originalMessage(token: string): MessageLike | undefined;
}

const FINAL = /^(✅|❌|🚫)/u;
const OUTPUT_FILE = /^(?:SPOILER_)?([0-9a-z]{8,40})-(\d+|grid)\.(?:png|webp|jpe?g)$/;
const EPHEMERAL = 64;

interface MessageJson {
  type?: number;
  content?: string;
  flags?: number;
  data?: { content?: string; flags?: number };
  embeds?: Array<{ footer?: { text?: string } }>;
}

/**
 * Reads the REST stand-in's request log (incrementally) into what each interaction's
 * user saw: ephemeral refusals, the job behind the reply (from the embed footer), the
 * final text, and every message that received a job's image files — the evidence for
 * "delivered" and "delivered twice". Only answered (2xx) requests count.
 */
export class ReplyLedger {
  readonly #rest: RestView;
  #seen = 0;
  readonly #ephemeral = new Map<string, string>();
  readonly #jobOfToken = new Map<string, string>();
  readonly #tokenOfJob = new Map<string, string>();
  readonly #final = new Map<string, string>();
  readonly #deliveries = new Map<string, Set<string>>();

  constructor(rest: RestView) {
    this.#rest = rest;
  }

  update(): void {
    const requests = this.#rest.requests;
    for (; this.#seen < requests.length; this.#seen += 1) this.#read(requests[this.#seen]!);
  }

  #read(r: RecordedLike): void {
    if (r.status < 200 || r.status >= 300) return;
    const json = (r.json ?? {}) as MessageJson;
    const callback = /^\/interactions\/\d+\/([^/]+)\/callback$/.exec(r.route);
    if (callback) {
      if (json.type === 4 && ((json.data?.flags ?? 0) & EPHEMERAL) !== 0) this.#ephemeral.set(callback[1]!, json.data?.content ?? '');
      return;
    }
    const followUp = r.method === 'POST' ? /^\/webhooks\/\d+\/([^/]+)$/.exec(r.route) : null;
    if (followUp) {
      if (((json.flags ?? 0) & EPHEMERAL) !== 0) this.#ephemeral.set(followUp[1]!, json.content ?? '');
      return;
    }
    const original = r.method === 'PATCH' ? /^\/webhooks\/\d+\/([^/]+)\/messages\/@original$/.exec(r.route) : null;
    const channel = r.method !== 'GET' && /^\/channels\/\d+\/messages(?:\/\d+)?$/.test(r.route);
    if (!original && !channel) return;
    const jobId = /^job (\S+)/.exec(json.embeds?.[0]?.footer?.text ?? '')?.[1] ?? null;
    const token = original?.[1] ?? (jobId === null ? undefined : this.#tokenOfJob.get(jobId));
    if (original && jobId !== null) {
      this.#jobOfToken.set(original[1]!, jobId);
      this.#tokenOfJob.set(jobId, original[1]!);
    }
    const content = (json.content ?? '').replace(/^<@\d+>\s*/, '');
    if (token !== undefined && FINAL.test(content)) this.#final.set(token, content);
    const messageId = (r.responseBody as { id?: unknown } | undefined)?.id;
    for (const file of r.files) {
      const owner = OUTPUT_FILE.exec(file.filename)?.[1];
      if (owner === undefined || typeof messageId !== 'string') continue;
      const set = this.#deliveries.get(owner) ?? new Set<string>();
      set.add(messageId);
      this.#deliveries.set(owner, set);
    }
  }

  jobOf(token: string): string | null {
    return this.#jobOfToken.get(token) ?? null;
  }

  hasFinal(token: string): boolean {
    return this.#final.has(token) || this.#ephemeral.has(token);
  }

  /** Messages that, as the stand-in holds them now, show ✅ and carry this job's image files. */
  deliveredMessages(jobId: string): string[] {
    return [...(this.#deliveries.get(jobId) ?? [])].filter((id) => {
      const message = this.#rest.message(id);
      return message !== undefined && message.content.includes('✅') && message.attachments.some((a) => OUTPUT_FILE.exec(a.filename)?.[1] === jobId);
    });
  }

  outcome(token: string): Outcome {
    const jobId = this.jobOf(token);
    const ephemeral = this.#ephemeral.get(token);
    const final = this.#final.get(token);
    if (final !== undefined) {
      if (final.startsWith('✅')) {
        const delivered = jobId !== null && this.deliveredMessages(jobId).length > 0;
        return { kind: delivered ? 'delivered' : 'failed', text: delivered ? final : `${final} (but no image attached)`, jobId };
      }
      return { kind: final.startsWith('❌') ? 'failed' : 'cancelled', text: final, jobId };
    }
    if (ephemeral !== undefined) return { kind: 'refused', text: ephemeral };
    const shown = this.#rest.originalMessage(token)?.content;
    return shown === undefined ? { kind: 'nothing', text: '' } : { kind: 'pending', text: shown, jobId };
  }
}

/** One pino line of the bot's log. */
export interface LogEntry {
  time: number;
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** The bot's JSON log lines (other lines skipped). */
export async function readBotLog(path: string): Promise<LogEntry[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as LogEntry;
      return typeof entry.time === 'number' && typeof entry.msg === 'string' ? [entry] : [];
    } catch {
      return [];
    }
  });
}

/** Time windows that open at a log line matching `opens` and close at the next matching `closes` (or `end`). */
export function logWindows(entries: LogEntry[], opens: (e: LogEntry) => boolean, closes: (e: LogEntry) => boolean, end: number): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  let from: number | null = null;
  for (const entry of entries) {
    if (from === null && opens(entry)) from = entry.time;
    else if (from !== null && closes(entry)) {
      windows.push([from, entry.time]);
      from = null;
    }
  }
  if (from !== null) windows.push([from, end]);
  return windows;
}

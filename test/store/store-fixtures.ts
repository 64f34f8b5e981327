import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { createJob, type Job } from '../../src/jobs/job.ts';
import { sqlite, type DatabaseSync } from '../../src/store/sqlite.ts';

/** A fresh folder per test, removed afterwards. */
export function useTempDir(): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'comfycord-store-'));
    made.push(dir);
    return dir;
  };
}

/** A job with every field set to something non-default. */
export function fullJob(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job-full',
    userId: '111111111111111111',
    userName: 'Zoë 🦊',
    guildId: '222222222222222222',
    channelId: '333333333333333333',
    origin: { kind: 'vary', parentJobId: 'job-parent', imageIndex: 2 },
    spec: {
      template: 'flux-dev',
      options: { prompt: 'a fox 🦊 in the snow, "quoted" \\ back\nslash, 日本語, \u{1F3F3}\u{FE0F}\u{200D}\u{1F308}', steps: 28, cfg: 3.5, hires: true, seed: 'random' },
      inputs: { image: { kind: 'job-output', jobId: 'job-parent', index: 2 }, mask: { kind: 'file', path: 'inputs/job-full-mask.png' } },
    },
    resolved: { prompt: 'a fox 🦊', steps: 28, cfg: 3.5, hires: true, seed: 9007199254740991 },
    status: 'done',
    server: 'gpu-1',
    promptId: '6b1c1a40-2f1e-4d77-9f5e-1a2b3c4d5e6f',
    images: [
      { source: { filename: 'ComfyUI_00001_.png', subfolder: '', type: 'output', kind: 'image', mime: 'image/png', extension: 'png' }, deliveredUrl: 'https://cdn.discordapp.com/attachments/1/2/a.png?ex=1' },
      { source: { filename: 'ComfyUI_00002_.png', subfolder: 'sub', type: 'temp', kind: 'image', mime: 'image/png', extension: 'png' }, deliveredUrl: null },
      {
        source: { filename: 'clip_00001.mp4', subfolder: 'video', type: 'output', kind: 'video', mime: 'video/mp4', extension: 'mp4', frameRate: 8, format: 'video/h264-mp4' },
        deliveredUrl: null,
      },
    ],
    texts: [{ node: '12', text: 'a caption with **markdown** and <@123> 🦊' }],
    failure: { code: 'COMFY_NODE_ERROR', userMessage: 'KSampler failed: out of memory 💥' },
    reply: { interactionId: '444', applicationId: '555', token: 'secret-interaction-token', messageId: '666', channelId: '333', createdAt: 1_700_000_000_000 },
    createdAt: 1_700_000_000_000,
    startedAt: 1_700_000_000_500,
    finishedAt: 1_700_000_030_000,
    deliveredAt: 1_700_000_031_000,
    ...overrides,
  };
}

/** A just-accepted job: every nullable field null, no inputs. */
export function bareJob(id: string, createdAt: number, overrides: Partial<Job> = {}): Job {
  return createJob({
    id,
    userId: 'u1',
    userName: 'user one',
    guildId: null,
    channelId: null,
    origin: { kind: 'command', command: 'imagine' },
    spec: { template: 'txt2img', options: { prompt: `job ${id}` } },
    createdAt,
    ...overrides,
  });
}

/** A second, raw connection to the file, to look at or damage it behind the store's back. */
export function rawDatabase(path: string): DatabaseSync {
  const { DatabaseSync } = sqlite();
  const db = new DatabaseSync(path);
  db.exec('PRAGMA busy_timeout = 5000');
  return db;
}

const WRITER = fileURLToPath(new URL('./job-writer.ts', import.meta.url));

export interface Writer {
  child: ChildProcess;
  /** Resolves with the next stdout line matching `predicate`; rejects on exit or timeout. */
  waitFor(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  lines: string[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts test/store/job-writer.ts in its own Node process. */
export function startWriter(args: string[]): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<{ predicate: (line: string) => boolean; resolve: (line: string) => void }>();
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters) {
      if (waiter.predicate(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (predicate: (line: string) => boolean, timeoutMs = 20_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const done = lines.find(predicate);
      if (done !== undefined) return resolve(done);
      const waiter = {
        predicate,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`writer: no matching line within ${timeoutMs} ms (${lines.length} lines: ${lines.slice(-2).join(" / ")}); stderr: ${err}`));
      }, timeoutMs);
      waiters.add(waiter);
      void exited.then(({ code, signal }) => {
        if (!waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`writer exited (${code ?? signal}) before a matching line; stderr: ${err}`));
      });
    });
  return { child, waitFor, lines, stderr: () => err, exited };
}

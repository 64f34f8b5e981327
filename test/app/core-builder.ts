import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputImages } from '../../src/app/input-images.ts';
import { createJobExecutor, isServerLoss } from '../../src/app/job-executor.ts';
import { JobService, type Requester } from '../../src/app/job-service.ts';
import { ServerPool } from '../../src/app/server-pool.ts';
import { MemoryJobStore, type JobStore } from '../../src/jobs/job-store.ts';
import { Scheduler, type SchedulerUpdate } from '../../src/jobs/scheduler.ts';
import { loadTemplates } from '../../src/workflows/index.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';

/** Something the caller must close when done with the core. */
export type Closer = (item: { close(): Promise<void> }) => void;

export function requester(userId: string, isAdmin = false): Requester {
  // One guild for everyone: admin rights hold only inside a guild (src/jobs/job-scope.ts).
  return { userId, userName: userId, guildId: 'core-test-guild', channelId: null, isAdmin };
}

/** The bot's core without Discord: shipped templates → job service → scheduler → pool of ComfyUI stand-ins. */
export async function startCore(
  urls: string[],
  track: Closer,
  options: { lostAfterMs?: number; healthCheckMs?: number; lookahead?: number; store?: JobStore; clientIdFor?: (url: string) => string; dataDir?: string } = {},
) {
  const templates = await loadTemplates(join(REPO_ROOT, 'workflows'));
  const store = options.store ?? new MemoryJobStore();
  const pool = new ServerPool(
    urls.map((url, index) => ({
      name: `gpu${index + 1}`,
      url,
      ...(options.clientIdFor ? { clientId: options.clientIdFor(url) } : {}),
      minDelayMs: 50,
      maxDelayMs: 200,
      pollIntervalMs: 100,
    })),
    { templates, lostAfterMs: options.lostAfterMs ?? 10_000, ...(options.healthCheckMs === undefined ? {} : { healthCheckMs: options.healthCheckMs }) },
  );
  track({ close: () => pool.close() });
  await pool.start();
  // A caller that owns a data folder (a process that may be killed) keeps inputs there; otherwise a temp folder, removed on close.
  let dataDir = options.dataDir;
  if (dataDir === undefined) {
    const temp = mkdtempSync(join(tmpdir(), 'comfycord-core-'));
    track({ close: async () => rmSync(temp, { recursive: true, force: true }) });
    dataDir = temp;
  }
  const inputs = new InputImages({ dataDir, store, pool });
  const scheduler = new Scheduler({
    workers: pool.workers(),
    execute: createJobExecutor({ pool, templates, inputs }),
    store,
    limits: { userMaxPending: 10, queueMax: 100, userCooldownSeconds: 0 },
    isRetryable: isServerLoss,
    lookahead: options.lookahead ?? 1,
  });
  pool.onChange(() => scheduler.poke());
  const jobs = new JobService({ templates, scheduler, store, blockedWords: [] });
  const updates: SchedulerUpdate[] = [];
  scheduler.subscribe((update) => updates.push(update));
  /** Resolves with the job's final status. */
  const settled = (jobId: string) =>
    new Promise<string>((resolve) => {
      const status = () => store.get(jobId)?.status ?? '';
      const done = () => ['done', 'failed', 'cancelled'].includes(status());
      if (done()) return resolve(status());
      const stop = scheduler.subscribe(() => {
        if (done()) {
          stop();
          resolve(status());
        }
      });
    });
  const submit = (user: string, options: Record<string, string | number> = {}) =>
    jobs.submit({ requester: requester(user), template: 'txt2img', options: { prompt: user, steps: 3, ...options }, origin: { kind: 'command', command: 'test' } }).job;
  return { jobs, store, scheduler, pool, updates, settled, submit };
}

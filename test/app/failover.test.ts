import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputImages } from '../../src/app/input-images.ts';
import { createJobExecutor, isServerLoss } from '../../src/app/job-executor.ts';
import { JobService } from '../../src/app/job-service.ts';
import { ServerPool } from '../../src/app/server-pool.ts';
import { MemoryJobStore } from '../../src/jobs/job-store.ts';
import { Scheduler, type SchedulerUpdate } from '../../src/jobs/scheduler.ts';
import { loadTemplates } from '../../src/workflows/index.ts';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { REPO_ROOT } from '../support/shared-paths.ts';

const models = { checkpoints: ['sd_xl_base_1.0.safetensors'] };
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

/** The bot's core without Discord: templates → job service → scheduler → pool of real ComfyUI stand-ins. */
async function core(standins: ComfyStandin[], options: { lostAfterMs: number }) {
  const templates = await loadTemplates(join(REPO_ROOT, 'workflows'));
  const store = new MemoryJobStore();
  const pool = new ServerPool(
    standins.map((standin, index) => ({ name: `gpu${index + 1}`, url: standin.url, minDelayMs: 50, maxDelayMs: 200, pollIntervalMs: 100 })),
    { templates, lostAfterMs: options.lostAfterMs },
  );
  open.push({ close: () => pool.close() });
  await pool.start();
  const inputs = new InputImages({ dataDir: mkdtempSync(join(tmpdir(), 'comfycord-failover-')), store, pool });
  const scheduler = new Scheduler({
    workers: pool.workers(),
    execute: createJobExecutor({ pool, templates, inputs }),
    store,
    limits: { userMaxPending: 10, queueMax: 100, userCooldownSeconds: 0 },
    isRetryable: isServerLoss,
    lookahead: 0,
  });
  pool.onChange(() => scheduler.poke());
  const jobs = new JobService({ templates, scheduler, store, blockedWords: [] });
  const updates: SchedulerUpdate[] = [];
  scheduler.subscribe((update) => updates.push(update));
  const finished = (jobId: string) =>
    new Promise<void>((resolve) => {
      const check = () => ['done', 'failed', 'cancelled'].includes(store.get(jobId)?.status ?? '');
      if (check()) return resolve();
      const stop = scheduler.subscribe((update) => {
        if (update.type === 'status' && update.job.id === jobId && check()) {
          stop();
          resolve();
        }
      });
    });
  const requester = (userId: string) => ({ userId, userName: userId, guildId: null, channelId: null, isAdmin: false });
  return { jobs, store, scheduler, updates, finished, requester };
}

describe('several ComfyUI servers', () => {
  it('spreads jobs over both servers', async () => {
    const a = await ComfyStandin.start({ stepDelayMs: 30, models });
    const b = await ComfyStandin.start({ stepDelayMs: 30, models });
    open.push(a, b);
    const { jobs, store, finished, requester } = await core([a, b], { lostAfterMs: 10_000 });
    const ids = ['u1', 'u2', 'u3', 'u4'].map((user) => jobs.submit({ requester: requester(user), template: 'txt2img', options: { prompt: 'fox', steps: 3 }, origin: { kind: 'command', command: 'test' } }).job.id);
    await Promise.all(ids.map(finished));
    expect(ids.map((id) => store.get(id)?.status)).toEqual(['done', 'done', 'done', 'done']);
    expect(new Set(ids.map((id) => store.get(id)?.server))).toEqual(new Set(['gpu1', 'gpu2']));
  });

  it('moves a job from a server that dies mid-run to the other, and tells listeners', async () => {
    const a = await ComfyStandin.start({ stepDelayMs: 100, models });
    const b = await ComfyStandin.start({ stepDelayMs: 20, models });
    open.push(a, b);
    const { jobs, store, updates, finished, requester } = await core([a, b], { lostAfterMs: 400 });
    // gpu1 is picked first (both idle, first listed); kill it once its sampler is running.
    const job = jobs.submit({ requester: requester('u1'), template: 'txt2img', options: { prompt: 'fox', steps: 20 }, origin: { kind: 'command', command: 'test' } }).job;
    await a.waitFor('executing-start', undefined, 5_000);
    expect(store.get(job.id)?.server).toBe('gpu1');
    a.setDown(true);
    await finished(job.id);
    const final = store.get(job.id)!;
    expect(final.status).toBe('done');
    expect(final.server).toBe('gpu2');
    expect(final.images.length).toBeGreaterThan(0);
    expect(updates.some((update) => update.type === 'requeued' && update.job.id === job.id)).toBe(true);
    expect(b.history.size).toBe(1);
  });
});

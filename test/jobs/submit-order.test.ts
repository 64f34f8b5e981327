import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/job.ts';
import { MemoryJobStore } from '../../src/jobs/job-store.ts';
import { Scheduler, type ExecuteContext, type JobOutputs } from '../../src/jobs/scheduler.ts';
import { makeJob } from './job-fixture.ts';


const limits = { userMaxPending: 10, queueMax: 100, userCooldownSeconds: 0 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An executor that prepares for `prepMs(job)` (uploads, node list), then waits its turn,
 * "posts" (recorded in `posted`) and runs until aborted or `finish` is called.
 */
function preparingExecutor(prepMs: (job: Job) => number) {
  const posted: string[] = [];
  const finishers = new Map<string, () => void>();
  const execute = async (job: Job, _worker: string, context: ExecuteContext): Promise<JobOutputs> => {
    await sleep(prepMs(job));
    await context.turn();
    posted.push(job.id);
    context.onQueued();
    await new Promise<void>((resolve, reject) => {
      finishers.set(job.id, resolve);
      context.signal.addEventListener('abort', () => reject(context.signal.reason as Error), { once: true });
    });
    return { images: [], texts: [] };
  };
  return { posted, finishers, execute };
}

describe('submission order on one server', () => {
  it('posts the look-ahead job after the one started before it, even when it prepares faster', async () => {
    const first = makeJob('alice');
    const second = makeJob('bob');
    const { posted, finishers, execute } = preparingExecutor((job) => (job === first ? 80 : 0));
    const scheduler = new Scheduler({ workers: [{ name: 'gpu1', isHealthy: () => true, canRun: () => true }], execute, store: new MemoryJobStore(), limits });
    scheduler.enqueue(first);
    scheduler.enqueue(second);
    await expect.poll(() => posted.length, { timeout: 2_000 }).toBe(2);
    expect(posted).toEqual([first.id, second.id]);
    finishers.get(first.id)!();
    finishers.get(second.id)!();
  });

  it('a job cancelled while waiting for its turn ends at once, and the job before it is unaffected', async () => {
    const first = makeJob('alice');
    const second = makeJob('bob');
    const { posted, finishers, execute } = preparingExecutor((job) => (job === first ? 300 : 0));
    const store = new MemoryJobStore();
    const scheduler = new Scheduler({ workers: [{ name: 'gpu1', isHealthy: () => true, canRun: () => true }], execute, store, limits });
    scheduler.enqueue(first);
    scheduler.enqueue(second);
    await sleep(20);
    await scheduler.cancel(second.id, { userId: 'bob', isAdmin: false });
    await expect.poll(() => store.get(second.id)?.status, { timeout: 200 }).toBe('cancelled');
    expect(posted).toEqual([]);
    await expect.poll(() => posted, { timeout: 2_000 }).toEqual([first.id]);
    finishers.get(first.id)!();
    await expect.poll(() => store.get(first.id)?.status).toBe('done');
  });

  it('a job that fails before posting lets the next one post', async () => {
    const first = makeJob('alice');
    const second = makeJob('bob');
    const store = new MemoryJobStore();
    const posted: string[] = [];
    const execute = async (job: Job, _worker: string, context: ExecuteContext): Promise<JobOutputs> => {
      if (job === first) {
        await sleep(30);
        throw new Error('upload refused');
      }
      await context.turn();
      posted.push(job.id);
      context.onQueued();
      return { images: [], texts: [] };
    };
    const scheduler = new Scheduler({ workers: [{ name: 'gpu1', isHealthy: () => true, canRun: () => true }], execute, store, limits });
    scheduler.enqueue(first);
    scheduler.enqueue(second);
    await expect.poll(() => store.get(second.id)?.status, { timeout: 2_000 }).toBe('done');
    expect(store.get(first.id)?.status).toBe('failed');
    expect(posted).toEqual([second.id]);
  });
});

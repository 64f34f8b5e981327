import { describe, expect, it } from 'vitest';
import type { Job, JobImage } from '../../src/jobs/job.ts';
import { makeJob } from './job-fixture.ts';
import { MemoryJobStore } from '../../src/jobs/job-store.ts';
import { Scheduler, type ExecuteContext, type JobOutputs, type SchedulerUpdate } from '../../src/jobs/scheduler.ts';
import { ComfycordError } from '../../src/errors.ts';
import { IllegalTransitionError, isFinished, recordDelivery } from '../../src/jobs/job-state.ts';
import { capturedLogger } from '../comfy/helpers.ts';


/** An executor whose jobs finish only when the test says so. */
function controllableExecutor() {
  const started: { job: Job; worker: string; context: ExecuteContext; finish: (images?: JobImage[]) => void; fail: (error: unknown) => void }[] = [];
  const execute = (job: Job, worker: string, context: ExecuteContext) =>
    new Promise<JobOutputs>((resolve, reject) => {
      context.signal.addEventListener('abort', () => reject(context.signal.reason));
      started.push({ job, worker, context, finish: (images = []) => resolve({ images, texts: [] }), fail: reject });
    });
  return { started, execute };
}

const limits = { userMaxPending: 10, queueMax: 100, userCooldownSeconds: 0 };
const healthy = (name: string) => ({ name, isHealthy: () => true, canRun: () => true });
const settle = async () => {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

describe('Scheduler', () => {
  it('keeps one job running and one submitted ahead per server, and serves users round-robin', async () => {
    const { started, execute } = controllableExecutor();
    const scheduler = new Scheduler({ workers: [healthy('gpu1')], execute, store: new MemoryJobStore(), limits });
    const a = [makeJob('alice'), makeJob('alice'), makeJob('alice'), makeJob('alice')];
    const b = makeJob('bob');
    for (const job of a) scheduler.enqueue(job);
    scheduler.enqueue(b);
    await settle();
    expect(started.map((s) => s.job.id)).toEqual([a[0]!.id, a[1]!.id]);
    // bob joined after alice's four, but is next in line after the two already submitted
    expect(scheduler.position(b.id)).toEqual({ position: 1, total: 3 });
    started[0]!.finish();
    await settle();
    expect(started.map((s) => s.job.id)).toEqual([a[0]!.id, a[1]!.id, b.id]);
    expect(scheduler.position(a[2]!.id)).toEqual({ position: 1, total: 2 });
  });

  it('refuses over the per-user cap and the global cap with readable errors', () => {
    const { execute } = controllableExecutor();
    const scheduler = new Scheduler({
      workers: [healthy('gpu1')],
      execute,
      store: new MemoryJobStore(),
      limits: { userMaxPending: 2, queueMax: 3, userCooldownSeconds: 0 },
    });
    scheduler.enqueue(makeJob('alice'));
    scheduler.enqueue(makeJob('alice'));
    expect(() => scheduler.enqueue(makeJob('alice'))).toThrow(/already have 2 jobs waiting or running \(the limit is 2\)/);
    scheduler.enqueue(makeJob('bob'));
    expect(() => scheduler.enqueue(makeJob('carol'))).toThrow(/queue is full \(3 jobs\)/);
  });

  it('applies the per-user cooldown', () => {
    let now = 1_000_000;
    const { execute } = controllableExecutor();
    const scheduler = new Scheduler({
      workers: [healthy('gpu1')],
      execute,
      store: new MemoryJobStore(),
      limits: { userMaxPending: 5, queueMax: 10, userCooldownSeconds: 30 },
      now: () => now,
    });
    scheduler.enqueue(makeJob('alice'));
    now += 10_000;
    expect(() => scheduler.enqueue(makeJob('alice'))).toThrow(/in 20 s/);
    now += 20_000;
    expect(() => scheduler.enqueue(makeJob('alice'))).not.toThrow();
  });

  it('cancels a waiting job at once and a running one through its abort signal', async () => {
    const { started, execute } = controllableExecutor();
    const store = new MemoryJobStore();
    const scheduler = new Scheduler({ workers: [healthy('gpu1')], execute, store, limits, lookahead: 0 });
    const running = makeJob('alice');
    const waiting = makeJob('alice');
    scheduler.enqueue(running);
    scheduler.enqueue(waiting);
    await settle();
    await expect(scheduler.cancel(waiting.id, { userId: 'bob', isAdmin: false })).rejects.toThrow(/belongs to someone else/);
    await scheduler.cancel(waiting.id, { userId: 'alice', isAdmin: false });
    expect(store.get(waiting.id)?.status).toBe('cancelled');
    await scheduler.cancel(running.id, { userId: 'bob', isAdmin: true });
    expect(started[0]!.context.signal.aborted).toBe(true);
    await settle();
    expect(store.get(running.id)?.status).toBe('cancelled');
    await expect(scheduler.cancel('nope', { userId: 'alice', isAdmin: true })).rejects.toThrow(/no job/);
  });

  it('records submission, running, results and failures in the store, and tells listeners', async () => {
    const { started, execute } = controllableExecutor();
    const store = new MemoryJobStore();
    const scheduler = new Scheduler({ workers: [healthy('gpu1')], execute, store, limits });
    const updates: SchedulerUpdate[] = [];
    scheduler.subscribe((update) => updates.push(update));
    const ok = makeJob('alice');
    const bad = makeJob('bob');
    scheduler.enqueue(ok);
    scheduler.enqueue(bad);
    await settle();
    started[0]!.context.onSubmitted('p-1', { seed: 42 });
    started[0]!.context.onEvent({ type: 'started' });
    expect(store.get(ok.id)).toMatchObject({ status: 'running', promptId: 'p-1', resolved: { seed: 42 }, server: 'gpu1' });
    started[0]!.finish([{ source: { filename: 'a.png', subfolder: '', type: 'output', kind: 'image', mime: 'image/png', extension: 'png' }, deliveredUrl: null }]);
    started[1]!.fail(new ComfycordError('COMFY_EXECUTION', 'ComfyUI failed in node 3'));
    await settle();
    expect(store.get(ok.id)).toMatchObject({ status: 'done', images: [{ source: { filename: 'a.png' } }] });
    expect(store.get(bad.id)).toMatchObject({ status: 'failed', failure: { code: 'COMFY_EXECUTION', userMessage: 'ComfyUI failed in node 3' } });
    const statuses = updates.filter((u) => u.type === 'status' && u.job.id === ok.id).map((u) => (u as { job: Job }).job.status);
    expect(statuses).toContain('done');
  });

  it('sends a job lost with its server to another server, once', async () => {
    const { started, execute } = controllableExecutor();
    const store = new MemoryJobStore();
    let gpu1Up = true;
    const scheduler = new Scheduler({
      workers: [{ name: 'gpu1', isHealthy: () => gpu1Up, canRun: () => true }, healthy('gpu2')],
      execute,
      store,
      limits,
      lookahead: 0,
      isRetryable: (error) => error instanceof ComfycordError && error.code === 'COMFY_LOST',
    });
    const updates: SchedulerUpdate[] = [];
    scheduler.subscribe((update) => updates.push(update));
    const job = makeJob('alice');
    scheduler.enqueue(job);
    await settle();
    const first = started[0]!;
    gpu1Up = false;
    first.fail(new ComfycordError('COMFY_LOST', 'The ComfyUI server went away'));
    await settle();
    expect(updates.some((u) => u.type === 'requeued')).toBe(true);
    expect(started[1]!.worker).not.toBe(first.worker);
    started[1]!.fail(new ComfycordError('COMFY_LOST', 'The ComfyUI server went away'));
    await settle();
    expect(store.get(job.id)?.status).toBe('failed');
  });

  it('runs jobs only on servers that can run them', async () => {
    const { started, execute } = controllableExecutor();
    const scheduler = new Scheduler({
      workers: [
        { name: 'sdxl-box', isHealthy: () => true, canRun: (job) => job.spec.template !== 'flux' },
        { name: 'flux-box', isHealthy: () => true, canRun: (job) => job.spec.template === 'flux' },
      ],
      execute,
      store: new MemoryJobStore(),
      limits,
    });
    scheduler.enqueue(makeJob('alice', { template: 'flux' }));
    scheduler.enqueue(makeJob('bob', { template: 'txt2img' }));
    await settle();
    expect(started.map((s) => `${s.job.spec.template}@${s.worker}`).sort()).toEqual(['flux@flux-box', 'txt2img@sdxl-box']);
  });
});

describe('Scheduler dispatch across servers', () => {
  it('prefers the least loaded server for its weight, then the one with the job\'s checkpoint', async () => {
    const { started, execute } = controllableExecutor();
    const scheduler = new Scheduler({
      workers: [
        { name: 'small', isHealthy: () => true, canRun: () => true, weight: 1 },
        { name: 'big', isHealthy: () => true, canRun: () => true, weight: 3, affinity: (job) => (job.spec.options['checkpoint'] === 'flux' ? 1 : 0) },
      ],
      execute,
      store: new MemoryJobStore(),
      limits,
      lookahead: 2,
    });
    const flux = makeJob('alice');
    flux.spec.options['checkpoint'] = 'flux';
    scheduler.enqueue(flux);
    await settle();
    // both idle: equal load, the affinity decides
    expect(started[0]!.worker).toBe('big');
    for (const user of ['b', 'c', 'd']) scheduler.enqueue(makeJob(user));
    await settle();
    // big (weight 3) takes load 1/3, 2/3 before small's 1/1 is worse
    expect(started.map((s) => s.worker)).toEqual(['big', 'small', 'big', 'big']);
  });
});

/** A store that counts reads, to show which questions the scheduler answers from what it holds. */
class CountingStore extends MemoryJobStore {
  reads = 0;
  override get(id: string): Job | undefined {
    this.reads += 1;
    return super.get(id);
  }
}

describe('Scheduler bookkeeping', () => {
  it('answers pendingFor, pending and the limit check from its own jobs, without reading the store', async () => {
    const { started, execute } = controllableExecutor();
    const store = new CountingStore();
    const scheduler = new Scheduler({ workers: [healthy('gpu1')], execute, store, limits, lookahead: 1 });
    const alice = [makeJob('alice'), makeJob('alice'), makeJob('alice')];
    const bob = makeJob('bob');
    for (const job of [...alice, bob]) scheduler.enqueue(job);
    await settle();
    expect(started.map((s) => s.job.id)).toEqual([alice[0]!.id, alice[1]!.id]);
    store.reads = 0;

    expect(scheduler.pendingFor('alice').map((job) => job.id)).toEqual(alice.map((job) => job.id));
    expect(scheduler.pendingFor('bob').map((job) => job.id)).toEqual([bob.id]);
    expect(scheduler.pendingFor('nobody')).toEqual([]);
    expect(scheduler.pendingCountFor('alice')).toBe(3);
    expect(scheduler.pending().map((job) => job.id)).toEqual([alice[0]!.id, alice[1]!.id, bob.id, alice[2]!.id]);
    expect(scheduler.pending()[0]).toBe(alice[0]); // the object the scheduler runs, not a copy
    scheduler.assertCanAccept('alice');
    expect(store.reads).toBe(0);
  });

  it('keeps per-user counts right as jobs finish, fail over and come back', async () => {
    const { started, execute } = controllableExecutor();
    let gpu1Up = true;
    const scheduler = new Scheduler({
      workers: [{ name: 'gpu1', isHealthy: () => gpu1Up, canRun: () => true }, healthy('gpu2')],
      execute,
      store: new MemoryJobStore(),
      limits: { userMaxPending: 2, queueMax: 100, userCooldownSeconds: 0 },
      lookahead: 0,
      isRetryable: (error) => error instanceof ComfycordError && error.code === 'COMFY_LOST',
    });
    scheduler.enqueue(makeJob('alice'));
    scheduler.enqueue(makeJob('alice'));
    await settle();
    expect(started).toHaveLength(2);
    expect(() => scheduler.assertCanAccept('alice')).toThrow(/already have 2 jobs/);
    const lost = started.find((s) => s.worker === 'gpu1')!;
    gpu1Up = false;
    lost.fail(new ComfycordError('COMFY_LOST', 'The ComfyUI server went away'));
    await settle();
    // Back in line, not counted twice and not forgotten.
    expect(scheduler.pendingCountFor('alice')).toBe(2);
    expect(() => scheduler.assertCanAccept('alice')).toThrow(/already have 2 jobs/);
    started.find((s) => s.worker === 'gpu2')!.finish();
    await settle();
    expect(scheduler.pendingCountFor('alice')).toBe(1); // the requeued one, now on gpu2
    expect(scheduler.pendingFor('alice').map((job) => job.id)).toEqual([lost.job.id]);
    started.at(-1)!.finish();
    await settle();
    expect(scheduler.pendingCountFor('alice')).toBe(0);
    expect(scheduler.pending()).toEqual([]);
    expect(scheduler.enqueue(makeJob('alice'))).toEqual({ position: 1, total: 1 });
  });

  it('answers enqueue with the place in line and announces the new order once per enqueue', () => {
    const { execute } = controllableExecutor();
    const scheduler = new Scheduler({ workers: [{ name: 'gpu1', isHealthy: () => false, canRun: () => true }], execute, store: new MemoryJobStore(), limits });
    const announced: number[] = [];
    scheduler.subscribe((update) => {
      if (update.type === 'positions') announced.push(update.total);
    });
    expect(scheduler.enqueue(makeJob('alice'))).toEqual({ position: 1, total: 1 });
    expect(scheduler.enqueue(makeJob('alice'))).toEqual({ position: 2, total: 2 });
    // round-robin: bob's first job goes before alice's second
    expect(scheduler.enqueue(makeJob('bob'))).toEqual({ position: 2, total: 3 });
    expect(announced).toEqual([1, 2, 3]);
  });
});

describe('Scheduler and the job state machine', () => {
  it('ends every job exactly once, whichever way it ends, and a late cancel or event changes nothing', async () => {
    const { started, execute } = controllableExecutor();
    const store = new MemoryJobStore();
    const { logger, lines } = capturedLogger();
    const scheduler = new Scheduler({
      workers: [healthy('gpu1'), healthy('gpu2')],
      execute,
      store,
      limits,
      logger,
      lookahead: 1,
      isRetryable: (error) => error instanceof ComfycordError && error.code === 'COMFY_LOST',
    });
    const ends = new Map<string, string[]>();
    scheduler.subscribe((update) => {
      if (update.type === 'status' && isFinished(update.job)) ends.set(update.job.id, [...(ends.get(update.job.id) ?? []), update.job.status]);
    });
    const [done, failed, cancelledRunning, requeuedThenDone, cancelledWaiting] = ['alice', 'bob', 'carol', 'dave', 'erin'].map((user) => makeJob(user));
    for (const job of [done, failed, cancelledRunning, requeuedThenDone, cancelledWaiting]) scheduler.enqueue(job!);
    await settle();
    const run = (job: Job) => started.filter((entry) => entry.job.id === job.id).at(-1)!;
    expect(started.map((entry) => entry.job.id)).toEqual([done!.id, failed!.id, cancelledRunning!.id, requeuedThenDone!.id]);
    await scheduler.cancel(cancelledWaiting!.id, { userId: 'erin', isAdmin: false });
    run(done!).context.onEvent({ type: 'started' });
    run(done!).finish();
    run(failed!).fail(new ComfycordError('COMFY_EXECUTION', 'ComfyUI failed in node 3'));
    await scheduler.cancel(cancelledRunning!.id, { userId: 'carol', isAdmin: false });
    run(requeuedThenDone!).fail(new ComfycordError('COMFY_LOST', 'The ComfyUI server went away'));
    await settle();
    run(requeuedThenDone!).finish();
    await settle();
    expect(started.filter((entry) => entry.job.id === requeuedThenDone!.id)).toHaveLength(2);

    // Everything that could try to end a job a second time.
    for (const job of [done, failed, cancelledRunning, requeuedThenDone, cancelledWaiting]) {
      await scheduler.cancel(job!.id, { userId: job!.userId, isAdmin: true });
      expect(() => scheduler.enqueue(job!)).toThrow(IllegalTransitionError);
    }
    for (const entry of started) entry.context.onEvent({ type: 'started' });
    await settle();

    const expected = new Map([
      [done!.id, ['done']],
      [failed!.id, ['failed']],
      [cancelledRunning!.id, ['cancelled']],
      [requeuedThenDone!.id, ['done']],
      [cancelledWaiting!.id, ['cancelled']],
    ]);
    expect(ends).toEqual(expected);
    for (const [id, [status]] of expected) expect(store.get(id)?.status).toBe(status);
    expect(scheduler.pending()).toEqual([]);
    // A late 'started' from each of the five runs (the requeued job ran twice) was refused as a bug, and logged.
    expect(started).toHaveLength(5);
    expect(lines().filter((line) => line['code'] === 'JOB_ILLEGAL_TRANSITION').map((line) => line['to'])).toEqual(Array(5).fill('running'));
  });

  it('keeps a delivered job delivered when a late "started" event arrives: refused once, logged as an error, nothing announced', async () => {
    const { started, execute } = controllableExecutor();
    const store = new MemoryJobStore();
    const { logger, lines } = capturedLogger();
    const scheduler = new Scheduler({ workers: [healthy('gpu1')], execute, store, limits, logger });
    const job = makeJob('alice');
    scheduler.enqueue(job);
    await settle();
    const run = started[0]!;
    run.context.onEvent({ type: 'started' });
    run.finish();
    await settle();
    recordDelivery(job, 1234);
    const updates: SchedulerUpdate[] = [];
    scheduler.subscribe((update) => updates.push(update));
    // The executor's socket still had a 'started' for this prompt in flight.
    run.context.onEvent({ type: 'started' });
    expect(store.get(job.id)).toMatchObject({ status: 'done', deliveredAt: 1234 });
    expect(updates).toEqual([]);
    const refusals = lines().filter((line) => line['code'] === 'JOB_ILLEGAL_TRANSITION');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ level: 50, jobId: job.id, from: 'done', to: 'running' });
  });

  it('ignores a cancel after delivery: the job stays done, no abort, nothing announced, however often it is asked', async () => {
    const { started, execute } = controllableExecutor();
    const store = new MemoryJobStore();
    const scheduler = new Scheduler({ workers: [healthy('gpu1')], execute, store, limits });
    const job = makeJob('alice');
    scheduler.enqueue(job);
    await settle();
    started[0]!.finish();
    await settle();
    recordDelivery(job, 99);
    const updates: SchedulerUpdate[] = [];
    scheduler.subscribe((update) => updates.push(update));
    for (let i = 0; i < 2; i += 1) {
      const answer = await scheduler.cancel(job.id, { userId: 'alice', isAdmin: false });
      expect(answer).toMatchObject({ id: job.id, status: 'done', deliveredAt: 99, failure: null });
    }
    expect(started[0]!.context.signal.aborted).toBe(false);
    expect(updates).toEqual([]);
  });

  it('refuses to queue a finished job again with the typed error, before taking one of the user\'s slots', async () => {
    const { started, execute } = controllableExecutor();
    const scheduler = new Scheduler({ workers: [healthy('gpu1')], execute, store: new MemoryJobStore(), limits: { ...limits, userMaxPending: 1 } });
    const job = makeJob('alice');
    scheduler.enqueue(job);
    await settle();
    started[0]!.finish();
    await settle();
    expect(() => scheduler.enqueue(job)).toThrow(expect.objectContaining({ code: 'JOB_ILLEGAL_TRANSITION' }));
    expect(job.status).toBe('done');
    expect(scheduler.pendingCountFor('alice')).toBe(0);
    expect(() => scheduler.enqueue(makeJob('alice'))).not.toThrow();
  });
});

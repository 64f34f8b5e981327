import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobImage } from '../../src/jobs/job.ts';
import { Scheduler, type ExecuteContext, type JobOutputs } from '../../src/jobs/scheduler.ts';
import { SqliteJobStore } from '../../src/store/sqlite-job-store.ts';
import { bareJob, useTempDir } from './store-fixtures.ts';

const tempDir = useTempDir();
const limits = { userMaxPending: 10, queueMax: 100, userCooldownSeconds: 0 };

/** Runs until the test settles each started job. */
function heldExecutor() {
  const started: Array<{ context: ExecuteContext; finish: (images: JobImage[]) => void }> = [];
  let onStart: () => void = () => {};
  const execute = (_job: unknown, _worker: string, context: ExecuteContext) =>
    new Promise<JobOutputs>((resolve, reject) => {
      context.signal.addEventListener('abort', () => reject(context.signal.reason));
      started.push({ context, finish: (images) => resolve({ images, texts: [] }) });
      onStart();
    });
  const nextStart = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no job started within 2 s')), 2_000);
      onStart = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  return { started, execute, nextStart };
}

describe('Scheduler on SqliteJobStore', () => {
  it('leaves every state change in the file, so a restart finds running work and finished results', async () => {
    const path = join(tempDir(), 'comfycord.db');
    const store = SqliteJobStore.open(path);
    const { started, execute, nextStart } = heldExecutor();
    const scheduler = new Scheduler({ workers: [{ name: 'gpu-1', isHealthy: () => true, canRun: () => true }], execute, store, limits, lookahead: 0 });
    const finished = new Promise<void>((resolve) => scheduler.subscribe((update) => update.type === 'status' && update.job.id === 'first' && update.job.status === 'done' && resolve()));

    const firstStarted = nextStart();
    scheduler.enqueue(bareJob('first', 1));
    scheduler.enqueue(bareJob('second', 2, { userId: 'u2' }));
    scheduler.enqueue(bareJob('third', 3, { userId: 'u3' }));
    await firstStarted;
    expect(store.get('first')).toMatchObject({ status: 'submitted', server: 'gpu-1' });
    expect(store.get('second')).toMatchObject({ status: 'queued', server: null });

    started[0]!.context.onSubmitted('prompt-1', { prompt: 'job first', seed: 42 });
    started[0]!.context.onEvent({ type: 'started' });
    expect(store.get('first')).toMatchObject({ status: 'running', promptId: 'prompt-1', resolved: { prompt: 'job first', seed: 42 } });

    await scheduler.cancel('third', { userId: 'u3', isAdmin: false });
    const secondStarted = nextStart();
    started[0]!.finish([{ source: { filename: 'a.png', subfolder: '', type: 'output', kind: 'image', mime: 'image/png', extension: 'png' }, deliveredUrl: null }]);
    await finished;
    await secondStarted;
    started[1]!.context.onSubmitted('prompt-2', { prompt: 'job second', seed: 7 });
    store.markDelivered('first', ['https://cdn.discordapp.com/attachments/1/2/a.png']);
    scheduler.close();
    store.close();

    // The bot restarts: a new store on the same file.
    const after = SqliteJobStore.open(path);
    expect(after.get('first')).toMatchObject({
      status: 'done',
      promptId: 'prompt-1',
      images: [{ source: { filename: 'a.png' }, deliveredUrl: 'https://cdn.discordapp.com/attachments/1/2/a.png' }],
    });
    expect(after.get('first')?.finishedAt).toEqual(expect.any(Number));
    expect(after.get('third')).toMatchObject({ status: 'cancelled' });
    // What the restart logic re-attaches by prompt_id.
    expect(after.unfinished()).toEqual([expect.objectContaining({ id: 'second', status: 'submitted', server: 'gpu-1', promptId: 'prompt-2' })]);
    after.close();
  });
});

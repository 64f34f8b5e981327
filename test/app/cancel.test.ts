import { describe, expect, it } from 'vitest';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { closeAfterEach, MODELS, requester, startCore } from './core-harness.ts';

const track = closeAfterEach();

describe('cancel in every state', () => {
  it('removes a waiting job, deletes one from ComfyUI\'s queue, interrupts only the running one', async () => {
    const comfy = await ComfyStandin.start({ stepDelayMs: 50, models: MODELS });
    track(comfy);
    const { jobs, store, settled, submit } = await startCore([comfy], { lookahead: 1 });
    const running = submit('alice', { steps: 40 });
    const inComfyQueue = submit('bob', { steps: 40 });
    const waiting = submit('carol', { steps: 40 });
    const other = submit('dave', { steps: 40 });
    await comfy.waitFor('executing-start', undefined, 5_000);
    const admin = requester('mod', true);

    // waiting in our own line: gone at once, ComfyUI never hears of it
    await jobs.cancel(waiting.id, admin);
    expect(store.get(waiting.id)?.status).toBe('cancelled');
    expect(store.get(waiting.id)?.promptId).toBeNull();

    // submitted ahead, waiting in ComfyUI's queue: deleted there with POST /queue.
    // The look-ahead POST may land after the first job starts (seen under load): the id is
    // recorded just before the POST goes out, so wait until ComfyUI itself has it.
    await expect.poll(() => store.get(inComfyQueue.id)?.promptId ?? null, { timeout: 5_000 }).not.toBeNull();
    const queuedPrompt = store.get(inComfyQueue.id)!.promptId!;
    const posted = () => comfy.requests.some((r) => r.method === 'POST' && r.route === '/prompt' && (r.json as { prompt_id?: string } | null)?.prompt_id === queuedPrompt);
    await expect.poll(posted, { timeout: 5_000 }).toBe(true);
    await jobs.cancel(inComfyQueue.id, admin);
    expect(await settled(inComfyQueue.id)).toBe('cancelled');
    const deletes = comfy.requests.filter((r) => r.method === 'POST' && r.route === '/queue').map((r) => r.json);
    expect(deletes).toContainEqual({ delete: [queuedPrompt] });

    // running: interrupted by its own prompt id, never a global interrupt
    const runningPrompt = store.get(running.id)!.promptId!;
    await jobs.cancel(running.id, admin);
    expect(await settled(running.id)).toBe('cancelled');
    const interrupts = comfy.requests.filter((r) => r.method === 'POST' && r.route === '/interrupt').map((r) => r.json);
    expect(interrupts).toEqual([{ prompt_id: runningPrompt }]);

    // the next job runs to the end undisturbed
    expect(await settled(other.id)).toBe('done');
  });
});

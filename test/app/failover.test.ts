import { describe, expect, it } from 'vitest';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { closeAfterEach, MODELS, startCore } from './core-harness.ts';

const track = closeAfterEach();

describe('several ComfyUI servers', () => {
  it('spreads jobs over both servers', async () => {
    const a = await ComfyStandin.start({ stepDelayMs: 30, models: MODELS });
    const b = await ComfyStandin.start({ stepDelayMs: 30, models: MODELS });
    track(a);
    track(b);
    const { store, settled, submit } = await startCore([a, b], { lookahead: 0 });
    const ids = ['u1', 'u2', 'u3', 'u4'].map((user) => submit(user).id);
    expect(await Promise.all(ids.map(settled))).toEqual(['done', 'done', 'done', 'done']);
    expect(new Set(ids.map((id) => store.get(id)?.server))).toEqual(new Set(['gpu1', 'gpu2']));
  });

  it('moves a job from a server that dies mid-run to the other, and tells listeners', async () => {
    const a = await ComfyStandin.start({ stepDelayMs: 100, models: MODELS });
    const b = await ComfyStandin.start({ stepDelayMs: 20, models: MODELS });
    track(a);
    track(b);
    const { store, updates, settled, submit } = await startCore([a, b], { lostAfterMs: 400, lookahead: 0 });
    // gpu1 is picked first (both idle, first listed); kill it once its sampler is running.
    const job = submit('u1', { steps: 20 });
    await a.waitFor('executing-start', undefined, 5_000);
    expect(store.get(job.id)?.server).toBe('gpu1');
    a.setDown(true);
    expect(await settled(job.id)).toBe('done');
    const final = store.get(job.id)!;
    expect(final.server).toBe('gpu2');
    expect(final.images.length).toBeGreaterThan(0);
    expect(updates.some((update) => update.type === 'requeued' && update.job.id === job.id)).toBe(true);
    expect(b.history.size).toBe(1);
  });
});

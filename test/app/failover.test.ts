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

describe('dispatch by model', () => {
  it('sends a job to the server that has its checkpoint, and to any server when none has it', async () => {
    const sdxl = await ComfyStandin.start({ stepDelayMs: 5, models: { checkpoints: ['sd_xl_base_1.0.safetensors'] } });
    const flux = await ComfyStandin.start({ stepDelayMs: 5, models: { checkpoints: ['flux1-dev.safetensors'] } });
    track(sdxl);
    track(flux);
    const { store, settled, submit, pool } = await startCore([sdxl, flux], { lookahead: 0 });
    await Promise.all(pool.names().map((name) => pool.refreshObjectInfo(name)));
    const wantsFlux = submit('u1', { checkpoint: 'flux1-dev.safetensors' });
    const wantsSdxl = submit('u2', { checkpoint: 'sd_xl_base_1.0.safetensors' });
    expect(await settled(wantsFlux.id)).toBe('done');
    expect(await settled(wantsSdxl.id)).toBe('done');
    expect(store.get(wantsFlux.id)?.server).toBe('gpu2');
    expect(store.get(wantsSdxl.id)?.server).toBe('gpu1');
    // Nobody has it: it still runs somewhere, and ComfyUI's refusal reaches the user.
    const wantsNothing = submit('u3', { checkpoint: 'missing.safetensors' });
    expect(await settled(wantsNothing.id)).toBe('failed');
    expect(store.get(wantsNothing.id)?.failure?.userMessage).toMatch(/missing\.safetensors/);
  });
});

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

describe('a lost server that comes back', () => {
  it('takes the old prompt off the returning server (interrupted there) and delivers the job once, from the other', async () => {
    // gpu1 never gets past its first step: the prompt is still running there when it returns.
    const a = await ComfyStandin.start({ manualSteps: true, models: MODELS });
    const b = await ComfyStandin.start({ stepDelayMs: 10, models: MODELS });
    track(a);
    track(b);
    const { store, scheduler, settled, submit } = await startCore([a, b], { lostAfterMs: 400, lookahead: 0 });
    // Statuses as they were announced (the job object itself changes later).
    const announced: string[] = [];
    scheduler.subscribe((update) => {
      if (update.type === 'status') announced.push(update.job.status);
    });
    const job = submit('u1', { steps: 4 });
    const [oldPrompt] = await a.waitFor('executing-start', undefined, 5_000);
    a.setDown(true);
    expect(await settled(job.id)).toBe('done');
    expect(store.get(job.id)?.server).toBe('gpu2');
    a.setDown(false);
    // Back: the prompt it still holds is interrupted by its id, and ends there as interrupted.
    const [, status] = await a.waitFor('done', (promptId) => promptId === oldPrompt, 10_000);
    expect(status).toBe('interrupted');
    const interrupts = a.requests.filter((r) => r.method === 'POST' && r.route === '/interrupt');
    expect(interrupts.map((r) => (r.json as { prompt_id?: string }).prompt_id)).toContain(oldPrompt);
    // Delivered once: one 'done' status for the job, whatever gpu1 does later.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(announced.filter((status) => status === 'done')).toEqual(['done']);
  });

  it('deletes a prompt still waiting in the returning server\'s queue', async () => {
    const a = await ComfyStandin.start({ stepDelayMs: 10, models: MODELS });
    const b = await ComfyStandin.start({ stepDelayMs: 10, models: MODELS });
    track(a);
    track(b);
    const { store, settled, submit } = await startCore([a, b], { lostAfterMs: 400, lookahead: 0 });
    a.pause();
    const job = submit('u1', { steps: 2 });
    const [oldPrompt] = await a.waitFor('prompt', undefined, 5_000);
    a.setDown(true);
    expect(await settled(job.id)).toBe('done');
    expect(store.get(job.id)?.server).toBe('gpu2');
    a.setDown(false);
    const deleted = await waitUntil(() =>
      a.requests.some((r) => r.method === 'POST' && r.route === '/queue' && JSON.stringify(r.json).includes(oldPrompt)),
    );
    expect(deleted).toBe(true);
    a.resume();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.history.has(oldPrompt)).toBe(false);
  });
});

describe('health checks', () => {
  it('moves the jobs of a server whose socket stays open but whose HTTP fails for COMFY_LOST_AFTER_SECONDS', async () => {
    const a = await ComfyStandin.start({ manualSteps: true, models: MODELS });
    const b = await ComfyStandin.start({ stepDelayMs: 10, models: MODELS });
    track(a);
    track(b);
    const { store, pool, settled, submit } = await startCore([a, b], { lostAfterMs: 400, healthCheckMs: 100, lookahead: 0 });
    const job = submit('u1', { steps: 3 });
    const [oldPrompt] = await a.waitFor('executing-start', undefined, 5_000);
    // A proxy in front of gpu1 answers 502 to HTTP while its socket keeps going.
    a.injectResponse({ method: 'GET', route: '/prompt' }, { status: 502, body: 'Bad Gateway', contentType: 'text/plain' }, { times: 12 });
    expect(await waitUntil(() => pool.status().find((s) => s.name === 'gpu1')?.health === 'health check failing')).toBe(true);
    expect(pool.get('gpu1')?.state).toBe('ready');
    expect(await settled(job.id)).toBe('done');
    expect(store.get(job.id)?.server).toBe('gpu2');
    // Its checks pass again: the prompt it still runs is interrupted, and it takes work again.
    const [, status] = await a.waitFor('done', (promptId) => promptId === oldPrompt, 10_000);
    expect(status).toBe('interrupted');
    expect(await waitUntil(() => pool.status().find((s) => s.name === 'gpu1')?.health === null)).toBe(true);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

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

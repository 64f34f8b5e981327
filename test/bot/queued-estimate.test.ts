import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIInteraction } from 'discord.js';
import { openDataDirStore } from '../../src/store/data-dir-store.ts';
import { commandOption } from '../support/discord-standin/index.ts';
import { bareJob } from '../store/store-fixtures.ts';
import { BotHarness, CHECKPOINT, messageJson, promptBodies } from './harness.ts';

/**
 * Issue 13.3: "an estimated duration shown while queued". A queued video job's message
 * says how long a run of its template usually takes (the median of its last runs, kept
 * in SQLite across restarts); a template whose runs take seconds shows nothing.
 */

const WAN_MODELS = {
  diffusion_models: ['wan2.1_t2v_1.3B_fp16.safetensors'],
  text_encoders: ['umt5_xxl_fp8_e4m3fn_scaled.safetensors'],
  vae: ['wan_2.1_vae.safetensors'],
};
const OTHER = { id: '1290000000000000777', username: 'painter', global_name: 'painter', discriminator: '0', avatar: null };

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ deferStart: true, comfy: { stepDelayMs: 5, models: { checkpoints: [CHECKPOINT], ...WAN_MODELS } } });
  // Earlier runs, as the bot would have saved them: video took 200, 240 and 250 s (median 4 min), txt2img 6 s.
  const store = openDataDirStore(h.dataDir);
  const start = Date.now() - 3_600_000;
  const runs: Array<[string, number]> = [['video', 200_000], ['txt2img', 6_000], ['video', 240_000], ['video', 250_000], ['txt2img', 6_000]];
  for (const [index, [template, ms]] of runs.entries()) {
    const startedAt = start + index * 300_000;
    const job = bareJob(`seed-${index}`, startedAt, { spec: { template, options: { prompt: 'earlier' } } });
    store.save({ ...job, status: 'done', startedAt, finishedAt: startedAt + ms, deliveredAt: startedAt + ms });
  }
  store.close();
  await h.startBot();
});
afterAll(async () => {
  await h.stop();
});

const video = (prompt: string, user?: typeof OTHER) =>
  h.slash('imagine', [commandOption.string('prompt', prompt), commandOption.string('template', 'video'), commandOption.integer('steps', 2)], user ? { user } : {});

async function queuedText(raw: APIInteraction, pattern: RegExp): Promise<string> {
  return messageJson(await h.waitForEdit(raw, pattern)).content ?? '';
}

describe('the estimate while queued', () => {
  it('a video waiting in line says a run usually takes about 4 min; a txt2img job (6 s runs) says nothing; live runs then replace the old figures', async () => {
    h.comfy.pause();
    const first = await video('first');
    await h.comfy.waitFor('prompt');
    const second = await video('second');
    const third = await video('third');
    const image = await h.slash('imagine', [commandOption.string('prompt', 'a quick one'), commandOption.integer('steps', 2)], { user: OTHER });

    expect(await queuedText(third, /^⏳ Queued — position \d+ of \d+/u)).toMatch(/^⏳ Queued — position \d+ of \d+\n-# usually takes about 4 min once it starts$/u);
    const imageText = await queuedText(image, /^⏳ Queued/u);
    expect(imageText).not.toMatch(/usually takes/);
    // The one handed to ComfyUI ahead of its turn (queued there) says it too.
    const sent = await queuedText(second, /^⏳ Queued/u);
    expect(sent).toMatch(/\n-# usually takes about 4 min once it starts$/u);

    h.comfy.resume();
    for (const raw of [first, second, third, image]) expect(messageJson(await h.waitForFinal(raw, 20_000)).content).toMatch(/^✅ Done/u);
    expect(promptBodies(h.comfy).length).toBeGreaterThanOrEqual(4);

    // Three runs of a few ms each are now the newest video runs: the median is theirs, under the line's threshold.
    h.comfy.pause();
    const busy = await video('busy', OTHER);
    const after = await video('after');
    const next = await video('next');
    const texts = await Promise.all([queuedText(after, /^⏳ Queued/u), queuedText(next, /^⏳ Queued/u)]);
    for (const text of texts) expect(text).not.toMatch(/usually takes/);
    h.comfy.resume();
    for (const raw of [busy, after, next]) await h.waitForFinal(raw, 20_000);
  }, 60_000);
});

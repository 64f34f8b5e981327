import { afterEach, describe, expect, it } from 'vitest';
import { BotHarness, CHECKPOINT, messageJson, nodeOf, promptBodies } from './harness.ts';

describe('random seeds within the node range', () => {
  let h: BotHarness | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it("/imagine draws its seed within the server's /object_info max for the sampler's seed input", async () => {
    h = await BotHarness.start({ comfy: { models: { checkpoints: [CHECKPOINT] }, inputBounds: { 'KSampler.seed': { max: 4294967295 } } } });
    for (let i = 0; i < 3; i += 1) {
      const raw = await h.imagine(`fox ${i}`);
      const final = await h.waitForFinal(raw);
      expect(messageJson(final).content).toMatch(/^✅/u);
    }
    const seeds = promptBodies(h.comfy).map((body) => nodeOf(body.prompt, 'KSampler').inputs['seed'] as number);
    expect(seeds).toHaveLength(3);
    for (const seed of seeds) expect(seed).toBeLessThanOrEqual(4294967295);
  });
});

import type { APIInteraction, APIUser } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { BotHarness, messageJson } from './harness.ts';

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const person = (name: string, index: number): APIUser => ({
  id: `12900000000000012${index}0`,
  username: name,
  global_name: name,
  discriminator: '0',
  avatar: null,
});

describe('the waiting line as users see it', () => {
  it('four people at once: running, next on ComfyUI, then places in the bot\'s line that move up', async () => {
    h = await BotHarness.start({ comfy: { manualSteps: true } });
    const raws: APIInteraction[] = [];
    for (const [index, name] of ['ada', 'bo', 'cy', 'di'].entries()) {
      const raw = await h.imagine(`a fox for ${name}`, [], { user: person(name, index) });
      await h.waitForEdit(raw, /./);
      raws.push(raw);
    }
    const [ada, bo, cy, di] = raws as [APIInteraction, APIInteraction, APIInteraction, APIInteraction];

    // One job runs and one waits in ComfyUI's own queue (kept fed one ahead); the rest wait in the bot's line.
    await h.waitForEdit(ada, /^🎨 Running/u);
    await h.waitForEdit(bo, /^⏳ Queued — 1 ahead on the server$/u);
    // (cy's total is not refreshed when di joins the line behind it; only places are.)
    await h.waitForEdit(cy, /^⏳ Queued — position 1 of [12]$/u);
    await h.waitForEdit(di, /^⏳ Queued — position 2 of 2$/u);

    h.comfy.step(2); // ada's two steps
    await h.waitForFinal(ada);
    await h.waitForEdit(di, /^⏳ Queued — position 1 of 1$/u);
    await h.waitForEdit(cy, /^⏳ Queued — (1 ahead on the server|waiting for the server)$/u);

    h.comfy.step(6);
    for (const raw of [bo, cy, di]) expect(messageJson(await h.waitForFinal(raw)).content).toMatch(/^✅ Done/u);
    // Nobody's message ever went backwards from running to a place in line (a quick run may skip 🎨 entirely).
    for (const raw of raws) {
      const texts = h.originalEdits(raw).filter((r) => r.status === 200).map((r) => messageJson(r).content ?? '');
      const firstRunning = texts.findIndex((text) => text.startsWith('🎨'));
      if (firstRunning !== -1) expect(texts.slice(firstRunning).filter((text) => /position \d+ of/.test(text))).toEqual([]);
    }
  });
});

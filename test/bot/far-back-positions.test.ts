import type { APIInteraction, APIUser } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { BotHarness, messageJson } from './harness.ts';

/**
 * Every start moves everyone behind it up one place. Redrawing each waiting message on
 * every move cost O(waiting) renders and edits per start (issue 12.3): near the front a
 * move is drawn within about a second, far back the message keeps its place for longer
 * (src/discord/position-redraws.ts), yet never stays wrong once the line stops moving.
 */
let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const person = (index: number): APIUser => ({
  id: `1290000000000${String(index).padStart(3, '0')}00`,
  username: `user${index}`,
  global_name: `user${index}`,
  discriminator: '0',
  avatar: null,
});

const lastText = (harness: BotHarness, raw: APIInteraction): string => {
  const edits = harness.originalEdits(raw).filter((r) => r.status === 200);
  return messageJson(edits.at(-1)!).content ?? '';
};

describe('places in line far back', () => {
  it('30 waiting, one run ends: the front moves within a second, position 28 keeps its place for a while, then shows 27 of 27', async () => {
    h = await BotHarness.start({ comfy: { manualSteps: true } });
    const raws: APIInteraction[] = [];
    // One runs, one waits on ComfyUI (fed one ahead), 28 in the bot's line.
    for (let index = 0; index < 30; index += 1) raws.push(await h.imagine(`a fox ${index}`, [], { user: person(index) }));
    const first = raws[0]!;
    const front = raws[2]!;
    const last = raws[29]!;
    await h.waitForEdit(first, /^🎨 Running/u);
    await h.waitForEdit(front, /^⏳ Queued — position 1 of 28$/u, 10_000);
    await h.waitForEdit(last, /^⏳ Queued — position 28 of 28$/u, 10_000);
    // Settled: nothing moves until a step.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const editsOfLastBefore = h.originalEdits(last).length;

    h.comfy.step(2);
    await h.waitForFinal(first);
    const finishedAt = Date.now();
    await h.waitForEdit(raws[3]!, /^⏳ Queued — position 1 of 27$/u, 10_000);
    expect(Date.now() - finishedAt).toBeLessThan(2_500);
    // Far back, the one-place move is not drawn at once (refreshed every 27 × 100 ms there).
    await new Promise((resolve) => setTimeout(resolve, 1_200 - Math.min(1_200, Date.now() - finishedAt)));
    expect(lastText(h, last)).toBe('⏳ Queued — position 28 of 28');
    expect(h.originalEdits(last).length).toBe(editsOfLastBefore);
    // The line stands still now; the held-back change is still drawn.
    await h.waitForEdit(last, /^⏳ Queued — position 27 of 27$/u, 10_000);
  }, 60_000);
});

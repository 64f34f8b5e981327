import { afterEach, describe, expect, it } from 'vitest';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { commandOption } from '../support/discord-standin/index.ts';
import { BotHarness, CHECKPOINT, messageJson, nodeOf, promptBodies } from './harness.ts';

/** Issue 9 finding 5: a server killed mid-run, with the bot's default COMFY_LOST_AFTER_SECONDS. */

let h: BotHarness | null = null;
let spare: ComfyStandin | null = null;
afterEach(async () => {
  await h?.stop();
  await spare?.close();
  h = null;
  spare = null;
});

describe('failover in seconds', () => {
  it('delivers a 2.5 s job from another server within 30 s of its server being killed mid-run, same seed, user told', async () => {
    spare = await ComfyStandin.start({ stepDelayMs: 250, models: { checkpoints: [CHECKPOINT] } });
    // Ten steps of 250 ms: a 2.5 s job. The first server listed takes it (both idle).
    h = await BotHarness.start({ comfy: { stepDelayMs: 250 }, moreComfyUrls: [spare.url] });
    const raw = await h.imagine('a lantern in fog', [commandOption.integer('steps', 10)]);
    await h.comfy.waitFor('progress', (_id, _node, value) => value >= 3, 10_000);
    await h.comfy.kill();
    const killedAt = Date.now();
    const final = await h.waitForFinal(raw, 30_000);
    const json = messageJson(final);
    expect(json.content).toMatch(/^✅ Done/u);
    expect(final.at - killedAt).toBeLessThan(30_000);
    expect(final.files.length).toBe(1);
    // Same parameters on the second server, seed included.
    const [first] = promptBodies(h.comfy);
    const [second] = promptBodies(spare);
    expect(second).toBeDefined();
    expect(nodeOf(second!.prompt, 'KSampler').inputs).toEqual(nodeOf(first!.prompt, 'KSampler').inputs);
    // The user was told while it moved.
    expect(h.originalEdits(raw).some((edit) => /runs again on another server/.test(JSON.stringify(edit.json)))).toBe(true);
  }, 45_000);
});

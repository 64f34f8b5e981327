import { afterEach, describe, expect, it } from 'vitest';
import { commandOption } from '../support/discord-standin/index.ts';
import { BotHarness, messageJson, WAIT_MS } from './harness.ts';

/** ComfyUI going away while a job is on it: the job's message says so instead of freezing mid-bar. */

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

async function runningAtStepOne(harness: BotHarness) {
  const raw = await harness.imagine('a fox in the fog', [commandOption.integer('steps', 3)]);
  await harness.comfy.waitFor('executing-start', () => true, WAIT_MS);
  harness.comfy.step(1);
  await harness.waitForEdit(raw, /step 1\/3/);
  return raw;
}

describe('ComfyUI outage while a job runs', () => {
  it('a short drop: the message shows the reconnect, then the result arrives', async () => {
    h = await BotHarness.start({ comfy: { manualSteps: true } });
    const raw = await runningAtStepOne(h);

    h.comfy.setDown(true);
    const reconnecting = await h.waitForEdit(raw, /🔌 Reconnecting to the server…/u);
    expect(messageJson(reconnecting).content).toMatch(/^🎨 Running/u);
    h.comfy.setDown(false);
    h.comfy.step(2);

    const final = await h.waitForFinal(raw);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    expect(final.files).toHaveLength(1);
  });

  it('gone for good (past COMFY_LOST_AFTER_SECONDS): the job goes back in line and its message says so', async () => {
    h = await BotHarness.start({ comfy: { manualSteps: true }, env: { COMFY_LOST_AFTER_SECONDS: '5' } });
    const raw = await runningAtStepOne(h);

    h.comfy.setDown(true);
    const reconnecting = await h.waitForEdit(raw, /🔌 Reconnecting/u);
    await h.waitForEdit(raw, /^⏳ Queued — position 1 of 1\n↪️ the ComfyUI server running it was lost \(.+\); it runs again on another server$/u, 10_000, reconnecting);
    expect(h.bot.context.scheduler.pending().map((job) => job.status)).toEqual(['queued']);
    // Someone asking now is told at once rather than queued behind it.
    const late = await h.imagine('another fox');
    expect(((await h.callback(late)).json as { data: { content: string } }).data.content).toMatch(/is not reachable/);
  }, 20_000);
});

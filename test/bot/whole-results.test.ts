import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { BotHarness, messageJson } from './harness.ts';

/** Issue 9 finding 7 and the delivery bound of finding 4: only whole images reach Discord, and fetching them ends. */

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const viewRequests = (harness: BotHarness) => harness.comfy.requests.filter((r) => r.method === 'GET' && r.route === '/view').length;

describe('only whole results are delivered', () => {
  it('fetches a truncated /view again and delivers the whole PNG', async () => {
    h = await BotHarness.start();
    h.comfy.faultViews('truncate');
    const raw = await h.imagine('a lighthouse');
    const final = await h.waitForFinal(raw, 15_000);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    expect(viewRequests(h)).toBe(2);
    expect(final.files.length).toBe(1);
    // The file Discord got decodes to its last pixel.
    const { info } = await sharp(final.files[0]!.data, { failOn: 'truncated' }).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBeGreaterThan(0);
  });

  it('fails with a clear message when every fetch is truncated or corrupt, never "Done" with a broken file', async () => {
    h = await BotHarness.start();
    h.comfy.faultViews('truncate', { times: 2 });
    h.comfy.faultViews('corrupt', { times: 20 });
    const raw = await h.imagine('a broken vase');
    const final = await h.waitForFinal(raw, 15_000);
    const json = messageJson(final);
    expect(json.content).toMatch(/^❌/u);
    expect(JSON.stringify(json)).toMatch(/incomplete or damaged/);
    expect(final.files.length).toBe(0);
    // Bounded: a few fetches, not one per fault queued.
    expect(viewRequests(h)).toBeGreaterThanOrEqual(2);
    expect(viewRequests(h)).toBeLessThanOrEqual(4);
  });

  it('ends a delivery whose /view never answers within DELIVERY_TIMEOUT_SECONDS, pointing to /show', async () => {
    h = await BotHarness.start({ env: { DELIVERY_TIMEOUT_SECONDS: '2' } });
    h.comfy.faultViews('hang', { times: 50 });
    const raw = await h.imagine('a still pond');
    await h.comfy.waitFor('done', () => true, 8_000);
    const doneAt = Date.now();
    const final = await h.waitForFinal(raw, 15_000);
    const json = messageJson(final);
    expect(json.content).toMatch(/^❌/u);
    expect(JSON.stringify(json)).toMatch(/images were made but could not be fetched.*\/show \S+ later/);
    expect(final.at - doneAt).toBeLessThan(2_000 + 2_500);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { BotHarness, messageJson } from './harness.ts';

/** Short outages on either side are ridden out, not turned into failures. */

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

describe('transient faults', () => {
  it('keeps trying the deferral through a burst of Discord 5xx within the 3 s deadline', async () => {
    h = await BotHarness.start();
    // discord.js retries a 5xx three times at once; six failures outlast that.
    h.rest.failNext({ method: 'POST', route: /\/callback$/ }, { status: 502, body: { message: 'Bad Gateway', code: 0 } }, { times: 6 });
    const sentAt = Date.now();
    const raw = await h.imagine('a heron');
    const route = `/interactions/${raw.id}/${raw.token}/callback`;
    const accepted = await h.rest.waitForRequest((request) => request.route === route && request.status === 204, 5_000);
    expect(h.rest.requests.filter((request) => request.route === route && request.status === 502).length).toBe(6);
    expect(accepted.at - sentAt).toBeLessThan(3_000);
    const final = await h.waitForFinal(raw);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
  });

  it('fetches the result again when ComfyUI is briefly unreachable at the end of the run', async () => {
    h = await BotHarness.start();
    // The first two /view answers fail as a restarting server's would.
    h.comfy.injectResponse({ method: 'GET', route: '/view' }, { status: 503, body: 'restarting', contentType: 'text/plain' }, { times: 2 });
    const raw = await h.imagine('a kite');
    const final = await h.waitForFinal(raw, 15_000);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    expect(final.files.length).toBe(1);
  });

  it('queues a job asked for while a known server is briefly down, and runs it when it is back', async () => {
    h = await BotHarness.start();
    const server = h.bot.context.pool.get(h.bot.context.pool.names()[0]!)!;
    const down = new Promise<void>((resolve) => server.once('state', () => resolve()));
    h.comfy.setDown(true);
    await down;
    const raw = await h.imagine('a fox in the rain');
    expect((await h.callback(raw)).json).toEqual({ type: 5, data: { flags: 0 } });
    await h.waitForEdit(raw, /Queued/u);
    h.comfy.setDown(false);
    const final = await h.waitForFinal(raw, 15_000);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { apiErrors, commandOption, discordError, tooManyRequests } from '../support/discord-standin/index.ts';
import { BotHarness, messageJson, WAIT_MS } from './harness.ts';

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

/** Set once ComfyUI has finished the run: from then on the bot is delivering the result. */
function comfyFinished(harness: BotHarness): () => boolean {
  let done = false;
  harness.comfy.once('done', () => {
    done = true;
  });
  return () => done;
}

describe('Discord faults on the way to the user', () => {
  it('token expired mid-run: the result still arrives, edited through the channel with the bot token', async () => {
    h = await BotHarness.start({ comfy: { manualSteps: true } });
    const raw = await h.imagine('a slow fox', [commandOption.integer('steps', 3)]);
    await h.comfy.waitFor('executing-start', () => true, WAIT_MS);
    h.comfy.step(1);
    const running = await h.waitForEdit(raw, /step 1\/3/);
    const messageId = (running.responseBody as { id: string }).id;

    h.rest.expireToken(raw.token);
    h.comfy.step(2);
    const route = `/channels/${raw.channel!.id}/messages/${messageId}`;
    const final = await h.rest.waitForRequest((r) => r.method === 'PATCH' && r.route === route && r.status === 200 && /^✅/u.test(messageJson(r).content ?? ''), WAIT_MS);

    expect(final.authorization).toBe('bot');
    expect(final.botTokenMatched).toBe(true);
    expect(final.files).toHaveLength(1);
    expect(final.files[0]?.filename).toMatch(/-1\.png$/);
    // The interaction route was tried, refused as Discord refuses a dead token, and not retried after.
    const refused = h.originalEdits(raw).filter((r) => r.status === 401);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect((refused[0]!.responseBody as { code: number }).code).toBe(50027);
    expect(h.originalEdits(raw).filter((r) => r.seq > final.seq)).toEqual([]);
    // The same message now shows the result: nothing was posted anew.
    const message = h.rest.message(messageId);
    expect(message?.content).toMatch(/^✅ Done/u);
    expect(message?.attachments.map((a) => a.filename)).toEqual([final.files[0]!.filename]);
    expect(h.rest.requests.filter((r) => r.method === 'POST' && r.route === `/channels/${raw.channel!.id}/messages`)).toEqual([]);
  });

  it('token dead before the reply was ever edited: the result is posted as a new message that mentions the user', async () => {
    h = await BotHarness.start();
    h.rest.failNext((r) => r.method === 'PATCH' && r.route.endsWith('/messages/@original'), apiErrors.invalidWebhookToken(), { times: 1000 });
    const raw = await h.imagine('an orphaned fox');
    const channel = raw.channel!.id;
    const user = raw.member!.user.id;
    const posted = await h.rest.waitForRequest((r) => r.method === 'POST' && r.route === `/channels/${channel}/messages` && r.status === 200, WAIT_MS);
    expect(posted.authorization).toBe('bot');
    expect(messageJson(posted).content).toMatch(new RegExp(`^<@${user}> `));
    expect(posted.json).toMatchObject({ allowed_mentions: { users: [user] } });
    const id = (posted.responseBody as { id: string }).id;
    const final = await h.rest.waitForRequest(
      (r) => r.method === 'PATCH' && r.route === `/channels/${channel}/messages/${id}` && r.status === 200 && /✅/u.test(messageJson(r).content ?? ''),
      WAIT_MS,
    );
    expect(final.files).toHaveLength(1);
    expect(h.rest.message(id)?.attachments).toHaveLength(1);
  });

  it('429 with retry-after on an edit: the edit is sent again no sooner than Discord asked, and the result arrives', async () => {
    h = await BotHarness.start();
    h.rest.failNext({ method: 'PATCH', route: /\/messages\/@original$/ }, tooManyRequests(0.6), { times: 1 });
    const raw = await h.imagine('a patient fox');
    const final = await h.waitForFinal(raw);

    const edits = h.originalEdits(raw);
    const limited = edits.find((r) => r.status === 429);
    expect(limited).toBeDefined();
    const next = edits.find((r) => r.seq > limited!.seq);
    expect(next!.at - limited!.at).toBeGreaterThanOrEqual(550);
    expect(edits.filter((r) => r.status === 429)).toHaveLength(1);
    expect(final.files).toHaveLength(1);
    expect(h.reply(raw)?.content).toMatch(/^✅ Done/u);
  });

  it('Discord-like per-route limits (2 edits per second): progress is throttled, nothing is lost, the result arrives', async () => {
    h = await BotHarness.start({ comfy: { stepDelayMs: 60 } });
    h.rest.setRateLimits({ webhookMessage: { limit: 2, windowMs: 1000 }, retryAfter: 'milliseconds' });
    const raw = await h.imagine('a busy fox', [commandOption.integer('steps', 15)]);
    const final = await h.waitForFinal(raw, 15_000);
    expect(final.files).toHaveLength(1);
    expect(h.reply(raw)?.content).toMatch(/^✅ Done/u);
    expect(h.reply(raw)?.attachments).toHaveLength(1);
  }, 20_000);

  it('5xx on the final edit: retried until Discord takes it; the result is not lost', async () => {
    h = await BotHarness.start();
    const finished = comfyFinished(h);
    const times = 5; // more than discord.js retries on its own (3), so the bot's editor has to retry too
    h.rest.failNext((r) => finished() && r.method === 'PATCH' && r.route.endsWith('/messages/@original'), discordError(502, 0, '502: Bad Gateway'), { times });
    const raw = await h.imagine('an unlucky fox');
    const final = await h.waitForFinal(raw, 15_000);

    const failed = h.originalEdits(raw).filter((r) => r.status === 502);
    expect(failed).toHaveLength(times);
    expect(failed.some((r) => r.files.length === 1 && /^✅/u.test(messageJson(r).content ?? ''))).toBe(true);
    expect(final.seq).toBeGreaterThan(failed.at(-1)!.seq);
    expect(final.files).toHaveLength(1);
    expect(h.reply(raw)?.attachments).toHaveLength(1);
  }, 20_000);

  it('never writes a bot token or an interaction token to the log, even at debug with edits failing', async () => {
    h = await BotHarness.start({ captureLogsAt: 'debug', comfy: { manualSteps: true } });
    const finished = comfyFinished(h);
    h.rest.failNext((r) => finished() && isOriginalEditRoute(r.route), discordError(500, 0, '500: Internal Server Error'), { times: 4 });
    const raw = await h.imagine('a secretive fox', [commandOption.integer('steps', 2)]);
    await h.comfy.waitFor('executing-start', () => true, WAIT_MS);
    h.comfy.step(1);
    await h.waitForEdit(raw, /step 1\/2/);
    h.comfy.step(1);
    await h.waitForFinal(raw, 15_000);
    // Also a token-expired run, whose refusals carry the interaction URL in discord.js's errors.
    const second = await h.imagine('another fox', [commandOption.integer('steps', 2)]);
    await h.waitForEdit(second, /./);
    h.rest.expireToken(second.token);
    h.comfy.step(2);
    await h.rest.waitForRequest((r) => r.method === 'PATCH' && r.route.startsWith('/channels/') && /^✅/u.test(messageJson(r).content ?? ''), WAIT_MS);
    // And an interaction Discord no longer knows: deferring fails, then so does telling the user.
    h.rest.failNext({ method: 'POST', route: /\/callback$/ }, apiErrors.unknownInteraction(), { times: 2 });
    const third = await h.imagine('a late fox');
    await h.waitForLog('could not tell the user about a failure');
    await h.stop();

    const log = h.logLines.join('\n');
    expect(h.logLines.length).toBeGreaterThan(10);
    expect(log).toContain('"level":20'); // debug lines were really captured
    expect(log).toMatch(/reply edit failed|will retry/);
    expect(log).toMatch(/\/interactions\/\d+\/\[redacted\]\/callback/);
    expect(log).toContain('/webhooks/1290000000000000001/[redacted]');
    const leaks = Object.entries({ botToken: h.discord.botToken, first: raw.token, second: second.token, third: third.token })
      .filter(([, secret]) => log.includes(secret))
      .map(([name]) => name);
    expect(leaks).toEqual([]);
    // File bytes do not belong in a log line either (discord.js errors carry the request body).
    expect(Math.max(...h.logLines.map((line) => line.length))).toBeLessThan(8000);
    h = null;
  }, 25_000);
});

function isOriginalEditRoute(route: string): boolean {
  return route.endsWith('/messages/@original');
}

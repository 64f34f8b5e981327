import type { APIInteraction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { commandOption, discordError, routeHeld, type RecordedRequest } from '../support/discord-standin/index.ts';
import { BotHarness, messageJson, WAIT_MS } from './harness.ts';

/**
 * Issue 9.6: Discord must not be able to hold a finished job's result hostage. A final
 * edit that a route answers with a long 429 or keeps answering with 5xx goes through
 * another route (the channel message edit with the bot token, else a new message), and
 * no reply is left saying "Queued" or "Running" once its job is over.
 */

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const FINAL = /^(✅|❌|🚫)/u;
const PROGRESS = /^(⏳|🎨|📦)/u;

function isFinalEdit(request: { method: string; route: string; json: unknown }): boolean {
  const content = (request.json as { content?: unknown } | undefined)?.content;
  return request.method === 'PATCH' && /\/messages\/[^/]+$/.test(request.route) && typeof content === 'string' && FINAL.test(content);
}

const onOriginal = (raw: APIInteraction) => (request: { route: string }) => request.route === `/webhooks/${raw.application_id}/${raw.token}/messages/@original`;

/** Runs a 2-step job up to its first progress edit; returns the message id Discord gave the reply. */
async function runToFirstStep(harness: BotHarness, prompt: string): Promise<{ raw: APIInteraction; messageId: string }> {
  const raw = await harness.imagine(prompt, [commandOption.integer('steps', 2)]);
  await harness.comfy.waitFor('executing-start', () => true, WAIT_MS);
  harness.comfy.step(1);
  const running = await harness.waitForEdit(raw, /step 1\/2/);
  return { raw, messageId: (running.responseBody as { id: string }).id };
}

/** Successful edits of `messageId` on any route, in arrival order. */
function landedEdits(harness: BotHarness, raw: APIInteraction, messageId: string): RecordedRequest[] {
  return harness.rest.requests.filter(
    (r) => r.method === 'PATCH' && r.status === 200 && (onOriginal(raw)(r) || r.route === `/channels/${raw.channel!.id}/messages/${messageId}`),
  );
}

describe('a final edit Discord holds back goes by another route', () => {
  it('429 with retry_after 3600 on the final edit: the result lands on the same message through the channel route within seconds', async () => {
    h = await BotHarness.start({ comfy: { manualSteps: true } });
    const harness = h;
    harness.rest.failNext((r) => isFinalEdit(r) && r.route.endsWith('/@original'), routeHeld(3600), { times: 1000 });
    const { raw, messageId } = await runToFirstStep(harness, 'a held fox');

    const finishedAt = Date.now();
    harness.comfy.step(1);
    const channelRoute = `/channels/${raw.channel!.id}/messages/${messageId}`;
    const final = await harness.rest.waitForRequest((r) => r.route === channelRoute && r.status === 200 && isFinalEdit(r), 15_000);

    expect(final.at - finishedAt).toBeLessThan(10_000);
    expect(final.authorization).toBe('bot');
    expect(final.files).toHaveLength(1);
    // Told to wait an hour, the bot did not ask that route again for the final.
    expect(harness.originalEdits(raw).filter((r) => r.status === 429)).toHaveLength(1);
    expect(harness.rest.message(messageId)?.content).toMatch(/^✅ Done/u);
    // Nothing said "Running" after the result.
    expect(landedEdits(harness, raw, messageId).at(-1)?.seq).toBe(final.seq);
  }, 25_000);

  it('502 on every final edit through the interaction: after DISCORD_MAX_RETRY_AFTER_SECONDS of 5xx the channel route delivers', async () => {
    h = await BotHarness.start({ comfy: { manualSteps: true }, env: { DISCORD_MAX_RETRY_AFTER_SECONDS: '2' } });
    const harness = h;
    harness.rest.failNext((r) => isFinalEdit(r) && r.route.endsWith('/@original'), discordError(502, 0, '502: Bad Gateway'), { times: 1000 });
    const { raw, messageId } = await runToFirstStep(harness, 'a bad-gateway fox');

    harness.comfy.step(1);
    const channelRoute = `/channels/${raw.channel!.id}/messages/${messageId}`;
    const final = await harness.rest.waitForRequest((r) => r.route === channelRoute && r.status === 200 && isFinalEdit(r), 15_000);

    const failed = harness.originalEdits(raw).filter((r) => r.status === 502);
    expect(failed.length).toBeGreaterThanOrEqual(2); // it was retried first: a short outage is ridden out on the same route
    expect(failed.length).toBeLessThan(10);
    expect(final.at - failed[0]!.at).toBeGreaterThanOrEqual(1_900);
    expect(final.at - failed[0]!.at).toBeLessThan(8_000);
    expect(final.files).toHaveLength(1);
    expect(harness.rest.message(messageId)?.content).toMatch(/^✅ Done/u);
    expect(landedEdits(harness, raw, messageId).at(-1)?.seq).toBe(final.seq);
  }, 25_000);

  it('5xx on every final edit on both routes: the result is posted as a new message replying to the reply, which stops saying "Running"', async () => {
    h = await BotHarness.start({ comfy: { manualSteps: true }, env: { DISCORD_MAX_RETRY_AFTER_SECONDS: '1' } });
    const harness = h;
    harness.rest.failNext((r) => isFinalEdit(r), discordError(502, 0, '502: Bad Gateway'), { times: 1000 });
    const { raw, messageId } = await runToFirstStep(harness, 'a doubly held fox');

    harness.comfy.step(1);
    const channel = raw.channel!.id;
    const posted = await harness.rest.waitForRequest((r) => r.method === 'POST' && r.route === `/channels/${channel}/messages` && r.status === 200, 15_000);

    expect(posted.authorization).toBe('bot');
    expect(messageJson(posted).content).toMatch(new RegExp(`^<@${raw.member!.user.id}> ✅ Done`, 'u'));
    expect(posted.files).toHaveLength(1);
    expect(posted.json).toMatchObject({ message_reference: { message_id: messageId } });
    // The old reply no longer claims the job is running: it points to the new message.
    const newId = (posted.responseBody as { id: string }).id;
    await harness.rest.waitForRequest((r) => r.seq > posted.seq && r.status === 200 && (r.json as { content?: string } | undefined)?.content?.includes(newId) === true, 15_000);
    expect(harness.rest.message(messageId)?.content).not.toMatch(PROGRESS);
  }, 25_000);

  it('429 retry_after 3600 on the very first edit: progress waits for the route, and the result is posted anew at once', async () => {
    h = await BotHarness.start({ comfy: { manualSteps: true } });
    const harness = h;
    const raw = await harness.imagine('a fox Discord ignores', [commandOption.integer('steps', 2)]);
    harness.rest.failNext(onOriginal(raw), routeHeld(3600), { times: 1 });
    await harness.comfy.waitFor('executing-start', () => true, WAIT_MS);
    harness.comfy.step(2);
    const channel = raw.channel!.id;
    const posted = await harness.rest.waitForRequest((r) => r.method === 'POST' && r.route === `/channels/${channel}/messages` && r.status === 200, 15_000);

    expect(messageJson(posted).content).toMatch(/✅ Done/u);
    // Only the one refused edit was sent through the held route: no progress edit was tried while it was held.
    expect(harness.originalEdits(raw)).toHaveLength(1);
  }, 25_000);
});

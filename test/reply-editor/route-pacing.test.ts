import { Client, DefaultRestOptions, type RESTOptions } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createDiscordClient } from '../../src/discord/discord-client.ts';
import { ReplyEditor } from '../../src/discord/reply-editor.ts';
import type { ReplyHandle } from '../../src/discord/reply-handle.ts';
import { createReplyTarget, observeChannelRateLimits } from '../../src/discord/reply-routes.ts';
import { silentLogger } from '../../src/log.ts';
import { Redactor } from '../../src/redact/redactor.ts';
import {
  chatInputInteraction,
  DiscordRestStandin,
  loginToStandins,
  startDiscordStandins,
  type DiscordStandins,
  type RecordedRequest,
} from '../support/discord-standin/index.ts';
import { view } from './fake-sink.ts';

/**
 * Issue 12.1 through the Discord REST stand-in, with Discord's limits on (5 edits per
 * 5 s per message route, 50/s global for bot-token routes, X-RateLimit-* headers and
 * 429s as Discord sends them) and real discord.js webhook clients: many replies edited
 * at once are each paced by their own route, not by a share of one global guess.
 */

const MESSAGES = 20;
const STEP_MS = 50;

let rest: DiscordRestStandin | null = null;
let standins: DiscordStandins | null = null;
let client: Client | null = null;
let editor: ReplyEditor | null = null;
afterEach(async () => {
  await editor?.close();
  await client?.destroy();
  await rest?.close();
  await standins?.close();
  editor = null;
  client = null;
  rest = null;
  standins = null;
});

/** A deferred /imagine reply on the stand-in, and the handle a job keeps of it. */
async function deferredReply(standin: DiscordRestStandin): Promise<ReplyHandle> {
  const raw = chatInputInteraction({ name: 'imagine' });
  standin.registerInteraction(raw);
  const response = await fetch(`${standin.apiBase}/v10/interactions/${raw.id}/${raw.token}/callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 5 }),
  });
  expect(response.status).toBe(204);
  return {
    applicationId: raw.application_id,
    interactionId: raw.id,
    token: raw.token,
    acknowledged: true,
    channelId: raw.channel.id,
    messageId: null,
    createdAt: Date.now(),
    sizeLimit: null,
    spoiler: false,
    userId: raw.member.user.id,
  };
}

const isEditOf = (handle: ReplyHandle) => (r: RecordedRequest) => r.method === 'PATCH' && r.route === `/webhooks/${handle.applicationId}/${handle.token}/messages/@original`;
const contentOf = (r: RecordedRequest): string => (r.json as { content?: string } | undefined)?.content ?? '';
const stepOf = (r: RecordedRequest): number => Number(/step (\d+)/.exec(contentOf(r))?.[1] ?? Number.NaN);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** When each request left discord.js and when its answer came back, by URL: what the editor waited on. */
interface Sent {
  url: string;
  startedAt: number;
  answeredAt: number;
}
function timedMakeRequest(sent: Sent[]): RESTOptions['makeRequest'] {
  return async (url, init) => {
    const startedAt = Date.now();
    const response = await DefaultRestOptions.makeRequest(url, init);
    sent.push({ url, startedAt, answeredAt: Date.now() });
    return response;
  };
}

describe('replies paced per route by Discord\'s headers (issue 12.1)', () => {
  it('GIVEN 20 replies updated at 20 Hz on interaction webhooks THEN each gets about one edit a second, none is refused, the newest state wins and finals go at once', async () => {
    rest = await DiscordRestStandin.start({ rateLimits: {} });
    const standin = rest;
    const sent: Sent[] = [];
    client = new Client({ intents: [], rest: { api: standin.apiBase, makeRequest: timedMakeRequest(sent) } });
    const replies = loadConfig({}).replies;
    editor = new ReplyEditor({
      minIntervalMs: replies.editIntervalMs,
      previewIntervalMs: replies.previewIntervalMs,
      editsPerSecond: replies.editBudgetPerSecond,
      maxRetryAfterMs: replies.maxRetryAfterMs,
    });
    const handles = await Promise.all(Array.from({ length: MESSAGES }, () => deferredReply(standin)));
    handles.forEach((handle, i) => {
      const key = `job-${i}`;
      editor!.track(key, createReplyTarget({ client: client!, handle, apiBase: standin.apiBase, logger: silentLogger(), messageKey: key, limits: editor!.routeLimits, onDelivered: () => undefined }));
    });

    // 20 steps/s with a preview every second step, every reply at once. The jobs end one
    // after another, 250 ms apart from 7 s on: over nearly a whole cycle of their routes'
    // 5 s windows, so several end while their window is spent. Each is told in its last 2 s
    // that its final is near (as JobReplies does); the others go on sampling meanwhile.
    const started = Date.now();
    const stepAt: number[] = [];
    const finalDueAt = (i: number) => started + 7000 + i * 250;
    const finalAsked: number[] = [];
    const finals: Array<Promise<void>> = [];
    for (let step = 1; finals.length < MESSAGES; step += 1) {
      stepAt[step] = Date.now();
      for (let i = 0; i < MESSAGES; i += 1) {
        if (finalAsked[i] !== undefined) continue;
        if (Date.now() < finalDueAt(i)) {
          // As JobReplies says in a sampler's last two seconds (expectsFinalSoon).
          const finalSoon = Date.now() >= finalDueAt(i) - 2000;
          editor.update(`job-${i}`, view(`🎨 step ${step}`, step % 2 === 0 ? { preview: step } : {}), { finalSoon });
          continue;
        }
        finalAsked[i] = Date.now();
        finals.push(editor.update(`job-${i}`, view(`✅ Done ${i}`, { outputs: [`out-${i}.png`] }), { final: true }));
      }
      await sleep(STEP_MS);
    }
    const sampledUntil = started + 7000;
    await Promise.all(finals);

    expect(standin.count429).toBe(0);
    const window = (r: RecordedRequest) => r.at >= started + 1000 && r.at <= sampledUntil;
    handles.forEach((handle, i) => {
      const edits = standin.requests.filter(isEditOf(handle));
      const paced = edits.filter(window).map((r) => r.at);
      // 6 s at Discord's 5 per 5 s: about 6 edits, spread (about 1.0 s apart, 1.5 s where a
      // window's last request waited for a final near), not five at once and 4 s of silence,
      // which is what discord.js's own queue would do with them. Bounds leave room for a loaded machine.
      expect(paced.length, `reply ${i}: ${paced.length} edits in 6 s`).toBeGreaterThanOrEqual(5);
      const gaps = paced.slice(1).map((at, n) => at - paced[n]!);
      expect(Math.max(...gaps), `reply ${i}: longest gap`).toBeLessThan(2500);
      // The newest state wins: the steps shown only move forward, and an edit carries the
      // newest state when it goes (a state queued behind the route's window would be seconds old).
      const steps = edits.filter((r) => !contentOf(r).startsWith('✅')).map(stepOf);
      expect(steps, `reply ${i}: steps shown`).toEqual([...steps].sort((a, b) => a - b));
      for (const edit of edits.filter(window)) expect(edit.at - stepAt[stepOf(edit)]!, `reply ${i}: age of the step shown`).toBeLessThan(900);
    });
    for (let i = 0; i < MESSAGES; i += 1) {
      const edits = standin.requests.filter(isEditOf(handles[i]!));
      const final = edits.find((r) => contentOf(r).startsWith('✅'));
      expect(final?.status, `reply ${i}: final`).toBe(200);
      // A final waits for no progress: not behind the others', and near the end its own
      // leaves the window's last request to it until the window's last 300 ms. Counted from
      // when it could go: after the edit of this reply in flight when it was asked (one at
      // a time per reply, so the newest lands last), whose answer a loaded machine delays.
      const own = sent.filter((s) => s.url.includes(`/${handles[i]!.token}/`));
      const finalSent = own.find((s) => s.startedAt >= finalAsked[i]!);
      const inFlight = own.filter((s) => s.startedAt < finalAsked[i]! && s.answeredAt > finalAsked[i]!);
      const couldGo = Math.max(finalAsked[i]!, ...inFlight.map((s) => s.answeredAt));
      // Without the reserve a final waited up to ~1.1 s for its route's next window (945 ms seen).
      expect(finalSent!.startedAt - couldGo, `reply ${i}: final waited for its route`).toBeLessThan(700);
      expect(edits.at(-1), `reply ${i}: nothing after the final`).toBe(final);
      expect(standin.message((final!.responseBody as { id: string }).id)?.content).toBe(`✅ Done ${i}`);
    }
  }, 30_000);

  it('GIVEN replies past the token hand-off (bot token) and on webhooks at once THEN only the bot-token edits are charged to the global share, and a final there goes ahead of progress', async () => {
    standins = await startDiscordStandins();
    const world = standins;
    client = createDiscordClient(loadConfig({ DISCORD_TOKEN: world.botToken, DISCORD_API_BASE: world.rest.apiBase }), new Redactor());
    await loginToStandins(client, world);
    // The bot's global share is 2 a second here, Discord's (the stand-in's) 3; channel
    // routes are roomy, so only the global limit binds bot-token edits.
    editor = new ReplyEditor({ editsPerSecond: 2 });
    const stop = observeChannelRateLimits(client, editor.routeLimits);
    const logger = silentLogger();
    const botKeys: string[] = [];
    for (const channel of [world.world.guild.channels[0]!, world.world.otherGuild.channels[0]!]) {
      const sendable = await client.channels.fetch(channel.id);
      if (sendable === null || !sendable.isSendable()) throw new Error('the stand-in channel is not sendable');
      for (let n = 0; n < 4; n += 1) {
        const message = await sendable.send('⏳ Queued');
        const raw = chatInputInteraction({ name: 'imagine' });
        // Created 20 minutes ago: its token is past Discord's 15, so edits take the channel route.
        const handle: ReplyHandle = { applicationId: raw.application_id, interactionId: raw.id, token: raw.token, acknowledged: true, channelId: channel.id, messageId: message.id, createdAt: Date.now() - 20 * 60_000, sizeLimit: null, spoiler: false, userId: raw.member.user.id };
        const key = `bot-${botKeys.length}`;
        editor.track(key, createReplyTarget({ client, handle, apiBase: world.rest.apiBase, logger, messageKey: key, limits: editor.routeLimits, onDelivered: () => undefined }));
        botKeys.push(key);
      }
    }
    const hooks = await Promise.all(Array.from({ length: 10 }, () => deferredReply(world.rest)));
    hooks.forEach((handle, i) => {
      editor!.track(`hook-${i}`, createReplyTarget({ client: client!, handle, apiBase: world.rest.apiBase, logger, messageKey: `hook-${i}`, limits: editor!.routeLimits, onDelivered: () => undefined }));
    });
    world.rest.setRateLimits({ globalPerSecond: 3, channelMessage: { limit: 50, windowMs: 1000 } });

    const started = Date.now();
    let finalAsked = 0;
    let final: Promise<void> | null = null;
    for (let step = 1; Date.now() - started < 7000; step += 1) {
      for (const key of botKeys) if (key !== 'bot-0' || final === null) editor.update(key, view(`🎨 step ${step}`));
      for (let i = 0; i < hooks.length; i += 1) editor.update(`hook-${i}`, view(`🎨 step ${step}`));
      if (final === null && Date.now() - started >= 4000) {
        finalAsked = Date.now();
        final = editor.update('bot-0', view('✅ Done'), { final: true });
      }
      await sleep(STEP_MS);
    }
    await final;
    stop();

    expect(world.rest.count429).toBe(0);
    const edits = world.rest.requests.filter((r) => r.method === 'PATCH' && r.status === 200 && r.at >= started);
    const botEdits = edits.filter((r) => r.route.startsWith('/channels/'));
    const hookEdits = edits.filter((r) => r.route.startsWith('/webhooks/'));
    // Bot-token edits: the share is used, and no more than it (2 a second, progress 1 of
    // them; Discord's 3 never reached: 0 x 429). Counted over the run, not per second of
    // arrival: on a loaded machine two requests started a second apart can arrive closer.
    expect(botEdits.length).toBeGreaterThanOrEqual(5);
    expect(botEdits.length).toBeLessThanOrEqual(2 * 7 + 1);
    // Webhook edits are not charged: 10 replies at about one a second each, far past the global share.
    expect(hookEdits.length / 7).toBeGreaterThan(6);
    for (const handle of hooks) expect(hookEdits.filter(isEditOf(handle)).length).toBeGreaterThanOrEqual(5);
    // Seven replies' progress wanted the share too; the final went ahead of all of it.
    const finalEdit = botEdits.find((r) => contentOf(r).startsWith('✅'));
    expect(finalEdit!.at - finalAsked).toBeLessThan(1500);
    expect(world.rest.message((finalEdit!.responseBody as { id: string }).id)?.content).toBe('✅ Done');
  }, 30_000);
});

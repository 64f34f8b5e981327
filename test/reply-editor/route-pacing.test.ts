import { Client, DefaultRestOptions, type RESTOptions } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ReplyEditor } from '../../src/discord/reply-editor.ts';
import type { ReplyHandle } from '../../src/discord/reply-handle.ts';
import { createReplyTarget } from '../../src/discord/reply-routes.ts';
import { silentLogger } from '../../src/log.ts';
import { chatInputInteraction, DiscordRestStandin, type RecordedRequest } from '../support/discord-standin/index.ts';
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
let client: Client | null = null;
let editor: ReplyEditor | null = null;
afterEach(async () => {
  await editor?.close();
  await client?.destroy();
  await rest?.close();
  editor = null;
  client = null;
  rest = null;
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
      // 6 s at Discord's 5 per 5 s: about 6 edits, never a burst past the route's limit
      // (the longest gap is where a window's last request waited for a final near).
      expect(paced.length, `reply ${i}: ${paced.length} edits in 6 s`).toBeGreaterThanOrEqual(5);
      const gaps = paced.slice(1).map((at, n) => at - paced[n]!);
      expect(Math.max(...gaps), `reply ${i}: longest gap`).toBeLessThan(1700);
      // The newest state wins: the steps shown only move forward, and what is shown is at most one pacing slot old.
      const steps = edits.filter((r) => !contentOf(r).startsWith('✅')).map(stepOf);
      expect(steps, `reply ${i}: steps shown`).toEqual([...steps].sort((a, b) => a - b));
      for (const edit of edits.filter(window)) expect(edit.at - stepAt[stepOf(edit)]!, `reply ${i}: age of the step shown`).toBeLessThan(400);
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
});

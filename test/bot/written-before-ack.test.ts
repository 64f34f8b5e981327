import { DatabaseSync } from 'node:sqlite';
import type { APIInteraction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { databasePath } from '../../src/store/open-database.ts';
import { discordError } from '../support/discord-standin/index.ts';
import { startBotChild, type BotChild } from './bot-child.ts';
import { BotHarness, isOriginalEdit, messageJson } from './harness.ts';

/**
 * Issue 9 finding 3: the bot killed between Discord acknowledging the deferral and
 * the job being written left the interaction on "thinking…" for good. The job row
 * (interaction id and token) is now committed before the deferral is sent; these
 * SIGKILL the real bot process at that moment and start it again on the same
 * DATA_DIR (a real SQLite file).
 */

let h: BotHarness | null = null;
let bot: BotChild | null = null;
afterEach(async () => {
  await bot?.kill();
  bot = null;
  await h?.stop();
  h = null;
});

const DONE = /^✅/u;

/** The jobs the SQLite file holds for this interaction, read the way an operator would (a second connection). */
function jobRows(dataDir: string, interactionToken: string): Array<{ status: string; reply: string }> {
  const db = new DatabaseSync(databasePath(dataDir), { readOnly: true });
  try {
    const rows = db.prepare('SELECT status, reply FROM jobs').all() as Array<{ status: string; reply: string | null }>;
    return rows.filter((row) => row.reply?.includes(interactionToken)).map((row) => ({ status: row.status, reply: row.reply ?? '' }));
  } finally {
    db.close();
  }
}

async function startBot(harness: BotHarness): Promise<BotChild> {
  const child = startBotChild(harness.env);
  await child.waitForLog('comfycord ready');
  return child;
}

function successfulEdits(harness: BotHarness, raw: APIInteraction, content: RegExp) {
  return harness.discord.rest.requests.filter((r) => isOriginalEdit(r, raw) && r.status === 200 && content.test(messageJson(r).content ?? ''));
}

describe('written before acknowledged (SIGKILL around the deferral)', () => {
  it('killed the instant Discord acknowledged the deferral: the restarted bot finds the job and delivers it once', async () => {
    h = await BotHarness.start({ deferStart: true });
    bot = await startBot(h);
    const raw = await h.imagine('a lighthouse at dusk');
    await h.callback(raw, 10_000);
    await bot.kill('SIGKILL');
    expect(h.discord.rest.interaction(raw.token)?.acknowledgedWith).toBe(5);
    // The row was committed before the deferral went out.
    const rows = jobRows(h.dataDir, raw.token);
    expect(rows).toHaveLength(1);

    bot = await startBot(h);
    const final = await h.waitForFinal(raw, 20_000);
    expect(messageJson(final).content).toMatch(DONE);
    // Give a duplicate the time to show up, then count.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(successfulEdits(h, raw, DONE)).toHaveLength(1);
    expect(h.comfy.requests.filter((r) => r.method === 'POST' && r.path === '/prompt')).toHaveLength(1);
    expect(h.discord.rest.requests.filter((r) => r.method === 'POST' && r.route === `/channels/${raw.channel!.id}/messages`)).toEqual([]);
    expect(jobRows(h.dataDir, raw.token).map((row) => row.status)).toEqual(['done']);
  }, 60_000);

  it('killed while the deferral was still failing: after restart the token is past its 3 s, so the result is posted in the channel, once', async () => {
    h = await BotHarness.start({ deferStart: true });
    bot = await startBot(h);
    // Every callback answers 503: the bot keeps retrying its deferral when it is killed.
    let failing = true;
    h.discord.rest.failNext((r) => failing && r.route.endsWith('/callback'), discordError(503, 0, '503: injected'), { times: 1_000 });
    const raw = await h.imagine('a harbour in fog');
    await h.callback(raw, 10_000);
    await bot.kill('SIGKILL');
    expect(h.discord.rest.interaction(raw.token)?.acknowledgedWith ?? null).toBeNull();
    expect(jobRows(h.dataDir, raw.token)).toHaveLength(1);
    failing = false;
    // Past Discord's 3 s window for a first answer.
    const createdAt = h.discord.rest.interaction(raw.token)!.createdAt;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, createdAt + 3_500 - Date.now())));
    bot = await startBot(h);
    const channelRoute = `/channels/${raw.channel!.id}/messages`;
    // The job's message is posted in the channel, then edited there up to the result.
    const inChannel = (route: string): boolean => route === channelRoute || route.startsWith(`${channelRoute}/`);
    const posted = await h.discord.rest.waitForRequest((r) => inChannel(r.route) && r.status === 200 && DONE.test(messageJson(r).content ?? ''), 20_000);
    expect(messageJson(posted).content).toMatch(DONE);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const finals = h.discord.rest.requests.filter(
      (r) => r.status === 200 && (inChannel(r.route) || isOriginalEdit(r, raw)) && DONE.test(messageJson(r).content ?? ''),
    );
    expect(finals).toHaveLength(1);
    expect(h.discord.rest.requests.filter((r) => r.method === 'POST' && r.route === channelRoute && r.status === 200)).toHaveLength(1);
    expect(h.comfy.requests.filter((r) => r.method === 'POST' && r.path === '/prompt')).toHaveLength(1);
    expect(jobRows(h.dataDir, raw.token).map((row) => row.status)).toEqual(['done']);
  }, 60_000);
});

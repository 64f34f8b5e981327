import type { APIInteraction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { STANDIN_ROLES, standinUser } from '../support/discord-standin/fixtures.ts';
import { discordError } from '../support/discord-standin/api-errors.ts';
import { chatInputInteraction, commandOption } from '../support/discord-standin/payloads.ts';
import { startCommandHarness, type CommandHarness } from '../commands/command-harness.ts';

/**
 * GIVEN access rules for the guilds (ALLOWED_ROLES, ALLOWED_CHANNELS), THEN a direct
 * message is never a way around them: with roles set, a DM is served only to a user who
 * holds one of them in a guild the bot serves (asked of Discord, remembered for minutes);
 * with channels set, DMs need ALLOW_DMS=true said explicitly, and the role rule still holds.
 */

let harness: CommandHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(env: Record<string, string>): Promise<CommandHarness> {
  harness = await startCommandHarness(env);
  return harness;
}

interface Callback {
  type: number;
  data?: Record<string, unknown>;
}

async function callbackOf(h: CommandHarness, raw: APIInteraction): Promise<Callback> {
  await h.send(raw);
  const request = await h.standins.rest.waitForRequest((r) => r.route === `/interactions/${raw.id}/${raw.token}/callback`, 3000);
  return request.json as Callback;
}

/** The ephemeral text the bot answered with, or null when it took the command on (deferred). */
async function refusalOf(h: CommandHarness, raw: APIInteraction): Promise<string | null> {
  const callback = await callbackOf(h, raw);
  if (callback.type === 5) return null;
  expect(callback.data?.['flags']).toBe(64);
  return String(callback.data?.['content']);
}

function dmImagine(prompt = 'a quiet harbour', user = harness!.standins.world.invoker): APIInteraction {
  return chatInputInteraction({ name: 'imagine', options: [commandOption.string('prompt', prompt)], dm: true, user });
}

function dmHistory(): APIInteraction {
  return chatInputInteraction({ name: 'history', options: [], dm: true });
}

function memberLookups(h: CommandHarness, userId: string): number {
  return h.standins.rest.requests.filter((r) => r.method === 'GET' && r.route.endsWith(`/members/${userId}`)).length;
}

const ROLE_RULE = /allowed roles/;

describe('ALLOWED_ROLES with ALLOW_DMS=true', () => {
  const env = { ALLOWED_ROLES: STANDIN_ROLES.artist, ALLOW_DMS: 'true' };

  it('a DM from someone who holds none of the roles in any guild is refused with the reason, and no job is made', async () => {
    const h = await start(env);
    const invoker = h.standins.world.invoker;
    expect(await refusalOf(h, dmImagine())).toMatch(ROLE_RULE);
    expect(await refusalOf(h, dmHistory())).toMatch(ROLE_RULE);
    expect(h.store.recentForIn(invoker.id, null, 10)).toEqual([]);
  });

  it('a DM from someone in no guild of the bot at all is refused the same way', async () => {
    const h = await start(env);
    const stranger = standinUser('1290000000000000777', 'stranger');
    expect(await refusalOf(h, dmImagine('a harbour', stranger))).toMatch(ROLE_RULE);
    expect(h.store.recentForIn(stranger.id, null, 10)).toEqual([]);
  });

  it('a DM from someone who holds an allowed role in a guild the bot serves is served', async () => {
    const h = await start(env);
    const invoker = h.standins.world.invoker;
    h.standins.rest.setMemberRoles(h.standins.world.guild.id, invoker, [STANDIN_ROLES.artist]);
    expect(await refusalOf(h, dmImagine('a quiet harbour at dawn'))).toBeNull();
    const jobs = h.store.recentForIn(invoker.id, null, 10);
    expect(jobs.map((job) => [job.guildId, job.spec.options['prompt']])).toEqual([[null, 'a quiet harbour at dawn']]);
    expect(await refusalOf(h, dmHistory())).not.toMatch(ROLE_RULE);
  });

  it('the role counts by id: a role of the same name in the other guild is not one of the allowed roles', async () => {
    const h = await start(env);
    const invoker = h.standins.world.invoker;
    h.standins.rest.setMemberRoles(h.standins.world.otherGuild.id, invoker, [STANDIN_ROLES.otherArtist]);
    expect(await refusalOf(h, dmImagine())).toMatch(ROLE_RULE);
  });

  it('the lookup is remembered: the next DMs within minutes ask Discord nothing, even after the role was taken away', async () => {
    const h = await start(env);
    const invoker = h.standins.world.invoker;
    h.standins.rest.setMemberRoles(h.standins.world.guild.id, invoker, [STANDIN_ROLES.artist]);
    expect(await refusalOf(h, dmImagine('first'))).toBeNull();
    const asked = memberLookups(h, invoker.id);
    expect(asked).toBe(1);
    h.standins.rest.setMemberRoles(h.standins.world.guild.id, invoker, []);
    expect(await refusalOf(h, dmImagine('second'))).toBeNull();
    expect(await refusalOf(h, dmHistory())).not.toMatch(ROLE_RULE);
    expect(memberLookups(h, invoker.id)).toBe(asked);
  });

  it('only guilds that have one of the roles are asked about the member', async () => {
    const h = await start(env);
    const invoker = h.standins.world.invoker;
    await refusalOf(h, dmImagine());
    const asked = h.standins.rest.requests.filter((r) => r.method === 'GET' && r.route.endsWith(`/members/${invoker.id}`)).map((r) => r.route);
    expect(asked).toEqual([`/guilds/${h.standins.world.guild.id}/members/${invoker.id}`]);
  });

  it('Discord failing the lookup refuses with a reason to try again, and the failure is not remembered', async () => {
    const h = await start(env);
    const invoker = h.standins.world.invoker;
    h.standins.rest.setMemberRoles(h.standins.world.guild.id, invoker, [STANDIN_ROLES.artist]);
    h.standins.rest.failNext({ method: 'GET', route: /\/members\// }, discordError(403, 50001, 'Missing Access'));
    expect(await refusalOf(h, dmImagine('first'))).toMatch(/could not check your roles.*try again/i);
    expect(h.store.recentForIn(invoker.id, null, 10)).toEqual([]);
    expect(await refusalOf(h, dmImagine('second'))).toBeNull();
  });

  it('in the guild itself nothing is looked up: the member\'s roles come with the interaction', async () => {
    const h = await start(env);
    const invoker = h.standins.world.invoker;
    const raw = chatInputInteraction({ name: 'imagine', options: [commandOption.string('prompt', 'a harbour')], roles: [STANDIN_ROLES.artist] });
    expect(await refusalOf(h, raw)).toBeNull();
    expect(memberLookups(h, invoker.id)).toBe(0);
  });
});

describe('ALLOWED_CHANNELS', () => {
  it('without ALLOW_DMS a DM is refused, naming where the bot works', async () => {
    const h = await start({ ALLOWED_CHANNELS: '1290000000000000555' });
    const refused = await refusalOf(h, dmImagine());
    expect(refused).toMatch(/direct messages/);
    expect(refused).toContain('<#1290000000000000555>');
  });

  it('with ALLOW_DMS=true said explicitly, DMs are served when no role rule is set', async () => {
    const h = await start({ ALLOWED_CHANNELS: '1290000000000000555', ALLOW_DMS: 'true' });
    expect(await refusalOf(h, dmImagine())).toBeNull();
  });

  it('with ALLOW_DMS=true and ALLOWED_ROLES, the role rule still decides', async () => {
    const h = await start({ ALLOWED_CHANNELS: '1290000000000000555', ALLOW_DMS: 'true', ALLOWED_ROLES: STANDIN_ROLES.artist });
    expect(await refusalOf(h, dmImagine())).toMatch(ROLE_RULE);
    const other = standinUser('1290000000000000778', 'member-with-role');
    h.standins.rest.setMemberRoles(h.standins.world.guild.id, other, [STANDIN_ROLES.artist]);
    expect(await refusalOf(h, dmImagine('a harbour', other))).toBeNull();
  });
});

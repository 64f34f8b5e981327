import { PermissionFlagsBits, type APIInteraction } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Requester } from '../../src/app/job-service.ts';
import type { Job } from '../../src/jobs/job.ts';
import { STANDIN_CHANNEL_PERMISSIONS, STANDIN_ROLES, standinUser } from '../support/discord-standin/fixtures.ts';
import { autocompleteInteraction, buttonInteraction, channelMessage, chatInputInteraction, commandOption, type InteractionScene } from '../support/discord-standin/payloads.ts';
import { startCommandHarness, type CommandHarness } from './command-harness.ts';
import { jobFixture } from './job-fixtures.ts';

/**
 * GIVEN jobs made in one guild, THEN nobody acting from another guild (not even an
 * admin there) or from a DM can list, name, show, cancel or delete them, and the
 * refusal reads exactly like the one for a job that does not exist.
 */

let harness: CommandHarness;
beforeEach(async () => {
  harness = await startCommandHarness({ ADMIN_ROLES: STANDIN_ROLES.otherModerator });
});
afterEach(async () => {
  await harness.close();
});

const owner = standinUser('1290000000000000999', 'castle-maker');
const SECRET = 'secret castle of guild one';
const manageGuild = STANDIN_CHANNEL_PERMISSIONS | PermissionFlagsBits.ManageGuild;

/** An admin of the other guild: Manage Server there. */
function otherGuildAdmin(): InteractionScene {
  return { guild: harness.standins.world.otherGuild, memberPermissions: manageGuild };
}

function queuedInGuildOne(prompt = SECRET, userId = owner.id): Job {
  const world = harness.standins.world;
  const requester: Requester = { userId, userName: 'castle-maker', guildId: world.guild.id, channelId: world.guild.channels[0]!.id, isAdmin: false };
  return harness.context.jobs.submit({ requester, template: 'txt2img', options: { prompt }, origin: { kind: 'command', command: 'imagine' } }).job;
}

function doneInGuildOne(): Job {
  const world = harness.standins.world;
  const job = jobFixture({
    id: 'guildonejob01',
    userId: owner.id,
    guildId: world.guild.id,
    channelId: world.guild.channels[0]!.id,
    status: 'done',
    server: 'gpu-1',
    spec: { template: 'txt2img', options: { prompt: SECRET } },
    images: [{ source: { filename: 'out.png', subfolder: '', type: 'output', kind: 'image', mime: 'image/png', extension: 'png' }, deliveredUrl: null }],
    finishedAt: 1_700_000_060_000,
  });
  harness.store.save(job);
  return job;
}

async function callbackOf(raw: APIInteraction): Promise<{ type: number; data?: Record<string, unknown> }> {
  const request = await harness.standins.rest.waitForRequest((r) => r.route === `/interactions/${raw.id}/${raw.token}/callback`, 2000);
  return request.json as { type: number; data?: Record<string, unknown> };
}

async function answerTo(raw: APIInteraction): Promise<string> {
  await harness.send(raw);
  const callback = await callbackOf(raw);
  expect(callback.data?.['flags']).toBe(64);
  return String(callback.data?.['content']);
}

/** What the bot says about a job id nobody ever made, in the same place. */
async function noSuchJobAnswer(build: (jobId: string) => APIInteraction): Promise<string> {
  return (await answerTo(build('nosuchjob000001'))).replaceAll('nosuchjob000001', '<id>');
}

describe('another guild\'s jobs are invisible', () => {
  it('/cancel autocomplete of an admin in another guild lists none of them and names no prompt', async () => {
    queuedInGuildOne();
    const typing = autocompleteInteraction({ name: 'cancel', options: [commandOption.string('job', '', { focused: true })], ...otherGuildAdmin() });
    await harness.send(typing);
    const callback = await callbackOf(typing);
    expect(callback.data).toEqual({ choices: [] });
    expect(JSON.stringify(callback)).not.toContain('castle');
  });

  it('/cancel job:<id> from another guild\'s admin is refused like an unknown job, and the job keeps waiting', async () => {
    const job = queuedInGuildOne();
    const refused = await answerTo(chatInputInteraction({ name: 'cancel', options: [commandOption.string('job', job.id)], ...otherGuildAdmin() }));
    const unknown = await noSuchJobAnswer((id) => chatInputInteraction({ name: 'cancel', options: [commandOption.string('job', id)], ...otherGuildAdmin() }));
    expect(refused.replaceAll(job.id, '<id>')).toBe(unknown);
    expect(refused).not.toContain('castle');
    expect(harness.store.get(job.id)?.status).toBe('queued');
  });

  it('an ADMIN_ROLES role held in the other guild gives no power over this guild\'s jobs', async () => {
    const job = queuedInGuildOne();
    const scene = { guild: harness.standins.world.otherGuild, roles: [STANDIN_ROLES.otherModerator] };
    const refused = await answerTo(chatInputInteraction({ name: 'cancel', options: [commandOption.string('job', job.id)], ...scene }));
    expect(refused).toBe(`⚠️ There is no job \`${job.id}\`.`);
    expect(harness.store.get(job.id)?.status).toBe('queued');
  });

  it('/history user: in another guild shows nothing of what the user did in this one', async () => {
    queuedInGuildOne();
    const answer = await answerTo(chatInputInteraction({ name: 'history', options: [commandOption.user('user', owner)], ...otherGuildAdmin() }));
    expect(answer).not.toContain('castle');
    expect(answer).toMatch(/history is empty/);
  });

  it('/history of your own jobs lists only those made where you ask (this guild, or your DM)', async () => {
    const world = harness.standins.world;
    queuedInGuildOne('made in guild one', world.invoker.id);
    const here = await answerTo(chatInputInteraction({ name: 'history' }));
    expect(here).toContain('made in guild one');
    const there = await answerTo(chatInputInteraction({ name: 'history', guild: world.otherGuild }));
    expect(there).not.toContain('made in guild one');
  });

  it('/queue in another guild does not list your jobs from this one', async () => {
    const world = harness.standins.world;
    queuedInGuildOne('waiting in guild one', world.invoker.id);
    const there = await answerTo(chatInputInteraction({ name: 'queue', guild: world.otherGuild }));
    expect(there).not.toContain('waiting in guild one');
    expect(there).toContain('You have no jobs waiting or running.');
    expect(there).toContain('1 waiting');
  });

  it('/show of another guild\'s job by an admin there: no such job', async () => {
    const job = doneInGuildOne();
    const refused = await answerTo(chatInputInteraction({ name: 'show', options: [commandOption.string('job', job.id)], ...otherGuildAdmin() }));
    expect(refused).toBe(`⚠️ There is no job \`${job.id}\`.`);
  });

  it('/show of your own job from another guild: no such job either (it belongs to the guild it was made in)', async () => {
    const job = doneInGuildOne();
    const refused = await answerTo(chatInputInteraction({ name: 'show', options: [commandOption.string('job', job.id)], user: owner, guild: harness.standins.world.otherGuild }));
    expect(refused).toBe(`⚠️ There is no job \`${job.id}\`.`);
  });

  it('buttons naming another guild\'s job (Cancel, Delete, Reroll, Vary) are refused like an unknown job', async () => {
    const waiting = queuedInGuildOne();
    const done = doneInGuildOne();
    const message = channelMessage({ channelId: harness.standins.world.otherGuild.channels[0]!.id });
    for (const customId of [`cc:cancel:${waiting.id}`, `cc:delete:${done.id}`, `cc:reroll:${done.id}`, `cc:vary:${done.id}:0`]) {
      const jobId = customId.split(':')[2]!;
      const refused = await answerTo(buttonInteraction({ customId, message, ...otherGuildAdmin() }));
      expect(refused, customId).toBe(`⚠️ There is no job \`${jobId}\`.`);
    }
    expect(harness.store.get(waiting.id)?.status).toBe('queued');
    expect(harness.store.recentInGuild(harness.standins.world.otherGuild.id, 10)).toEqual([]);
  });

  it('from a DM, nobody sees or cancels guild jobs, not even their owner', async () => {
    await harness.close();
    harness = await startCommandHarness({ ALLOW_DMS: 'true' });
    const job = queuedInGuildOne('guild job of the invoker', harness.standins.world.invoker.id);
    const typing = autocompleteInteraction({ name: 'cancel', options: [commandOption.string('job', '', { focused: true })], dm: true });
    await harness.send(typing);
    expect((await callbackOf(typing)).data).toEqual({ choices: [] });
    const refused = await answerTo(chatInputInteraction({ name: 'cancel', options: [commandOption.string('job', job.id)], dm: true }));
    expect(refused).toBe(`⚠️ There is no job \`${job.id}\`.`);
    expect(harness.store.get(job.id)?.status).toBe('queued');
  });

  it('an admin of this guild still cancels this guild\'s jobs', async () => {
    const job = queuedInGuildOne();
    const done = await answerTo(chatInputInteraction({ name: 'cancel', options: [commandOption.string('job', job.id)], memberPermissions: manageGuild }));
    expect(done).toMatch(/^🚫 Cancelled/);
    expect(harness.store.get(job.id)?.status).toBe('cancelled');
  });
});

describe('/comfy status', () => {
  it('shows another guild\'s admin only counts: the line as a whole and their own guild\'s share', async () => {
    const job = queuedInGuildOne();
    const raw = chatInputInteraction({ name: 'comfy', options: [commandOption.subcommand('status', [])], ...otherGuildAdmin() });
    await harness.send(raw);
    const edit = await harness.standins.rest.waitForRequest((r) => r.method === 'PATCH' && r.route.includes(raw.token), 4000);
    const body = JSON.stringify(edit.json);
    expect(body).not.toContain('castle');
    expect(body).not.toContain(job.id);
    const embed = (edit.json as { embeds: Array<{ description: string }> }).embeds[0]!;
    expect(embed.description).toContain("the bot's line: 1 waiting, 0 on servers (this server's: 0 waiting, 0 on servers)");
  });
});

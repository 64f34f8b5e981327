import { PermissionFlagsBits, Routes, type APIMessage } from 'discord.js';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Requester } from '../../src/app/job-service.ts';
import { queueReport } from '../../src/commands/queue.ts';
import type { Job } from '../../src/jobs/job.ts';
import { STANDIN_CHANNEL_PERMISSIONS, standinUser } from '../support/discord-standin/fixtures.ts';
import {
  autocompleteInteraction,
  buttonInteraction,
  channelMessage,
  chatInputInteraction,
  commandOption,
  messageContextMenuInteraction,
  modalSubmitInteraction,
} from '../support/discord-standin/payloads.ts';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { startCommandHarness, type CommandHarness } from './command-harness.ts';
import { jobFixture } from './job-fixtures.ts';

/**
 * The commands of src/commands through the real router and discord.js, against the
 * Discord stand-ins: what each sends back (ephemeral or public, modal, deletion).
 */

let harness: CommandHarness;
beforeEach(async () => {
  harness = await startCommandHarness();
});
afterEach(async () => {
  await harness.close();
});

const other = standinUser('1290000000000000999', 'someone-else');
const admin = { memberPermissions: STANDIN_CHANNEL_PERMISSIONS | PermissionFlagsBits.ManageGuild };

function requester(userId = harness.standins.world.invoker.id): Requester {
  return { userId, userName: 'painter', guildId: harness.standins.world.guild.id, channelId: null, isAdmin: false };
}

/** The initial callback the bot sent for an interaction: `{type, data}`. */
async function callbackOf(raw: { id: string; token: string }): Promise<{ type: number; data?: Record<string, unknown> }> {
  const request = await harness.standins.rest.waitForRequest((r) => r.route === `/interactions/${raw.id}/${raw.token}/callback`, 2000);
  return request.json as { type: number; data?: Record<string, unknown> };
}

function queued(prompt = 'a red fox', userId?: string): Job {
  return harness.context.jobs.submit({ requester: requester(userId), template: 'txt2img', options: { prompt }, origin: { kind: 'command', command: 'imagine' } }).job;
}

function doneJob(overrides: Partial<Job> = {}): Job {
  const job = jobFixture({
    id: 'donejob0001',
    userId: harness.standins.world.invoker.id,
    guildId: harness.standins.world.guild.id,
    status: 'done',
    server: 'gpu-1',
    spec: { template: 'txt2img', options: { prompt: 'a lighthouse' } },
    images: [{ source: { filename: 'out.png', subfolder: '', type: 'output', kind: 'image', mime: 'image/png', extension: 'png' }, deliveredUrl: null }],
    finishedAt: 1_700_000_060_000,
    ...overrides,
  });
  harness.store.save(job);
  return job;
}

/** A result message posted by the bot, with the job's buttons, as the stand-in stores it. */
async function botMessage(jobId: string): Promise<APIMessage> {
  const channelId = harness.standins.world.guild.channels[0]!.id;
  const posted = (await harness.client.rest.post(Routes.channelMessages(channelId), {
    body: { content: '✅ Done', components: [{ type: 1, components: [{ type: 2, style: 4, label: 'Delete', custom_id: `cc:delete:${jobId}` }] }] },
  })) as APIMessage;
  return harness.standins.rest.message(posted.id)!;
}

describe('/templates, /queue, /cancel', () => {
  it('/templates lists the installed templates ephemerally; an unknown name is refused', async () => {
    const list = chatInputInteraction({ name: 'templates' });
    await harness.send(list);
    const answer = await callbackOf(list);
    expect(answer).toMatchObject({ type: 4, data: { flags: 64, embeds: [{ title: 'Workflow templates (10)' }] } });

    const unknown = chatInputInteraction({ name: 'templates', options: [commandOption.string('template', 'nope')] });
    await harness.send(unknown);
    expect((await callbackOf(unknown)).data).toMatchObject({ flags: 64, content: expect.stringContaining("there is no template 'nope'") });
  });

  it('/queue shows your place in line and the server state', async () => {
    const job = queued();
    const raw = chatInputInteraction({ name: 'queue' });
    await harness.send(raw);
    const content = String((await callbackOf(raw)).data?.['content']);
    expect(content).toContain(`\`${job.id}\` a red fox — #1 of 1 in line`);
    expect(content).toContain('**gpu\\-1** — ⚪ not connected');
  });

  it('/queue places each of your jobs by the fair order, among everyone waiting', () => {
    const mine1 = queued('mine 1');
    const mine2 = queued('mine 2');
    const theirs = queued('theirs', other.id);
    // Round-robin: my first, their first, my second.
    const guildId = harness.standins.world.guild.id;
    const report = queueReport({ userId: harness.standins.world.invoker.id, guildId }, harness.context);
    expect(report.mine.map((line) => [line.job.id, line.place])).toEqual([
      [mine1.id, { position: 1, total: 3 }],
      [mine2.id, { position: 3, total: 3 }],
    ]);
    expect([report.waiting, report.running]).toEqual([3, 0]);
    expect(queueReport({ userId: other.id, guildId }, harness.context).mine.map((line) => [line.job.id, line.place])).toEqual([[theirs.id, { position: 2, total: 3 }]]);
  });

  it('/cancel suggests your pending jobs, then cancels the newest when none is named', async () => {
    queued('first');
    const newest = queued('second');
    const typing = autocompleteInteraction({ name: 'cancel', options: [commandOption.string('job', 'sec', { focused: true })] });
    await harness.send(typing);
    expect((await callbackOf(typing)).data).toEqual({ choices: [{ name: 'second — waiting', value: newest.id }] });

    const raw = chatInputInteraction({ name: 'cancel' });
    await harness.send(raw);
    expect((await callbackOf(raw)).data).toMatchObject({ flags: 64, content: `🚫 Cancelled job \`${newest.id}\` (second). It had not started.` });
    expect(harness.store.get(newest.id)?.status).toBe('cancelled');
  });

  it("/cancel of someone else's job is refused for a member and allowed for an admin", async () => {
    const theirs = queued('theirs', other.id);
    const member = chatInputInteraction({ name: 'cancel', options: [commandOption.string('job', theirs.id)] });
    await harness.send(member);
    expect(String((await callbackOf(member)).data?.['content'])).toContain('belongs to someone else');
    expect(harness.store.get(theirs.id)?.status).toBe('queued');

    const byAdmin = chatInputInteraction({ name: 'cancel', options: [commandOption.string('job', theirs.id)], ...admin });
    await harness.send(byAdmin);
    expect(String((await callbackOf(byAdmin)).data?.['content'])).toMatch(/^🚫 Cancelled/);
    expect(harness.store.get(theirs.id)?.status).toBe('cancelled');
  });
});

describe('/comfy status and /show', () => {
  it('/comfy status refuses members and shows admins an unreachable server quickly', async () => {
    const member = chatInputInteraction({ name: 'comfy', options: [commandOption.subcommand('status', [])] });
    await harness.send(member);
    expect((await callbackOf(member)).data).toMatchObject({ flags: 64, content: expect.stringContaining('Only admins') });

    const raw = chatInputInteraction({ name: 'comfy', options: [commandOption.subcommand('status', [])], ...admin });
    await harness.send(raw);
    expect(await callbackOf(raw)).toEqual({ type: 5, data: { flags: 64 } });
    const edit = await harness.standins.rest.waitForRequest((r) => r.method === 'PATCH' && r.route.includes(raw.token), 2000);
    const field = (edit.json as { embeds: Array<{ fields: Array<{ name: string; value: string }> }> }).embeds[0]!.fields[0]!;
    expect(field.name).toBe('gpu\\-1 — ⚪ not connected');
    expect(field.value).toContain('❗ /system_stats unreachable');
  });

  it('/show posts a failed job again publicly with its buttons, and answers a waiting job ephemerally', async () => {
    doneJob({ id: 'failedjob01', status: 'failed', images: [], failure: { code: 'X', userMessage: 'out of memory' } });
    const raw = chatInputInteraction({ name: 'show', options: [commandOption.string('job', 'failedjob01')] });
    await harness.send(raw);
    expect(await callbackOf(raw)).toEqual({ type: 5, data: { flags: 0 } });
    const shown = harness.standins.rest.originalMessage(raw.token)!;
    expect(shown.content).toBe('❌ Failed — out of memory');
    expect(shown.components?.[0]).toMatchObject({ components: [{ custom_id: 'cc:reroll:failedjob01' }, { custom_id: 'cc:delete:failedjob01' }] });

    const waiting = queued('still waiting');
    const pending = chatInputInteraction({ name: 'show', options: [commandOption.string('job', waiting.id)] });
    await harness.send(pending);
    expect((await callbackOf(pending)).data).toMatchObject({ flags: 64, content: expect.stringContaining('is not finished yet.\n⏳ Queued — position 1 of 1') });
  });
});

describe('/show of a finished job', () => {
  it('fetches the images from ComfyUI again and posts them publicly with the result buttons', async () => {
    const comfy = await ComfyStandin.start();
    try {
      const png = await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toBuffer();
      comfy.outputs.set('out.png', png);
      await harness.close();
      harness = await startCommandHarness({ COMFY_URL: comfy.url });
      doneJob();
      const raw = chatInputInteraction({ name: 'show', options: [commandOption.string('job', 'donejob0001')] });
      await harness.send(raw, 10_000);
      expect(await callbackOf(raw)).toEqual({ type: 5, data: { flags: 0 } });
      const shown = harness.standins.rest.originalMessage(raw.token)!;
      expect(shown.content).toMatch(/^✅ Done in /);
      expect(shown.attachments.map((a) => a.filename)).toEqual(['donejob0001-1.png']);
      expect(harness.standins.rest.storedMessage(shown.id)?.attachments[0]?.data.equals(png)).toBe(true);
      expect(shown.components?.[0]).toMatchObject({
        components: [{ custom_id: 'cc:reroll:donejob0001' }, { custom_id: 'cc:vary:donejob0001:0' }, { custom_id: 'cc:upscale:donejob0001:0' }, { custom_id: 'cc:delete:donejob0001' }],
      });
      expect(harness.store.get('donejob0001')?.images[0]?.deliveredUrl).toBe(shown.attachments[0]?.url);
    } finally {
      await comfy.close();
    }
  });

  it("refuses someone else's job, ephemerally and before anything public appears", async () => {
    doneJob();
    const raw = chatInputInteraction({ name: 'show', options: [commandOption.string('job', 'donejob0001')], user: other });
    await harness.send(raw);
    expect((await callbackOf(raw)).data).toMatchObject({ flags: 64, content: expect.stringContaining('belongs to someone else') });
  });
});

describe('buttons', () => {
  const click = (customId: string, message: APIMessage, scene: Parameters<typeof buttonInteraction>[0] extends infer S ? Partial<S> : never = {}) =>
    buttonInteraction({ customId, message, ...scene });

  it('a malformed custom_id is "no longer valid", ephemerally', async () => {
    const raw = click('cc:explode:x', channelMessage({}));
    await harness.send(raw);
    expect((await callbackOf(raw)).data).toMatchObject({ flags: 64, content: '⚠️ This button is no longer valid.' });
  });

  it('Delete removes the result message for its requester, and only for them', async () => {
    doneJob();
    const message = await botMessage('donejob0001');
    const stranger = click('cc:delete:donejob0001', message, { user: other });
    await harness.send(stranger);
    expect(String((await callbackOf(stranger)).data?.['content'])).toContain('belongs to someone else');
    expect(harness.standins.rest.message(message.id)).toBeDefined();

    const owner = click('cc:delete:donejob0001', message);
    await harness.send(owner);
    expect(await callbackOf(owner)).toMatchObject({ type: 6 });
    expect(harness.standins.rest.message(message.id)).toBeUndefined();
  });

  it('Cancel on a waiting job cancels it and confirms ephemerally', async () => {
    const job = queued();
    const raw = click(`cc:cancel:${job.id}`, channelMessage({}));
    await harness.send(raw);
    expect((await callbackOf(raw)).data).toMatchObject({ flags: 64, content: expect.stringMatching(/^🚫 Cancelled job/) });
    expect(harness.store.get(job.id)?.status).toBe('cancelled');
  });

  it("Reroll by another member makes a new public message and a job that is theirs", async () => {
    doneJob();
    const raw = click('cc:reroll:donejob0001', channelMessage({}), { user: other });
    await harness.send(raw);
    expect(await callbackOf(raw)).toEqual({ type: 5, data: { flags: 0 } });
    const mine = harness.store.recentFor(other.id, 5);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: 'queued', origin: { kind: 'reroll', parentJobId: 'donejob0001' }, spec: { template: 'txt2img', options: { prompt: 'a lighthouse' } } });
    expect(mine[0]!.reply?.['token']).toBe(raw.token);
  });
});

describe('Remix', () => {
  it('opens a modal on an image message, then queues img2img with the prompt and strength from the form', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 10, g: 120, b: 200 } } }).png().toBuffer();
    const attachment = harness.standins.rest.hostAttachment({ filename: 'fox.png', data: png, contentType: 'image/png' });
    const target = channelMessage({ attachments: [attachment] });
    const menu = messageContextMenuInteraction({ name: 'Remix', target });
    await harness.send(menu);
    const modal = await callbackOf(menu);
    expect(modal.type).toBe(9);
    const customId = String(modal.data?.['custom_id']);
    expect(customId).toMatch(/^remix:[0-9a-f]{16}$/);

    const submit = modalSubmitInteraction({ customId, fields: { prompt: 'as a watercolour', strength: '0.45', negative: '' } });
    await harness.send(submit, 10_000);
    expect(await callbackOf(submit)).toEqual({ type: 5, data: { flags: 0 } });
    const [job] = harness.store.recentFor(harness.standins.world.invoker.id, 1);
    expect(job).toMatchObject({ status: 'queued', spec: { template: 'img2img', options: { prompt: 'as a watercolour', denoise: 0.45 } }, origin: { command: 'remix' } });
    expect(job?.spec.inputs?.['image']).toMatchObject({ kind: 'file' });
  });

  it('refuses a message without an image, and a form whose key is unknown', async () => {
    const menu = messageContextMenuInteraction({ name: 'Remix', target: channelMessage({ content: 'just words' }) });
    await harness.send(menu);
    expect((await callbackOf(menu)).data).toMatchObject({ flags: 64, content: '⚠️ That message has no image to remix.' });

    const submit = modalSubmitInteraction({ customId: 'remix:0123456789abcdef', fields: { prompt: 'x' } });
    await harness.send(submit);
    expect((await callbackOf(submit)).data).toMatchObject({ flags: 64, content: expect.stringContaining('This Remix form has expired') });
  });
});

import { ChannelType, InteractionContextType, type APIInteraction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { chatInputInteraction, commandOption } from '../support/discord-standin/index.ts';
import { BotHarness, buttonIds, messageJson } from './harness.ts';

const EPHEMERAL = 64;

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

/** Refused before deferring: the first response is the ephemeral message, and ComfyUI heard nothing. */
async function expectEphemeralRefusal(harness: BotHarness, raw: APIInteraction, text: RegExp): Promise<void> {
  const callback = await harness.callback(raw);
  expect(callback.json).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
  expect((callback.json as { data: { content: string } }).data.content).toMatch(text);
}

const prompts = (harness: BotHarness) => harness.comfy.requests.filter((r) => r.method === 'POST' && r.route === '/prompt');

describe('refusals and failures the user can read', () => {
  it('a checkpoint ComfyUI lost after the bot read its lists: the reply becomes ComfyUI\'s validation error in words', async () => {
    // The bot's cached /object_info still lists the model (it checks against that before
    // queueing); ComfyUI's own validation, which no longer has it, is what refuses it.
    h = await BotHarness.start({ deferStart: true });
    const info = (await (await fetch(`${h.comfy.url}/object_info`)).json()) as Record<string, { input: { required: Record<string, unknown[]> } }>;
    const ckpt = info['CheckpointLoaderSimple']!.input.required['ckpt_name']!;
    info['CheckpointLoaderSimple']!.input.required['ckpt_name'] = [[...(ckpt[0] as string[]), 'dreamshaper_8.safetensors'], ...ckpt.slice(1)];
    h.comfy.injectResponse({ method: 'GET', route: '/object_info' }, { status: 200, body: JSON.stringify(info) }, { times: 10 });
    await h.startBot();
    const raw = await h.imagine('a red fox', [commandOption.string('checkpoint', 'dreamshaper_8.safetensors')]);
    const final = await h.waitForFinal(raw);
    const json = messageJson(final);
    expect(json.content).toBe(
      "❌ Failed — Node checkpoint (CheckpointLoaderSimple): ckpt\\_name 'dreamshaper\\_8.safetensors' is not one of the server's values (choices: sd\\_xl\\_base\\_1.0.safetensors)",
    );
    const jobId = /job (\S+)/.exec(json.embeds?.[0]?.footer?.text ?? '')?.[1];
    expect(buttonIds(json)).toEqual([[`cc:reroll:${jobId}`, `cc:delete:${jobId}`]]);
    expect(final.files).toEqual([]);
  });

  it('ComfyUI answering 500 to the prompt: the reply says which server said what', async () => {
    h = await BotHarness.start();
    h.comfy.failNextPost(500, '500 Internal Server Error\n\nServer got itself in trouble');
    const raw = await h.imagine('a red fox');
    const final = await h.waitForFinal(raw);
    expect(messageJson(final).content).toMatch(/^❌ Failed — ComfyUI at 127\.0\.0\.1:\d+ answered HTTP 500 on POST \/prompt\.$/u);
  });

  it('ComfyUI unreachable since start: refused at once with a message that says so, nothing left waiting', async () => {
    // (A server that was up and drops is different: jobs wait through its grace period, see comfy-outage.)
    h = await BotHarness.start({ env: { COMFY_URL: 'http://127.0.0.1:9' } });
    const raw = await h.imagine('a red fox');
    await expectEphemeralRefusal(h, raw, /^⚠️ No ComfyUI server can run this right now: ComfyUI \(127\.0\.0\.1:9\) is not reachable\. Try again in a minute\.$/u);
    expect(h.bot.context.scheduler.pending()).toEqual([]);
  });

  it('queue full: a clear ephemeral refusal once QUEUE_MAX jobs are waiting or running', async () => {
    h = await BotHarness.start({ env: { QUEUE_MAX: '2' } });
    h.comfy.pause();
    const first = await h.imagine('one');
    const second = await h.imagine('two');
    await h.waitForEdit(first, /./);
    await h.waitForEdit(second, /./);
    const third = await h.imagine('three');
    await expectEphemeralRefusal(h, third, /^⚠️ The queue is full \(2 jobs\)\. Please try again in a few minutes\.$/u);
    h.comfy.resume();
    await h.waitForFinal(first);
    await h.waitForFinal(second);
    expect(prompts(h)).toHaveLength(2);
  });

  it('per-user limit: the second job of a user with USER_MAX_PENDING=1 is refused, another user is not', async () => {
    h = await BotHarness.start({ env: { USER_MAX_PENDING: '1' } });
    h.comfy.pause();
    const first = await h.imagine('mine');
    await h.waitForEdit(first, /./);
    const again = await h.imagine('mine again');
    await expectEphemeralRefusal(h, again, /^⚠️ You already have 1 job waiting or running \(the limit is 1\)\. Wait for one to finish or cancel one with \/cancel\.$/u);
    const other = { id: '1290000000000000999', username: 'sculptor', global_name: 'sculptor', discriminator: '0', avatar: null };
    const theirs = await h.imagine('theirs', [], { user: other });
    expect((await h.callback(theirs)).json).toEqual({ type: 5, data: { flags: 0 } });
    h.comfy.resume();
    await h.waitForFinal(theirs);
  });

  it('a blocked word is refused before anything is queued', async () => {
    h = await BotHarness.start({ env: { BLOCKED_WORDS: 'gore, forbidden' } });
    const raw = await h.imagine('a FORBIDDEN\u200B fox');
    await expectEphemeralRefusal(h, raw, /^⚠️ Your prompt contains a word this server does not allow \("forbidden"\)\. Please rephrase it\.$/u);
    expect(prompts(h)).toEqual([]);
  });

  it('direct messages are refused by default', async () => {
    h = await BotHarness.start();
    const raw = directMessage(chatInputInteraction({ name: 'imagine', options: [commandOption.string('prompt', 'a fox')] }));
    await h.discord.sendInteraction(raw);
    await expectEphemeralRefusal(h, raw, /^⚠️ This bot does not take commands in direct messages\. Use it in a server channel\.$/u);
    expect(prompts(h)).toEqual([]);
  });

  it('an unknown command gets an ephemeral hint, not silence', async () => {
    h = await BotHarness.start();
    const raw = await h.slash('paint', [commandOption.string('prompt', 'x')]);
    await expectEphemeralRefusal(h, raw, /not known to this bot version/);
  });
});

/** The same command typed in a DM with the bot: no guild, no member, a DM channel. */
function directMessage(guild: ReturnType<typeof chatInputInteraction>): APIInteraction {
  const { guild_id: _g, guild: _guild, member, channel: _c, ...rest } = guild;
  const user = member.user;
  return {
    ...rest,
    user,
    channel: { id: '1290000000000000777', type: ChannelType.DM, recipients: [user], last_message_id: null, flags: 0 },
    channel_id: '1290000000000000777',
    context: InteractionContextType.BotDM,
    authorizing_integration_owners: { '1': user.id },
    data: { ...guild.data, guild_id: undefined },
  } as unknown as APIInteraction;
}

import { Client, DiscordAPIError, Events, HTTPError, MessageFlags, type ChatInputCommandInteraction, type Interaction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { apiErrors, discordError } from '../support/discord-standin/api-errors.ts';
import { chatInputInteraction } from '../support/discord-standin/payloads.ts';
import { tooManyRequests } from '../support/discord-standin/rate-limiter.ts';
import { loginToStandins, startDiscordStandins, type DiscordStandins, type StartDiscordStandinsOptions } from '../support/discord-standin/standins.ts';

let standins: DiscordStandins | null = null;
let client: Client | null = null;

afterEach(async () => {
  await client?.destroy();
  client = null;
  await standins?.close();
  standins = null;
});

/** Stand-ins plus a logged-in client, and an interaction that the client has already deferred. */
async function deferredInteraction(options: StartDiscordStandinsOptions = {}, flags = 0) {
  const s = await startDiscordStandins(options);
  standins = s;
  const bot = new Client(s.clientOptions());
  client = bot;
  await loginToStandins(bot, s);
  const deferred = new Promise<ChatInputCommandInteraction>((resolve, reject) => {
    bot.once(Events.InteractionCreate, (interaction: Interaction) => {
      if (!interaction.isChatInputCommand()) return reject(new Error('expected a chat input command'));
      interaction.deferReply({ flags }).then(() => resolve(interaction), reject);
    });
  });
  const raw = chatInputInteraction({ name: 'imagine' });
  await s.sendInteraction(raw);
  return { standins: s, bot, raw, interaction: await deferred };
}

const editRoute = /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/;

describe('REST faults as discord.js meets them', () => {
  it('waits out a 429 on an edit (Retry-After) and re-sends; the final state arrives', async () => {
    const { standins: s, interaction, raw } = await deferredInteraction();
    s.rest.failNext({ method: 'PATCH', route: editRoute }, tooManyRequests(0.3));

    const started = Date.now();
    await interaction.editReply({ content: 'step 20/20' });
    const elapsed = Date.now() - started;

    const patches = s.rest.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => [r.status, r.injectedBy])).toEqual([
      [429, 'fault'],
      [200, null],
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(s.rest.count429).toBe(1);
    expect(s.rest.originalMessage(raw.token)?.content).toBe('step 20/20');
  });

  it('surfaces an expired interaction token as DiscordAPIError 401 / 50027 and keeps the bot token', async () => {
    const { standins: s, interaction, bot } = await deferredInteraction();
    s.rest.expireToken(interaction.token);

    const error = await interaction.editReply({ content: 'too late' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ status: 401, code: 50027, message: 'Invalid Webhook Token' });
    // Webhook routes are sent with auth: false, so discord.js does not drop its bot token on this 401.
    const channel = await bot.channels.fetch(s.world.guild.channels[0]?.id ?? '', { force: true });
    expect(channel?.id).toBe(s.world.guild.channels[0]?.id);
  });

  it('retries a 5xx on an edit silently, and throws HTTPError once its 3 retries are used up', async () => {
    const { standins: s, interaction } = await deferredInteraction();
    s.rest.failNext({ method: 'PATCH', route: editRoute }, discordError(502, 0, 'Bad Gateway'));
    await interaction.editReply({ content: 'survives one 502' });

    s.rest.failNext({ method: 'PATCH', route: editRoute }, discordError(500, 0, '500: Internal Server Error'), { times: 4 });
    const error = await interaction.editReply({ content: 'lost' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HTTPError);
    expect(error).toMatchObject({ status: 500, method: 'PATCH' });
    const statuses = s.rest.requests.filter((r) => r.method === 'PATCH').map((r) => r.status);
    expect(statuses).toEqual([502, 200, 500, 500, 500, 500]);
  });

  it('lets the bot edit its non-ephemeral reply through the channel route with its bot token after the token expired', async () => {
    const { standins: s, interaction, bot, raw } = await deferredInteraction();
    const reply = await interaction.editReply({ content: 'queued' });
    s.rest.expireToken(raw.token);

    const channel = await bot.channels.fetch(reply.channelId);
    if (!channel?.isTextBased()) throw new Error('expected a text channel');
    const edited = await channel.messages.edit(reply.id, { content: 'finished after 16 minutes' });

    const request = await s.rest.waitForRequest((r) => r.method === 'PATCH' && r.route === `/channels/${reply.channelId}/messages/${reply.id}`, 1000);
    expect(request).toMatchObject({ authorization: 'bot', botTokenMatched: true, status: 200 });
    expect(edited.content).toBe('finished after 16 minutes');
    expect(s.rest.message(reply.id)?.content).toBe('finished after 16 minutes');
  });

  it('hides ephemeral replies from the channel route (404 / 10008)', async () => {
    const { standins: s, interaction, bot } = await deferredInteraction({}, MessageFlags.Ephemeral);
    const reply = await interaction.editReply({ content: 'only you can see this' });
    expect(reply.flags.has(MessageFlags.Ephemeral)).toBe(true);

    const channel = await bot.channels.fetch(s.world.guild.channels[0]?.id ?? '');
    if (!channel?.isTextBased()) throw new Error('expected a text channel');
    const error = await channel.messages.edit(reply.id, { content: 'x' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 404, code: 10008 });
  });

  it('with the rate limiter on, discord.js reads the bucket headers and waits instead of hitting 429', async () => {
    const { standins: s, interaction } = await deferredInteraction({
      rest: { rateLimits: { webhookMessage: { limit: 2, windowMs: 400 }, retryAfter: 'milliseconds' } },
    });

    await Promise.all([1, 2, 3, 4].map((step) => interaction.editReply({ content: `step ${step}` })));

    const patches = s.rest.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(s.rest.count429).toBe(0);
    expect(patches[1]?.responseHeaders).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0' });
    // The third edit went out only after the first window closed.
    expect((patches[2]?.at ?? 0) - (patches[0]?.at ?? 0)).toBeGreaterThanOrEqual(390);
    expect(s.rest.originalMessage(interaction.token)?.content).toBe('step 4');
  });

  it('drops the bot token after a 401 on a bot-token route, so every later bot call fails locally', async () => {
    const { standins: s, bot } = await deferredInteraction();
    const channelId = s.world.guild.channels[0]?.id ?? '';
    s.rest.failNext({ method: 'GET', route: `/channels/${channelId}` }, apiErrors.unauthorized());

    const first = await bot.channels.fetch(channelId, { force: true }).catch((e: unknown) => e);
    const second = await bot.channels.fetch(channelId, { force: true }).catch((e: unknown) => e);

    expect(first).toMatchObject({ status: 401 });
    expect(String(second)).toContain('Expected token to be set for this request');
    expect(s.rest.requests.filter((r) => r.route === `/channels/${channelId}`)).toHaveLength(1);
  });

  it('maps a canned Discord error body to DiscordAPIError with its code', async () => {
    const { standins: s, interaction } = await deferredInteraction();
    s.rest.failNext({ method: 'PATCH', route: editRoute }, apiErrors.unknownWebhook());

    const error = await interaction.editReply({ content: 'x' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'DiscordAPIError[10015]', status: 404, code: 10015 });
  });
});

import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  Routes,
  type ChatInputCommandInteraction,
  type Interaction,
} from 'discord.js';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chatInputInteraction, commandOption } from '../support/discord-standin/payloads.ts';
import { snowflakeTime } from '../support/discord-standin/snowflakes.ts';
import { loginToStandins, startDiscordStandins, type DiscordStandins } from '../support/discord-standin/standins.ts';

let standins: DiscordStandins;
let client: Client | null = null;

beforeEach(async () => {
  standins = await startDiscordStandins();
});

afterEach(async () => {
  await client?.destroy();
  client = null;
  await standins.close();
});

async function readyClient(): Promise<Client> {
  client = new Client(standins.clientOptions());
  await loginToStandins(client, standins);
  return client;
}

/** Resolves with what the handler returned for the next chat input command. */
function handleNextCommand<T>(bot: Client, handler: (interaction: ChatInputCommandInteraction) => Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    bot.once(Events.InteractionCreate, (interaction: Interaction) => {
      if (!interaction.isChatInputCommand()) return reject(new Error(`unexpected interaction type ${interaction.type}`));
      handler(interaction).then(resolve, reject);
    });
  });
}

const resultPng = (): Promise<Buffer> =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toBuffer();

describe('discord.js against the Discord stand-ins', () => {
  it('logs in over the stand-in gateway with default options: no compression, JSON, v10, Guilds intent', async () => {
    const bot = await readyClient();

    expect(bot.user?.id).toBe(standins.world.botUser.id);
    expect(bot.guilds.cache.get(standins.world.guild.id)?.name).toBe(standins.world.guild.name);
    const connected = await standins.gateway.events.waitFor((event) => event.kind === 'connected', 1000);
    expect(connected.kind === 'connected' && connected.query).toEqual({ v: '10', encoding: 'json' });
    const identify = await standins.gateway.frames.waitFor((frame) => frame.op === 2, 1000);
    expect(identify.d).toMatchObject({ intents: 1, compress: false, shard: [0, 1], tokenMatched: true });
    const gatewayLookup = standins.rest.requests.find((request) => request.route === '/gateway/bot');
    expect(gatewayLookup).toMatchObject({ method: 'GET', apiVersion: 10, authorization: 'bot', botTokenMatched: true, status: 200 });
  });

  it('defers /imagine within 3 s, then edits the reply with the PNG bytes and a button row', async () => {
    const bot = await readyClient();
    const png = await resultPng();
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('comfycord:rerun:1').setLabel('Re-run').setStyle(ButtonStyle.Secondary),
    );
    const handled = handleNextCommand(bot, async (interaction) => {
      await interaction.deferReply();
      return interaction.editReply({
        content: `Done: ${interaction.options.getString('prompt', true)}`,
        files: [new AttachmentBuilder(png, { name: 'result.png' })],
        components: [row],
      });
    });
    const raw = chatInputInteraction({ name: 'imagine', options: [commandOption.string('prompt', 'a red fox')] });

    await standins.sendInteraction(raw);
    const edited = await handled;

    const ack = await standins.rest.waitForRequest((r) => r.route === `/interactions/${raw.id}/${raw.token}/callback`, 1000);
    expect(ack.json).toEqual({ type: 5, data: { flags: 0 } });
    expect(ack.status).toBe(204);
    expect(ack.authorization).toBe('absent');
    expect(ack.at - snowflakeTime(raw.id)).toBeLessThan(3000);

    const patch = await standins.rest.waitForRequest((r) => r.method === 'PATCH' && r.route.endsWith('/messages/@original'), 1000);
    expect(patch.route).toBe(`/webhooks/${standins.world.application.id}/${raw.token}/messages/@original`);
    expect(patch.multipart).toBe(true);
    expect(patch.files).toHaveLength(1);
    expect(patch.files[0]).toMatchObject({ name: 'files[0]', filename: 'result.png', contentType: 'image/png' });
    expect(patch.files[0]?.data.equals(png)).toBe(true);
    const sentRow: unknown = JSON.parse(JSON.stringify(row.toJSON()));
    expect(patch.json).toMatchObject({ content: 'Done: a red fox', components: [sentRow], attachments: [{ id: '0' }] });

    const original = standins.rest.originalMessage(raw.token);
    expect(original?.flags).toBe(0); // the LOADING flag of the defer is gone
    expect(original?.attachments[0]).toMatchObject({ filename: 'result.png', width: 64, height: 48, size: png.length });
    const served = Buffer.from(await (await fetch(original?.attachments[0]?.url ?? '')).arrayBuffer());
    expect(served.equals(png)).toBe(true);
    expect(edited.id).toBe(original?.id);
    expect(edited.attachments.first()?.url).toBe(original?.attachments[0]?.url);
    expect(edited.components[0]?.toJSON()).toEqual(sentRow);
  });

  it('refuses a second acknowledgement with 400 / 40060', async () => {
    const bot = await readyClient();
    const raw = chatInputInteraction({ name: 'imagine' });
    const handled = handleNextCommand(bot, async (interaction) => {
      await interaction.deferReply();
      // discord.js guards against this itself, so go around it the way a second process would.
      return bot.rest.post(Routes.interactionCallback(interaction.id, interaction.token), { body: { type: 5 }, auth: false }).catch((error: unknown) => error);
    });

    await standins.sendInteraction(raw);
    const error = await handled;

    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ status: 400, code: 40060 });
    expect(standins.rest.interaction(raw.token)?.acknowledgedWith).toBe(5);
  });

  it('answers an acknowledgement more than 3 s after the interaction was created with 404 / 10062', async () => {
    const bot = await readyClient();
    const raw = chatInputInteraction({ name: 'imagine', createdAt: Date.now() - 3500 });
    const handled = handleNextCommand(bot, (interaction) => interaction.deferReply().catch((error: unknown) => error));

    await standins.sendInteraction(raw);

    expect(await handled).toMatchObject({ name: 'DiscordAPIError[10062]', status: 404, code: 10062 });
  });
});

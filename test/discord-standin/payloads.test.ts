import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Events, type Interaction } from 'discord.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  autocompleteInteraction,
  buttonInteraction,
  buttonRow,
  channelMessage,
  chatInputInteraction,
  commandOption,
  messageContextMenuInteraction,
  modalSubmitInteraction,
  stringSelectInteraction,
  uploadedAttachment,
} from '../support/discord-standin/payloads.ts';
import { STANDIN_ROLES } from '../support/discord-standin/fixtures.ts';
import { loginToStandins, startDiscordStandins, type DiscordStandins } from '../support/discord-standin/standins.ts';

let standins: DiscordStandins;
let client: Client;
/** Stands for wherever Discord keeps a person's upload; the bot downloads from it. */
let fileHost: Server;
const upload = Buffer.from('a user upload, not really a png');

beforeAll(async () => {
  fileHost = createServer((_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(upload));
  await new Promise<void>((resolve) => fileHost.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => fileHost.close(resolve));
});

beforeEach(async () => {
  standins = await startDiscordStandins();
  client = new Client(standins.clientOptions());
  await loginToStandins(client, standins);
});

afterEach(async () => {
  await client.destroy();
  await standins.close();
});

/** Dispatches `raw` through the gateway and returns the discord.js interaction built from it. */
async function received(raw: Parameters<DiscordStandins['sendInteraction']>[0]): Promise<Interaction> {
  const next = new Promise<Interaction>((resolve) => client.once(Events.InteractionCreate, resolve));
  await standins.sendInteraction(raw);
  return next;
}

describe('payload builders, as discord.js reads them', () => {
  it('chat input: options, and an attachment option whose URL the bot can download', async () => {
    const port = (fileHost.address() as AddressInfo).port;
    const image = uploadedAttachment({ url: `http://127.0.0.1:${port}/input.png`, filename: 'input.png', contentType: 'image/png', size: upload.length });
    const raw = chatInputInteraction({
      name: 'imagine',
      options: [commandOption.string('prompt', 'a fox'), commandOption.integer('steps', 20), commandOption.attachment('image', image)],
    });

    const interaction = await received(raw);
    if (!interaction.isChatInputCommand()) throw new Error(`got interaction type ${interaction.type}`);
    const attachment = interaction.options.getAttachment('image', true);
    const bytes = Buffer.from(await (await fetch(attachment.url)).arrayBuffer());

    expect([interaction.commandName, interaction.options.getString('prompt'), interaction.options.getInteger('steps')]).toEqual(['imagine', 'a fox', 20]);
    expect(bytes.equals(upload)).toBe(true);
    expect(attachment.contentType).toBe('image/png');
    expect(interaction.guildId).toBe(standins.world.guild.id);
    expect(interaction.channelId).toBe(standins.world.guild.channels[0]?.id);
    expect(interaction.user.id).toBe(standins.world.invoker.id);
    expect(interaction.attachmentSizeLimit).toBe(10 * 1024 * 1024);
    expect(interaction.appPermissions.has('AttachFiles')).toBe(true);
  });

  it('two guilds and a DM: where an interaction happens, as discord.js sees it', async () => {
    const { world } = standins;
    expect([...client.guilds.cache.keys()].sort()).toEqual([world.guild.id, world.otherGuild.id].sort());

    const there = await received(chatInputInteraction({ name: 'queue', guild: world.otherGuild }));
    expect([there.guildId, there.channelId, there.inGuild()]).toEqual([world.otherGuild.id, world.otherGuild.channels[0]?.id, true]);

    const dm = await received(chatInputInteraction({ name: 'queue', dm: true }));
    expect([dm.guildId, dm.member, dm.channelId, dm.user.id]).toEqual([null, null, world.dmChannel.id, world.invoker.id]);
  });

  it('guild member lookups answer the roles the test gave, and 10007 for someone not in the guild', async () => {
    const { world } = standins;
    standins.rest.setMemberRoles(world.otherGuild.id, world.invoker, [STANDIN_ROLES.otherArtist]);
    const guild = client.guilds.cache.get(world.otherGuild.id);
    const member = await guild?.members.fetch({ user: world.invoker.id, force: true });
    expect([...(member?.roles.cache.keys() ?? [])].sort()).toEqual([STANDIN_ROLES.otherArtist, world.otherGuild.id].sort());

    standins.rest.removeMember(world.otherGuild.id, world.invoker.id);
    await expect(guild?.members.fetch({ user: world.invoker.id, force: true })).rejects.toMatchObject({ code: 10007 });
  });

  it('autocomplete: the focused option', async () => {
    const raw = autocompleteInteraction({ name: 'imagine', options: [commandOption.string('prompt', 'x'), commandOption.string('model', 'sdx', { focused: true })] });

    const interaction = await received(raw);

    if (!interaction.isAutocomplete()) throw new Error(`got interaction type ${interaction.type}`);
    expect(interaction.options.getFocused(true)).toMatchObject({ name: 'model', value: 'sdx' });
  });

  it('button and string select: custom id, values and the source message', async () => {
    const message = channelMessage({ author: standins.world.botUser, content: 'result', components: [buttonRow({ customId: 'rerun:1', label: 'Re-run' })] });

    const button = await received(buttonInteraction({ customId: 'rerun:1', message }));
    const select = await received(stringSelectInteraction({ customId: 'model', values: ['sdxl'], message }));

    if (!button.isButton() || !select.isStringSelectMenu()) throw new Error('wrong component interaction classes');
    expect([button.customId, button.message.id, button.message.author.id]).toEqual(['rerun:1', message.id, standins.world.botUser.id]);
    expect(select.values).toEqual(['sdxl']);
  });

  it('message context menu: the target message with its attachment', async () => {
    const target = channelMessage({
      content: 'upscale me',
      attachments: [uploadedAttachment({ url: 'http://127.0.0.1:9/x.png', filename: 'x.png', contentType: 'image/png', size: 3 })],
    });

    const interaction = await received(messageContextMenuInteraction({ name: 'Upscale', target }));

    if (!interaction.isMessageContextMenuCommand()) throw new Error(`got interaction type ${interaction.type}`);
    expect(interaction.targetMessage.id).toBe(target.id);
    expect(interaction.targetMessage.attachments.first()?.name).toBe('x.png');
  });

  it('modal submit: text input values in Label and in action-row layout', async () => {
    const labelled = await received(modalSubmitInteraction({ customId: 'edit:1', fields: { prompt: 'a fox', negative: 'blur' } }));
    const rows = await received(modalSubmitInteraction({ customId: 'edit:2', fields: { prompt: 'a cat' }, layout: 'action-row' }));

    if (!labelled.isModalSubmit() || !rows.isModalSubmit()) throw new Error('expected modal submits');
    expect([labelled.fields.getTextInputValue('prompt'), labelled.fields.getTextInputValue('negative')]).toEqual(['a fox', 'blur']);
    expect(rows.fields.getTextInputValue('prompt')).toBe('a cat');
  });
});

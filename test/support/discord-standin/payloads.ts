import {
  ApplicationCommandType,
  ButtonStyle,
  ComponentType,
  InteractionContextType,
  InteractionType,
  Locale,
  MessageType,
  type APIActionRowComponent,
  type APIApplicationCommandAutocompleteGuildInteraction,
  type APIAttachment,
  type APIChatInputApplicationCommandGuildInteraction,
  type APIComponentInMessageActionRow,
  type APIMessage,
  type APIMessageApplicationCommandGuildInteraction,
  type APIMessageComponentButtonInteraction,
  type APIMessageComponentSelectMenuInteraction,
  type APIModalSubmitGuildInteraction,
  type APITextChannel,
  type APIUser,
  type MessageFlags,
} from 'discord.js';
import { collectOptions, type OptionInput } from './command-options.ts';
import { createStandinWorld, defaultChannel, guildChannel, guildMember, STANDIN_CHANNEL_PERMISSIONS, type StandinGuild, type StandinWorld } from './fixtures.ts';
import { mintInteractionToken, mintSnowflake } from './snowflakes.ts';

export { commandOption, uploadedAttachment, type OptionInput } from './command-options.ts';

/** Who runs the interaction, where, and when. Every field has a default from the world. */
export interface InteractionScene {
  world?: StandinWorld;
  /** When the person clicked; the id's snowflake carries it. Set it in the past to test deadlines. */
  createdAt?: number;
  user?: APIUser;
  roles?: string[];
  /** The invoking member's permissions in the channel. */
  memberPermissions?: bigint;
  /** The app's permissions in the channel (`app_permissions`). */
  appPermissions?: bigint;
  locale?: Locale;
  channel?: APITextChannel;
  /** The guild it happens in; default the world's main guild. Its first channel is the default channel. */
  guild?: StandinGuild;
  /** In the invoker's (or `user`'s) DM with the bot instead: no guild, no member, no roles. */
  dm?: boolean;
  /** Default 10 MiB; boosted guilds report more. */
  attachmentSizeLimit?: number;
}

const defaultWorld = createStandinWorld();

/** The fields every interaction carries, as Discord sends them over the gateway (in a guild, or in a DM). */
function base(type: InteractionType, scene: InteractionScene) {
  const world = scene.world ?? defaultWorld;
  const user = scene.user ?? world.invoker;
  const id = mintSnowflake(scene.createdAt ?? Date.now());
  const common = {
    id,
    application_id: world.application.id,
    type,
    token: mintInteractionToken(id),
    version: 1 as const,
    app_permissions: (scene.appPermissions ?? STANDIN_CHANNEL_PERMISSIONS).toString(),
    locale: scene.locale ?? Locale.EnglishUS,
    entitlements: [],
    attachment_size_limit: scene.attachmentSizeLimit ?? 10 * 1024 * 1024,
  };
  if (scene.dm) {
    const channel = { ...world.dmChannel, recipients: [user] };
    return { ...common, channel, channel_id: channel.id, user, authorizing_integration_owners: { '0': '0' }, context: InteractionContextType.BotDM };
  }
  const guild = scene.guild ?? world.guild;
  const channel = scene.channel ?? guildChannel(guild);
  const memberPermissions = (scene.memberPermissions ?? STANDIN_CHANNEL_PERMISSIONS).toString();
  return {
    ...common,
    guild_id: guild.id,
    guild: { id: guild.id, locale: Locale.EnglishUS, features: [] },
    channel: { ...channel, permissions: memberPermissions },
    channel_id: channel.id,
    member: { ...guildMember(user, scene.roles ?? []), user, permissions: memberPermissions },
    guild_locale: Locale.EnglishUS,
    authorizing_integration_owners: { '0': guild.id },
    context: InteractionContextType.Guild,
  };
}

/** The `guild_id` a command's data carries: the scene's guild, none in a DM. */
function dataGuild(scene: InteractionScene): { guild_id?: string } {
  if (scene.dm) return {};
  return { guild_id: (scene.guild ?? (scene.world ?? defaultWorld).guild).id };
}

/** A slash command such as `/imagine prompt:… image:<file>`. */
export function chatInputInteraction(
  input: InteractionScene & { name: string; options?: OptionInput[]; commandId?: string },
): APIChatInputApplicationCommandGuildInteraction {
  const { options, attachments, users } = collectOptions(input.options ?? []);
  const resolved = {
    ...(Object.keys(attachments).length > 0 ? { attachments } : {}),
    ...(Object.keys(users).length > 0 ? { users } : {}),
  };
  return {
    ...base(InteractionType.ApplicationCommand, input),
    data: {
      id: input.commandId ?? mintSnowflake(),
      name: input.name,
      type: ApplicationCommandType.ChatInput,
      ...dataGuild(input),
      options,
      ...(Object.keys(resolved).length > 0 ? { resolved } : {}),
    },
  } as APIChatInputApplicationCommandGuildInteraction;
}

/** Typing in an autocomplete option: exactly one option should be `focused` (its value is the typed text). */
export function autocompleteInteraction(
  input: InteractionScene & { name: string; options: OptionInput[]; commandId?: string },
): APIApplicationCommandAutocompleteGuildInteraction {
  return {
    ...base(InteractionType.ApplicationCommandAutocomplete, input),
    data: {
      id: input.commandId ?? mintSnowflake(),
      name: input.name,
      type: ApplicationCommandType.ChatInput,
      ...dataGuild(input),
      options: collectOptions(input.options).options,
    },
  } as APIApplicationCommandAutocompleteGuildInteraction;
}

/** A click on a button of `message` (e.g. a message the REST stand-in stored: `rest.message(id)`). */
export function buttonInteraction(input: InteractionScene & { customId: string; message: APIMessage }): APIMessageComponentButtonInteraction {
  return {
    ...base(InteractionType.MessageComponent, input),
    message: input.message,
    data: { custom_id: input.customId, component_type: ComponentType.Button },
  } as APIMessageComponentButtonInteraction;
}

export function stringSelectInteraction(
  input: InteractionScene & { customId: string; values: string[]; message: APIMessage },
): APIMessageComponentSelectMenuInteraction {
  return {
    ...base(InteractionType.MessageComponent, input),
    message: input.message,
    data: { custom_id: input.customId, component_type: ComponentType.StringSelect, values: input.values },
  } as APIMessageComponentSelectMenuInteraction;
}

/** "Apps → <name>" on a message, e.g. an upscale command run on an earlier result. */
export function messageContextMenuInteraction(
  input: InteractionScene & { name: string; target: APIMessage; commandId?: string },
): APIMessageApplicationCommandGuildInteraction {
  return {
    ...base(InteractionType.ApplicationCommand, input),
    data: {
      id: input.commandId ?? mintSnowflake(),
      name: input.name,
      type: ApplicationCommandType.Message,
      ...dataGuild(input),
      target_id: input.target.id,
      resolved: { messages: { [input.target.id]: input.target } },
    },
  } as APIMessageApplicationCommandGuildInteraction;
}

/**
 * A modal submit as Discord sends it. A text field is its value; a file-upload field
 * (component type 19) is the files the person picked: the component lists their ids in
 * `values` and `data.resolved.attachments` holds them, as for an attachment option.
 * `label` mirrors modals built with Label components (Discord's current recommendation);
 * `action-row` mirrors the older TextInput-in-ActionRow form. `selects` are string selects
 * inside Labels (only Labels may hold them), with the values picked.
 */
export function modalSubmitInteraction(
  input: InteractionScene & {
    customId: string;
    fields: Record<string, string | { files: APIAttachment[] }>;
    selects?: Record<string, string[]>;
    layout?: 'label' | 'action-row';
    message?: APIMessage;
  },
): APIModalSubmitGuildInteraction {
  const attachments: Record<string, APIAttachment> = {};
  const fields = Object.entries(input.fields).map(([customId, value], index) => {
    if (typeof value !== 'string') {
      for (const file of value.files) attachments[file.id] = file;
      // Discord puts a file upload only inside a Label.
      const upload = { type: ComponentType.FileUpload, id: index * 2 + 2, custom_id: customId, values: value.files.map((file) => file.id) };
      return { type: ComponentType.Label, id: index * 2 + 1, component: upload };
    }
    const textInput = { type: ComponentType.TextInput, id: index * 2 + 2, custom_id: customId, value };
    return input.layout === 'action-row'
      ? { type: ComponentType.ActionRow, id: index * 2 + 1, components: [textInput] }
      : { type: ComponentType.Label, id: index * 2 + 1, component: textInput };
  });
  const selects = Object.entries(input.selects ?? {}).map(([customId, values], index) => {
    const id = (fields.length + index) * 2 + 1;
    return { type: ComponentType.Label, id, component: { type: ComponentType.StringSelect, id: id + 1, custom_id: customId, values } };
  });
  const components = [...fields, ...selects];
  const resolved = Object.keys(attachments).length === 0 ? {} : { resolved: { attachments } };
  return {
    ...base(InteractionType.ModalSubmit, input),
    ...(input.message ? { message: input.message } : {}),
    data: { custom_id: input.customId, components, ...resolved },
  } as APIModalSubmitGuildInteraction;
}

/** A channel message as Discord returns it, for context-menu targets and button sources. */
export function channelMessage(input: {
  world?: StandinWorld;
  author?: APIUser;
  content?: string;
  attachments?: APIAttachment[];
  components?: APIActionRowComponent<APIComponentInMessageActionRow>[];
  flags?: MessageFlags;
  channelId?: string;
  createdAt?: number;
}): APIMessage {
  const world = input.world ?? defaultWorld;
  const createdAt = input.createdAt ?? Date.now();
  return {
    id: mintSnowflake(createdAt),
    type: MessageType.Default,
    channel_id: input.channelId ?? defaultChannel(world).id,
    author: input.author ?? world.invoker,
    content: input.content ?? '',
    timestamp: new Date(createdAt).toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: input.attachments ?? [],
    embeds: [],
    components: input.components ?? [],
    pinned: false,
    flags: input.flags ?? (0 as MessageFlags),
  };
}

/** One action row of secondary buttons, as a bot would attach to a result. */
export function buttonRow(...buttons: Array<{ customId: string; label: string }>): APIActionRowComponent<APIComponentInMessageActionRow> {
  return {
    type: ComponentType.ActionRow,
    components: buttons.map((button) => ({ type: ComponentType.Button, style: ButtonStyle.Secondary, custom_id: button.customId, label: button.label })),
  };
}

import {
  ApplicationFlags,
  ChannelType,
  PermissionFlagsBits,
  type APIGuildMember,
  type APIRole,
  type APITextChannel,
  type APIUser,
  type ChannelFlags,
  type GuildMemberFlags,
  type RoleFlags,
  type UserFlags,
} from 'discord.js';

/**
 * The small Discord world both stand-ins and the payload builders agree on: one
 * application whose bot user has the same id (as for every app created since 2020),
 * one guild with one text channel, and one person who runs commands.
 * The ids are fixed so a failing test prints the same ids every run.
 */
export interface StandinWorld {
  readonly application: { readonly id: string; readonly name: string; readonly flags: number };
  readonly botUser: APIUser;
  readonly guild: StandinGuild;
  readonly invoker: APIUser;
}

export interface StandinGuild {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly roles: readonly APIRole[];
  readonly channels: readonly APITextChannel[];
  readonly members: readonly APIGuildMember[];
}

const APPLICATION_ID = '1290000000000000001';
const GUILD_ID = '1290000000000000100';
const CHANNEL_ID = '1290000000000000200';
const INVOKER_ID = '1290000000000000300';

/** What @everyone may do in the test guild; the bot's interactions report this as `app_permissions`. */
export const STANDIN_CHANNEL_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.UseExternalEmojis;

export function standinUser(id: string, username: string, bot = false): APIUser {
  return {
    id,
    username,
    global_name: bot ? null : username,
    discriminator: bot ? '0000' : '0',
    avatar: null,
    public_flags: 0 as UserFlags,
    flags: 0 as UserFlags,
    ...(bot ? { bot: true } : {}),
  };
}

export function everyoneRole(guildId: string, permissions: bigint = STANDIN_CHANNEL_PERMISSIONS): APIRole {
  return {
    id: guildId,
    name: '@everyone',
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: 0,
    permissions: permissions.toString(),
    managed: false,
    mentionable: false,
    flags: 0 as RoleFlags,
  };
}

export function textChannel(id: string, guildId: string, name: string, position = 0): APITextChannel {
  return {
    id,
    type: ChannelType.GuildText,
    guild_id: guildId,
    name,
    position,
    permission_overwrites: [],
    parent_id: null,
    nsfw: false,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0 as ChannelFlags,
  };
}

export function guildMember(user: APIUser, roles: string[] = [], joinedAt = '2024-01-01T00:00:00.000000+00:00'): APIGuildMember {
  return {
    user,
    nick: null,
    avatar: null,
    banner: null,
    roles,
    joined_at: joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    pending: false,
    flags: 0 as GuildMemberFlags,
    communication_disabled_until: null,
  };
}

export function createStandinWorld(): StandinWorld {
  const botUser = standinUser(APPLICATION_ID, 'comfycord-standin', true);
  const invoker = standinUser(INVOKER_ID, 'painter');
  return {
    application: {
      id: APPLICATION_ID,
      name: 'comfycord-standin',
      flags: ApplicationFlags.GatewayMessageContentLimited,
    },
    botUser,
    invoker,
    guild: {
      id: GUILD_ID,
      name: 'Stand-in Guild',
      ownerId: INVOKER_ID,
      roles: [everyoneRole(GUILD_ID)],
      channels: [textChannel(CHANNEL_ID, GUILD_ID, 'generations')],
      members: [guildMember(botUser), guildMember(invoker)],
    },
  };
}

/** The one text channel of the default world. */
export function defaultChannel(world: StandinWorld): APITextChannel {
  const channel = world.guild.channels[0];
  if (!channel) throw new Error('the stand-in world has no channel');
  return channel;
}

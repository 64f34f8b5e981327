import {
  ApplicationFlags,
  ChannelType,
  PermissionFlagsBits,
  type APIDMChannel,
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
 * two guilds with one text channel each (the bot is in both; `guild` is where
 * interactions happen unless a scene says otherwise), the invoker's DM channel with
 * the bot, and one person who runs commands (a member of both guilds).
 * The ids are fixed so a failing test prints the same ids every run.
 */
export interface StandinWorld {
  readonly application: { readonly id: string; readonly name: string; readonly flags: number };
  readonly botUser: APIUser;
  readonly guild: StandinGuild;
  /** A second guild the bot serves, with its own channel, role and members. */
  readonly otherGuild: StandinGuild;
  /** The DM channel between the invoker and the bot. */
  readonly dmChannel: APIDMChannel;
  readonly invoker: APIUser;
}

/** Every guild the bot is in, in the order the gateway announces them. */
export function worldGuilds(world: StandinWorld): readonly StandinGuild[] {
  return [world.guild, world.otherGuild];
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
const OTHER_GUILD_ID = '1290000000000000101';
const OTHER_CHANNEL_ID = '1290000000000000201';
const DM_CHANNEL_ID = '1290000000000000250';
const OTHER_OWNER_ID = '1290000000000000301';

/** A role in each guild that tests name in ALLOWED_ROLES / ADMIN_ROLES; no member holds it by default. */
export const STANDIN_ROLES = {
  artist: '1290000000000000110',
  otherArtist: '1290000000000000111',
  otherModerator: '1290000000000000112',
} as const;

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

export function namedRole(id: string, name: string, position = 1): APIRole {
  return { ...everyoneRole(id, 0n), name, position };
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
      roles: [everyoneRole(GUILD_ID), namedRole(STANDIN_ROLES.artist, 'artist')],
      channels: [textChannel(CHANNEL_ID, GUILD_ID, 'generations')],
      members: [guildMember(botUser), guildMember(invoker)],
    },
    otherGuild: {
      id: OTHER_GUILD_ID,
      name: 'Other Stand-in Guild',
      ownerId: OTHER_OWNER_ID,
      roles: [everyoneRole(OTHER_GUILD_ID), namedRole(STANDIN_ROLES.otherArtist, 'artist'), namedRole(STANDIN_ROLES.otherModerator, 'moderator', 2)],
      channels: [textChannel(OTHER_CHANNEL_ID, OTHER_GUILD_ID, 'other-generations')],
      members: [guildMember(botUser), guildMember(invoker)],
    },
    dmChannel: { id: DM_CHANNEL_ID, type: ChannelType.DM, recipients: [invoker], last_message_id: null, flags: 0 as ChannelFlags, name: null },
  };
}

/** The text channel of a guild (the world's main guild unless another is given). */
export function guildChannel(guild: StandinGuild): APITextChannel {
  const channel = guild.channels[0];
  if (!channel) throw new Error(`stand-in guild ${guild.id} has no channel`);
  return channel;
}

/** The one text channel of the default world. */
export function defaultChannel(world: StandinWorld): APITextChannel {
  const channel = world.guild.channels[0];
  if (!channel) throw new Error('the stand-in world has no channel');
  return channel;
}

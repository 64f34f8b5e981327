import { OverwriteType, PermissionFlagsBits, type APIGuildMember, type APIOverwrite, type APIRole } from 'discord.js';

/**
 * What the bot may do in a channel, computed the way Discord does from REST data alone
 * (no gateway cache): @everyone's permissions, OR each of the member's roles; Administrator
 * or ownership grants all; then the channel's overwrites in Discord's order — @everyone,
 * then the roles' deny and allow together, then the member's own.
 */

/** What the bot needs where it answers: see the channel, post, embed, upload, read its own replies back. */
export const REQUIRED_CHANNEL_PERMISSIONS: ReadonlyArray<readonly [name: string, bit: bigint]> = [
  ['View Channel', PermissionFlagsBits.ViewChannel],
  ['Send Messages', PermissionFlagsBits.SendMessages],
  ['Embed Links', PermissionFlagsBits.EmbedLinks],
  ['Attach Files', PermissionFlagsBits.AttachFiles],
  ['Read Message History', PermissionFlagsBits.ReadMessageHistory],
];

/** The permissions integer an invite link asks for: every required permission. */
export const REQUIRED_PERMISSIONS_BITS = REQUIRED_CHANNEL_PERMISSIONS.reduce((bits, [, bit]) => bits | bit, 0n);

export interface GuildFacts {
  id: string;
  ownerId: string;
  roles: readonly Pick<APIRole, 'id' | 'permissions'>[];
}

const ALL = (1n << 64n) - 1n;

function bits(value: string | undefined): bigint {
  try {
    return value === undefined ? 0n : BigInt(value);
  } catch {
    return 0n;
  }
}

/** Guild-wide permissions of a member (before any channel overwrite). */
export function basePermissions(guild: GuildFacts, member: Pick<APIGuildMember, 'roles'>, userId: string): bigint {
  if (guild.ownerId === userId) return ALL;
  const everyone = guild.roles.find((role) => role.id === guild.id);
  let permissions = bits(everyone?.permissions);
  for (const roleId of member.roles) permissions |= bits(guild.roles.find((role) => role.id === roleId)?.permissions);
  return (permissions & PermissionFlagsBits.Administrator) !== 0n ? ALL : permissions;
}

/** A member's permissions in one channel of the guild. */
export function channelPermissions(
  guild: GuildFacts,
  member: Pick<APIGuildMember, 'roles'>,
  userId: string,
  overwrites: readonly APIOverwrite[],
): bigint {
  const base = basePermissions(guild, member, userId);
  if (base === ALL) return ALL;
  let permissions = base;
  const everyone = overwrites.find((overwrite) => overwrite.id === guild.id);
  if (everyone) permissions = (permissions & ~bits(everyone.deny)) | bits(everyone.allow);
  let deny = 0n;
  let allow = 0n;
  for (const overwrite of overwrites) {
    if (overwrite.type === OverwriteType.Role && overwrite.id !== guild.id && member.roles.includes(overwrite.id)) {
      deny |= bits(overwrite.deny);
      allow |= bits(overwrite.allow);
    }
  }
  permissions = (permissions & ~deny) | allow;
  const own = overwrites.find((overwrite) => overwrite.type === OverwriteType.Member && overwrite.id === userId);
  if (own) permissions = (permissions & ~bits(own.deny)) | bits(own.allow);
  return permissions;
}

/** Names of the required permissions `permissions` lacks, in the order Discord's settings list them. */
export function missingRequired(permissions: bigint): string[] {
  return REQUIRED_CHANNEL_PERMISSIONS.filter(([, bit]) => (permissions & bit) === 0n).map(([name]) => name);
}

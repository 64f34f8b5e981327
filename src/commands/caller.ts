import { PermissionFlagsBits, type BaseInteraction } from 'discord.js';
import { assertAllowed, isAdmin, needsGuildRoles, type AccessConfig, type Caller } from '../access/access-policy.ts';
import type { DmRoleSource } from '../access/dm-role-cache.ts';
import type { Requester } from '../jobs/job-scope.ts';

/** The person behind an interaction as plain data for the access policy and the core. */
export function callerOf(interaction: BaseInteraction): Caller {
  const member = interaction.member;
  let roleIds: string[] = [];
  if (member) {
    const roles = member.roles;
    roleIds = Array.isArray(roles) ? roles : [...roles.cache.keys()];
  }
  const channel = interaction.channel;
  return {
    userId: interaction.user.id,
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    parentChannelId: channel && 'isThread' in channel && channel.isThread() ? channel.parentId : null,
    roleIds,
    canManageGuild: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
  };
}

/** The rules requesterOf applies: the configuration, and where a DM's roles are found. */
export interface AccessRules {
  access: AccessConfig;
  dmRoles: DmRoleSource;
}

/**
 * Checks access (throws AccessDeniedError, or RoleLookupError when a DM's roles could not
 * be looked up) and describes the requester for the core. Admin rights exist only in a guild.
 */
export async function requesterOf(interaction: BaseInteraction, rules: AccessRules): Promise<Requester> {
  let caller = callerOf(interaction);
  if (needsGuildRoles(caller, rules.access)) caller = { ...caller, roleIds: await rules.dmRoles.rolesOf(caller.userId) };
  assertAllowed(caller, rules.access);
  return {
    userId: caller.userId,
    userName: interaction.user.username,
    guildId: caller.guildId,
    channelId: caller.channelId,
    isAdmin: caller.guildId !== null && isAdmin(caller, rules.access),
  };
}

/** Age-restricted channels show results as they are; elsewhere they may be spoilered. */
export function isAgeRestricted(interaction: BaseInteraction): boolean {
  const channel = interaction.channel;
  return channel !== null && 'nsfw' in channel && channel.nsfw;
}

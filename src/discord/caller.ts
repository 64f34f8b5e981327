import { PermissionFlagsBits, type BaseInteraction, type GuildMemberRoleManager } from 'discord.js';
import { assertAllowed, isAdmin, type AccessConfig, type Caller } from '../access/access-policy.ts';
import type { Requester } from '../app/job-service.ts';

/** The person behind an interaction as plain data for the access policy and the core. */
export function callerOf(interaction: BaseInteraction): Caller {
  const member = interaction.member;
  let roleIds: string[] = [];
  if (member) {
    const roles = member.roles as string[] | GuildMemberRoleManager;
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

/** Checks access (throws AccessDeniedError) and describes the requester for the core. */
export function requesterOf(interaction: BaseInteraction, access: AccessConfig): Requester {
  const caller = callerOf(interaction);
  assertAllowed(caller, access);
  return {
    userId: caller.userId,
    userName: interaction.user.username,
    guildId: caller.guildId,
    channelId: caller.channelId,
    isAdmin: isAdmin(caller, access),
  };
}

/** Age-restricted channels show results as they are; elsewhere they may be spoilered. */
export function isAgeRestricted(interaction: BaseInteraction): boolean {
  const channel = interaction.channel;
  return channel !== null && 'nsfw' in channel && channel.nsfw === true;
}

import { ComfycordError } from '../errors.ts';
import type { AccessErrorCode } from './error-codes.ts';

/**
 * Who may use the bot where, from configuration. Pure: the Discord adapter
 * describes the caller as plain data, this decides.
 */
export interface AccessConfig {
  allowedChannels: string[];
  allowedRoles: string[];
  adminRoles: string[];
  allowDms: boolean;
}

export interface Caller {
  userId: string;
  /** Null in a direct message. */
  guildId: string | null;
  channelId: string | null;
  /** Parent channel of a thread: allowing a channel allows its threads. */
  parentChannelId: string | null;
  /**
   * The member's roles in this guild. In a DM (which has no roles of its own): the roles
   * the user holds in the guilds the bot serves, as looked up (dm-role-cache.ts).
   */
  roleIds: string[];
  /** Holds Manage Server (or Administrator) in that guild. */
  canManageGuild: boolean;
}

export class AccessDeniedError extends ComfycordError<AccessErrorCode> {
  constructor(userMessage: string, context: Record<string, unknown>) {
    super('ACCESS_DENIED', userMessage, { context });
  }
}

export function isAdmin(caller: Caller, config: AccessConfig): boolean {
  return caller.canManageGuild || caller.roleIds.some((role) => config.adminRoles.includes(role));
}

/** True when a DM from this caller can be decided only once their roles in the bot's guilds are known. */
export function needsGuildRoles(caller: Caller, config: AccessConfig): boolean {
  return caller.guildId === null && config.allowDms && config.allowedRoles.length > 0;
}

function hasAllowedRole(caller: Caller, config: AccessConfig): boolean {
  return caller.roleIds.some((role) => config.allowedRoles.includes(role));
}

function channelList(config: AccessConfig): string {
  return config.allowedChannels.map((id) => `<#${id}>`).join(', ');
}

/**
 * A DM is never weaker than a guild: it needs ALLOW_DMS=true (off by default, so it is
 * always said explicitly), and with ALLOWED_ROLES set one of those roles held in a guild
 * the bot serves. Nobody is an admin in a DM, so there is no admin bypass here.
 */
function assertDmAllowed(caller: Caller, config: AccessConfig, context: Record<string, unknown>): void {
  if (!config.allowDms) {
    const where = config.allowedChannels.length > 0 ? ` Use it in ${channelList(config)}.` : ' Use it in a server channel.';
    throw new AccessDeniedError(`This bot does not take commands in direct messages.${where}`, context);
  }
  if (config.allowedRoles.length > 0 && !hasAllowedRole(caller, config)) {
    throw new AccessDeniedError(
      'In direct messages this bot serves only people who hold one of its allowed roles in a server it is in. Ask a moderator there for the role, or use the bot in that server.',
      context,
    );
  }
}

/** Throws AccessDeniedError with a reason the user can act on; admins pass everywhere in their guild. */
export function assertAllowed(caller: Caller, config: AccessConfig): void {
  const context = { userId: caller.userId, guildId: caller.guildId, channelId: caller.channelId };
  if (caller.guildId === null) {
    assertDmAllowed(caller, config, context);
    return;
  }
  if (isAdmin(caller, config)) return;
  if (config.allowedChannels.length > 0) {
    const here = [caller.channelId, caller.parentChannelId].filter((id): id is string => id !== null);
    if (!here.some((id) => config.allowedChannels.includes(id))) {
      throw new AccessDeniedError(`Image commands work only in ${channelList(config)}.`, context);
    }
  }
  if (config.allowedRoles.length > 0 && !hasAllowedRole(caller, config)) {
    throw new AccessDeniedError('You need one of the roles allowed to use this bot. Ask a moderator.', context);
  }
}

import { ComfycordError } from '../errors.ts';

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
  roleIds: string[];
  /** Holds Manage Server (or Administrator) in that guild. */
  canManageGuild: boolean;
}

export class AccessDeniedError extends ComfycordError {
  constructor(userMessage: string, context: Record<string, unknown>) {
    super('ACCESS_DENIED', userMessage, { context });
  }
}

export function isAdmin(caller: Caller, config: AccessConfig): boolean {
  return caller.canManageGuild || caller.roleIds.some((role) => config.adminRoles.includes(role));
}

/** Throws AccessDeniedError with a reason the user can act on; admins pass everywhere. */
export function assertAllowed(caller: Caller, config: AccessConfig): void {
  const context = { userId: caller.userId, guildId: caller.guildId, channelId: caller.channelId };
  if (caller.guildId === null) {
    if (!config.allowDms) throw new AccessDeniedError('This bot does not take commands in direct messages. Use it in a server channel.', context);
    return;
  }
  if (isAdmin(caller, config)) return;
  if (config.allowedChannels.length > 0) {
    const here = [caller.channelId, caller.parentChannelId].filter((id): id is string => id !== null);
    if (!here.some((id) => config.allowedChannels.includes(id))) {
      const where = config.allowedChannels.map((id) => `<#${id}>`).join(', ');
      throw new AccessDeniedError(`Image commands work only in ${where}.`, context);
    }
  }
  if (config.allowedRoles.length > 0 && !caller.roleIds.some((role) => config.allowedRoles.includes(role))) {
    throw new AccessDeniedError('You need one of the roles allowed to use this bot. Ask a moderator.', context);
  }
}

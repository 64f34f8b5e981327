import { DiscordAPIError, Routes, type APIGuildMember, type Client } from 'discord.js';
import type { GuildRoleLookup } from '../access/dm-role-cache.ts';
import { systemClock, type Clock } from '../clock.ts';

/** Discord's answers for "not a member here": the user simply holds no role in that guild. */
const NOT_A_MEMBER = new Set([10004, 10007]);

export interface GuildRoleLookupOptions {
  /** The roles that count (ALLOWED_ROLES); only guilds that have one of them are asked. */
  allowedRoles: readonly string[];
  clock?: Clock;
  /** For all guilds together. An interaction must be answered within 3 s, so this stays well under. @default 2000 */
  timeoutMs?: number;
}

/**
 * Asks Discord, in every guild the bot is in that owns one of the allowed roles, which
 * roles the user holds there (GET /guilds/:guild/members/:user, fresh: the gateway does
 * not tell the bot about role changes without the privileged members intent).
 */
export function guildRoleLookup(client: Client, options: GuildRoleLookupOptions): GuildRoleLookup {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 2000;
  const allowed = new Set(options.allowedRoles);
  return async (userId) => {
    const guilds = [...client.guilds.cache.values()].filter((guild) => [...allowed].some((role) => guild.roles.cache.has(role)));
    if (guilds.length === 0) return [];
    const deadline = new AbortController();
    const cancel = clock.after(timeoutMs, () => deadline.abort(new Error(`member lookup took longer than ${timeoutMs} ms`)));
    try {
      const held = await Promise.all(guilds.map((guild) => memberRoles(client, guild.id, userId, deadline.signal)));
      return [...new Set(held.flat().filter((role) => allowed.has(role)))];
    } finally {
      cancel();
    }
  };
}

async function memberRoles(client: Client, guildId: string, userId: string, signal: AbortSignal): Promise<string[]> {
  try {
    const member = (await client.rest.get(Routes.guildMember(guildId, userId), { signal })) as APIGuildMember;
    return member.roles;
  } catch (error) {
    if (error instanceof DiscordAPIError && typeof error.code === 'number' && NOT_A_MEMBER.has(error.code)) return [];
    throw error;
  }
}

import {
  DiscordAPIError,
  REST,
  Routes,
  type APIApplication,
  type APIApplicationCommand,
  type APIChannel,
  type APIGuild,
  type APIGuildMember,
  type APIUser,
  type RESTPostAPIApplicationCommandsJSONBody,
} from 'discord.js';
import type { Config } from '../../config.ts';
import { channelPermissions, basePermissions, missingRequired, REQUIRED_PERMISSIONS_BITS, type GuildFacts } from '../../discord/channel-permissions.ts';
import { commandRoute, definitionsHash, registrationScope } from '../../discord/register-commands.ts';
import { TOKEN_FIX } from '../../discord/discord-client.ts';
import { fail, ok, skip, type CheckResult } from './check.ts';
import { commandsDiffer } from './command-shape.ts';

export interface DiscordCheckInput {
  config: Config;
  /** The definitions this checkout would register. */
  definitions: RESTPostAPIApplicationCommandsJSONBody[];
  /** The hash the bot recorded at its last registration for a scope, or null (none, or no store yet). */
  lastRegisteredHash: (scope: string) => string | null;
}


function inviteUrl(applicationId: string, guildId: string | null): string {
  const guild = guildId === null ? '' : `&guild_id=${guildId}`;
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=bot%20applications.commands&permissions=${REQUIRED_PERMISSIONS_BITS}${guild}`;
}

function reason(error: unknown): string {
  if (error instanceof DiscordAPIError) return `Discord answered ${error.status} (${error.code}: ${error.message})`;
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

const isStatus = (error: unknown, ...statuses: number[]): boolean => error instanceof DiscordAPIError && statuses.includes(error.status);

/**
 * Everything doctor asks Discord, by REST only (no gateway session, so it does not
 * disturb a bot that is running with the same token): the token, the application, the
 * guild, the bot's permissions per channel, and the registered commands.
 */
export async function discordChecks(input: DiscordCheckInput): Promise<CheckResult[]> {
  const { config } = input;
  const token = config.discord.token;
  if (token === null) return [skip('Discord', 'DISCORD_TOKEN is not set, so only ComfyUI is checked (set it to check the bot)')];
  const rest = new REST({ retries: 1, timeout: 10_000, ...(config.discord.apiBase ? { api: config.discord.apiBase } : {}) }).setToken(token);
  const checks: CheckResult[] = [];
  let user: APIUser;
  try {
    user = (await rest.get(Routes.user('@me'))) as APIUser;
  } catch (error) {
    if (isStatus(error, 401, 403)) checks.push(fail('Discord token', 'Discord refused it (401)', TOKEN_FIX));
    else checks.push(fail('Discord token', `Discord is unreachable: ${reason(error)}`, `check the network${config.discord.apiBase ? ' and DISCORD_API_BASE' : ''}`));
    return checks;
  }
  checks.push(ok('Discord token accepted', `bot ${user.username} (${user.id})`));
  let application: APIApplication;
  try {
    application = (await rest.get(Routes.currentApplication())) as APIApplication;
  } catch (error) {
    checks.push(fail('application', reason(error), TOKEN_FIX));
    return checks;
  }
  checks.push(ok('application id', application.id));

  const guilds = new Map<string, { guild: GuildFacts; member: APIGuildMember } | null>();
  const guildFacts = async (guildId: string) => {
    if (!guilds.has(guildId)) {
      try {
        const guild = (await rest.get(Routes.guild(guildId))) as APIGuild;
        const member = (await rest.get(Routes.guildMember(guildId, user.id))) as APIGuildMember;
        guilds.set(guildId, { guild: { id: guild.id, ownerId: guild.owner_id, roles: guild.roles }, member });
      } catch (error) {
        if (!isStatus(error, 403, 404)) throw error;
        guilds.set(guildId, null);
      }
    }
    return guilds.get(guildId) ?? null;
  };

  const guildId = config.discord.guildId;
  if (guildId !== null) {
    let facts: { guild: GuildFacts; member: APIGuildMember } | null = null;
    let unreachable: unknown = null;
    try {
      facts = await guildFacts(guildId);
    } catch (error) {
      unreachable = error;
    }
    if (unreachable !== null) checks.push(fail(`bot in DISCORD_GUILD_ID ${guildId}`, reason(unreachable), 'check the network and rerun'));
    else if (facts === null) {
      checks.push(fail(`bot in DISCORD_GUILD_ID ${guildId}`, 'the bot is not in that server', `invite it: ${inviteUrl(application.id, guildId)}`));
    } else {
      checks.push(ok(`bot in DISCORD_GUILD_ID ${guildId}`));
      if (config.access.allowedChannels.length === 0) {
        const missing = missingRequired(basePermissions(facts.guild, facts.member, user.id));
        checks.push(
          missing.length === 0
            ? ok('server-wide permissions', 'View, Send, Embed, Attach, Read History (ALLOWED_CHANNELS not set: every channel may be used)')
            : fail('server-wide permissions', `the bot's roles lack ${missing.join(', ')}`, `Server Settings → Roles → the bot's role: allow ${missing.join(', ')}`),
        );
      }
    }
  } else {
    checks.push(skip('guild', 'DISCORD_GUILD_ID is not set: commands are global'));
  }

  for (const channelId of config.access.allowedChannels) checks.push(await channelCheck(rest, channelId, user.id, guildFacts));
  checks.push(await commandsCheck(rest, application.id, input));
  return checks;
}

async function channelCheck(
  rest: REST,
  channelId: string,
  userId: string,
  guildFacts: (guildId: string) => Promise<{ guild: GuildFacts; member: APIGuildMember } | null>,
): Promise<CheckResult> {
  const label = `channel ${channelId}`;
  let channel: APIChannel;
  try {
    channel = (await rest.get(Routes.channel(channelId))) as APIChannel;
  } catch (error) {
    if (isStatus(error, 403, 404)) {
      return fail(label, 'the bot cannot see it (unknown channel or no View Channel)', 'check the id in ALLOWED_CHANNELS; give the bot View Channel there');
    }
    return fail(label, reason(error), 'check the network and rerun');
  }
  const name = 'name' in channel && typeof channel.name === 'string' ? `#${channel.name}` : label;
  if (!('guild_id' in channel) || typeof channel.guild_id !== 'string') return fail(name, 'not a server channel', 'ALLOWED_CHANNELS lists server text channels only');
  const facts = await guildFacts(channel.guild_id).catch(() => null);
  if (facts === null) return fail(name, 'the bot is not a member of its server', 'invite the bot to that server');
  const overwrites = 'permission_overwrites' in channel && Array.isArray(channel.permission_overwrites) ? channel.permission_overwrites : [];
  const missing = missingRequired(channelPermissions(facts.guild, facts.member, userId, overwrites));
  return missing.length === 0
    ? ok(`${name} (${channelId})`, 'View, Send, Embed, Attach, Read History')
    : fail(`${name} (${channelId})`, `the bot lacks ${missing.join(', ')}`, `Edit Channel → Permissions → the bot (or its role): allow ${missing.join(', ')}`);
}

async function commandsCheck(rest: REST, applicationId: string, input: DiscordCheckInput): Promise<CheckResult> {
  const guildId = input.config.discord.guildId;
  const where = guildId === null ? 'global' : `server ${guildId}`;
  const label = `slash commands (${where})`;
  const fix = `restart the bot (AUTO_REGISTER registers them) or run 'comfycord register'`;
  let registered: APIApplicationCommand[];
  try {
    registered = (await rest.get(commandRoute(applicationId, guildId))) as APIApplicationCommand[];
  } catch (error) {
    return fail(label, `could not list them: ${reason(error)}`, 'check the network and rerun');
  }
  const difference = commandsDiffer(input.definitions, registered);
  if (difference !== null) return fail(label, difference, fix);
  const last = input.lastRegisteredHash(registrationScope(applicationId, guildId));
  if (last !== null && last !== definitionsHash(input.definitions)) {
    return fail(label, 'the local definitions changed since the bot last registered them (a template or its bounds changed)', fix);
  }
  return ok(label, `${registered.length} registered, matching this checkout's`);
}

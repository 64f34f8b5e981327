import { ApplicationCommandType, MessageType, type APIApplicationCommand } from 'discord.js';
import { apiErrors, discordError, fieldError, type StandinReply } from './api-errors.ts';
import { checkMessageLimits } from './message-limits.ts';
import type { MessageBody, StoredMessage } from './message-store.ts';
import { json, noContent, type RestContext, type RouteDefinition, type StandinRequest } from './rest-router.ts';
import { worldGuilds } from './fixtures.ts';
import { hex, mintSnowflake } from './snowflakes.ts';

const EPHEMERAL = 1 << 6;

/** Routes that need the bot token: gateway discovery, identity, commands, channel messages. */
export const botRoutes: RouteDefinition[] = [
  { method: 'GET', pattern: '/gateway', auth: 'none', handle: (_r, c) => json({ url: c.gatewayUrl() }) },
  { method: 'GET', pattern: '/gateway/bot', auth: 'bot', handle: gatewayBot },
  { method: 'GET', pattern: '/users/@me', auth: 'bot', handle: (_r, c) => json(c.world.botUser) },
  { method: 'GET', pattern: '/applications/@me', auth: 'bot', handle: application },
  { method: 'GET', pattern: '/applications/:app/commands', auth: 'bot', handle: (r, c) => listCommands(r, c, 'global') },
  { method: 'PUT', pattern: '/applications/:app/commands', auth: 'bot', handle: (r, c) => putCommands(r, c, 'global') },
  { method: 'GET', pattern: '/applications/:app/guilds/:guild/commands', auth: 'bot', handle: (r, c) => listCommands(r, c, r.params.guild ?? '') },
  { method: 'PUT', pattern: '/applications/:app/guilds/:guild/commands', auth: 'bot', handle: (r, c) => putCommands(r, c, r.params.guild ?? '') },
  { method: 'GET', pattern: '/channels/:channel', auth: 'bot', handle: getChannel },
  { method: 'GET', pattern: '/guilds/:guild', auth: 'bot', handle: getGuild },
  { method: 'GET', pattern: '/guilds/:guild/members/:user', auth: 'bot', handle: getGuildMember },
  {
    method: 'POST',
    pattern: '/channels/:channel/messages',
    auth: 'bot',
    bucket: (p) => ({ bucket: 'channelMessage', key: `POST/${p.channel}` }),
    handle: createChannelMessage,
  },
  ...(['GET', 'PATCH', 'DELETE'] as const).map(
    (method): RouteDefinition => ({
      method,
      pattern: '/channels/:channel/messages/:message',
      auth: 'bot',
      ...(method === 'GET' ? {} : { bucket: (p: Record<string, string>) => ({ bucket: 'channelMessage' as const, key: `${method}/${p.channel}` }) }),
      handle: channelMessage,
    }),
  ),
];

function gatewayBot(_request: StandinRequest, context: RestContext): StandinReply {
  return json({
    url: context.gatewayUrl(),
    shards: 1,
    session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
  });
}

function application(_request: StandinRequest, context: RestContext): StandinReply {
  const { application: app, botUser, invoker } = context.world;
  return json({
    id: app.id,
    name: app.name,
    icon: null,
    description: '',
    summary: '',
    type: null,
    bot_public: false,
    bot_require_code_grant: false,
    verify_key: hex(32),
    flags: app.flags,
    team: null,
    owner: invoker,
    bot: botUser,
    approximate_guild_count: 1,
    redirect_uris: [],
    interactions_endpoint_url: null,
    integration_types_config: { '0': {}, '1': {} },
  });
}

function wrongApplication(request: StandinRequest, context: RestContext): StandinReply | null {
  return request.params.app === context.world.application.id ? null : discordError(403, 50001, 'Missing Access');
}

function listCommands(request: StandinRequest, context: RestContext, scope: string): StandinReply {
  return wrongApplication(request, context) ?? json(context.commands.get(scope) ?? []);
}

/** Bulk overwrite: the new list replaces the old; a command keeps its id when its name and type stay. */
function putCommands(request: StandinRequest, context: RestContext, scope: string): StandinReply {
  const refused = wrongApplication(request, context);
  if (refused) return refused;
  if (!Array.isArray(request.json)) return apiErrors.invalidFormBody(fieldError('_root', 'BASE_TYPE_ARRAY', 'Must be an array.'));
  const previous = context.commands.get(scope) ?? [];
  const stored: APIApplicationCommand[] = [];
  for (const [index, raw] of (request.json as Array<Record<string, unknown>>).entries()) {
    const problem = commandProblem(raw);
    if (problem) return apiErrors.invalidFormBody(fieldError(`${index}.${problem.field}`, problem.code, problem.message));
    const type = (raw.type as number | undefined) ?? ApplicationCommandType.ChatInput;
    const old = previous.find((command) => command.name === raw.name && command.type === type);
    stored.push({
      default_member_permissions: null,
      nsfw: false,
      integration_types: [0],
      contexts: null,
      ...raw,
      description: (raw.description as string | undefined) ?? '',
      id: old?.id ?? mintSnowflake(context.now()),
      application_id: context.world.application.id,
      version: mintSnowflake(context.now()),
      type,
      ...(scope === 'global' ? {} : { guild_id: scope }),
    } as APIApplicationCommand);
  }
  context.commands.set(scope, stored);
  return json(stored);
}

function commandProblem(raw: Record<string, unknown>): { field: string; code: string; message: string } | null {
  const name = typeof raw.name === 'string' ? raw.name : '';
  const chatInput = (raw.type ?? ApplicationCommandType.ChatInput) === ApplicationCommandType.ChatInput;
  if (chatInput && !/^[-_'\p{L}\p{N}]{1,32}$/u.test(name)) {
    return { field: 'name', code: 'APPLICATION_COMMAND_INVALID_NAME', message: 'Command name is invalid' };
  }
  if (chatInput && name !== name.toLowerCase()) {
    return { field: 'name', code: 'APPLICATION_COMMAND_INVALID_NAME', message: 'Command name must be lower case' };
  }
  const description = typeof raw.description === 'string' ? raw.description : '';
  if (chatInput && (description.length < 1 || description.length > 100)) {
    return { field: 'description', code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' };
  }
  if (Array.isArray(raw.options) && raw.options.length > 25) {
    return { field: 'options', code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' };
  }
  return null;
}

function getChannel(request: StandinRequest, context: RestContext): StandinReply {
  const channel = context.channels.get(request.params.channel ?? '');
  return channel ? json(channel) : apiErrors.unknownChannel();
}

/** A guild the bot is in, with its owner and roles (what permission checks read); any other is 10004. */
function getGuild(request: StandinRequest, context: RestContext): StandinReply {
  const guild = worldGuilds(context.world).find((candidate) => candidate.id === request.params.guild);
  if (!guild || !context.members.get(guild.id)?.has(context.world.botUser.id)) return apiErrors.unknownGuild();
  return json({ id: guild.id, name: guild.name, owner_id: guild.ownerId, roles: guild.roles, icon: null, features: [] });
}

/** One member with their roles, as `guild.members.fetch(user)` asks for it. */
function getGuildMember(request: StandinRequest, context: RestContext): StandinReply {
  const members = context.members.get(request.params.guild ?? '');
  if (!members) return apiErrors.unknownGuild();
  const member = members.get(request.params.user ?? '');
  return member ? json(member) : apiErrors.unknownMember();
}

function createChannelMessage(request: StandinRequest, context: RestContext): StandinReply {
  const channelId = request.params.channel ?? '';
  if (!context.channels.has(channelId)) return apiErrors.unknownChannel();
  const body = (request.json ?? {}) as MessageBody;
  const limits = checkMessageLimits(body, request.files, context, true);
  if (limits) return limits;
  // A bot cannot post an ephemeral channel message; Discord ignores the flag.
  const message = context.store.create({ channelId, type: MessageType.Default, author: context.world.botUser }, { ...body, flags: (body.flags ?? 0) & ~EPHEMERAL }, request.files);
  return json(context.store.toApi(message));
}

/**
 * Channel-message routes. Ephemeral interaction replies are invisible here, which is
 * why a bot cannot fall back to them once the interaction token has expired.
 */
function channelMessage(request: StandinRequest, context: RestContext): StandinReply {
  const channelId = request.params.channel ?? '';
  if (!context.channels.has(channelId)) return apiErrors.unknownChannel();
  const message: StoredMessage | undefined = context.store.get(request.params.message ?? '');
  if (!message || message.channelId !== channelId || (message.flags & EPHEMERAL) !== 0) return apiErrors.unknownMessage();
  if (request.method === 'GET') return json(context.store.toApi(message));
  const ownMessage = message.author.id === context.world.botUser.id;
  if (request.method === 'DELETE') {
    if (!ownMessage) return discordError(403, 50013, 'Missing Permissions');
    context.store.delete(message.id);
    return noContent();
  }
  if (!ownMessage) return apiErrors.cannotEditOthersMessage();
  const body = (request.json ?? {}) as MessageBody;
  const limits = checkMessageLimits(body, request.files, context, false);
  if (limits) return limits;
  context.store.edit(message, body, request.files);
  return json(context.store.toApi(message));
}

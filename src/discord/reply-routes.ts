import { RESTEvents, WebhookClient, type APIMessage, type Client, type Message } from 'discord.js';
import type { Logger } from '../log.ts';
import type { EditPayload } from './message-view.ts';
import type { ReplyHandle } from './reply-handle.ts';
import { redactRequestError } from '../redact/request-error.ts';
import { classifyEditError } from './edit-errors.ts';
import { ReplyTarget, type EditRoute, type ReplySink, type RouteKeys } from './reply-target.ts';
import { readRateLimitHeaders, type RouteLimits } from './route-limits.ts';
import { toDiscordCreate, toDiscordEdit } from './to-discord-payload.ts';

/** What an edit returned that the job wants to remember. */
export interface DeliveredMessage {
  messageId: string;
  channelId: string | null;
  attachments: { filename: string; url: string }[];
}

export interface ReplyRouteOptions {
  client: Client;
  handle: ReplyHandle;
  apiBase: string | null;
  logger: Logger;
  messageKey: string;
  /** Where what Discord's rate-limit headers say is kept (the editor's). */
  limits: RouteLimits;
  /** Called after every successful edit, with the message as Discord returned it. */
  onDelivered: (message: DeliveredMessage) => void;
  /**
   * Called when the view had to be posted as a new message: `sink` edits the earlier
   * reply (never posting), so it can be told where the result went.
   */
  onReposted?(earlier: EarlierReply): void;
}

/** The reply a job had before its view was posted anew. */
export interface EarlierReply {
  messageId: string | null;
  sink: ReplySink;
}

/**
 * RouteLimits keys as Discord counts buckets: an interaction webhook per token (so per
 * job), channel-message edits and posts per channel (the channel id is the major
 * parameter; every message of a channel shares them).
 */
export function routeKeysOf(messageKey: string, channelId: string | null): RouteKeys {
  return {
    interaction: `webhook ${messageKey}`,
    channelEdit: `PATCH channel ${channelId ?? messageKey}`,
    channelPost: `POST channel ${channelId ?? messageKey}`,
  };
}

/** The RouteLimits key of a bot-token request discord.js reports, or null for other routes. */
export function channelRouteKey(method: string, path: string): string | null {
  const match = /^\/channels\/(\d+)\/messages(\/\d+)?$/.exec(path);
  if (match === null) return null;
  const verb = method.toUpperCase();
  if (verb === 'PATCH' && match[2] !== undefined) return `PATCH channel ${match[1]}`;
  if (verb === 'POST' && match[2] === undefined) return `POST channel ${match[1]}`;
  return null;
}

/**
 * Feeds the rate-limit headers of the bot client's channel-message requests to
 * `limits`. discord.js emits \`response\` for every answer it gets, 429s included.
 */
export function observeChannelRateLimits(client: Client, limits: RouteLimits): () => void {
  const listener = (request: { method: string; path: string }, response: { headers: { get(name: string): string | null } }) => {
    const key = channelRouteKey(request.method, request.path);
    if (key !== null) limits.observe(key, readRateLimitHeaders(response.headers));
  };
  client.rest.on(RESTEvents.Response, listener);
  return () => {
    client.rest.off(RESTEvents.Response, listener);
  };
}

/**
 * Builds the ReplyTarget for a job's message from its stored handle alone (no live
 * interaction object), so a restarted bot can keep editing: the interaction webhook
 * first, the bot-token channel route later, a new reply-message last.
 */
export function createReplyTarget(options: ReplyRouteOptions): ReplyTarget {
  const { client, handle, logger, messageKey, onDelivered, limits } = options;
  const keys = routeKeysOf(messageKey, handle.channelId);
  // One client per job: its REST sweepers are setInterval timers that would keep every
  // job's client alive for good, and a job's handful of routes needs no sweeping.
  // A 429 is thrown to the editor rather than waited out inside discord.js: the editor
  // knows whether a newer state has replaced this one, and a final held for an hour must
  // take another route, not sleep (issue 9.6). No retries inside discord.js either: the
  // editor's retry policy is the one that counts how long a route has been failing.
  // It sends the way the bot's client does (makeRequest), so its bodies are redacted too.
  const webhook = new WebhookClient(
    { id: handle.applicationId, token: handle.token },
    {
      rest: {
        hashSweepInterval: 0,
        handlerSweepInterval: 0,
        rejectOnRateLimit: () => true,
        retries: 0,
        timeout: 60_000,
        // discord.js calls makeRequest as a plain function, never with `this`.
        // eslint-disable-next-line @typescript-eslint/unbound-method
        makeRequest: client.rest.options.makeRequest,
        ...(options.apiBase ? { api: options.apiBase } : {}),
      },
    },
  );
  webhook.rest.on(RESTEvents.Response, (_request, response) => limits.observe(keys.interaction, readRateLimitHeaders(response.headers)));
  const editViaInteractionOnly: EditRoute = async (payload) => {
    await webhook.editMessage('@original', toDiscordEdit(payload)).catch(rethrowRedacted);
  };
  const editViaInteraction: EditRoute = async (payload) => {
    const message = await webhook.editMessage('@original', toDiscordEdit(payload)).catch(rethrowRedacted);
    handle.messageId = message.id;
    onDelivered(fromApiMessage(message));
  };
  /** `report`: the job's own reply (its id and attachment URLs are remembered), not the earlier one. */
  const channelEditOf = (messageId: string, report = true): EditRoute => async (payload) => {
    const channel = await textChannel(client, handle.channelId);
    const message = await channel.messages.edit(messageId, toDiscordEdit(payload)).catch(rethrowRedacted);
    if (report) onDelivered(fromMessage(message));
  };
  const editViaChannel: EditRoute | null = handle.channelId === null ? null : async (payload) => {
    // Before the first edit the message id is unknown; the deferred reply is only reachable by token.
    if (handle.messageId === null) {
      try {
        return await editViaInteraction(payload);
      } catch (error) {
        // With the token dead too, nothing can reach that reply: it has to be posted anew.
        if (classifyEditError(error).kind === 'token_invalid') throw new ReplyIdUnknownError(error);
        throw error;
      }
    }
    return channelEditOf(handle.messageId)(payload);
  };
  const postNewMessage =
    handle.channelId === null
      ? null
      : async (payload: EditPayload): Promise<EditRoute> => {
          const channel = await textChannel(client, handle.channelId);
          const earlierId = handle.messageId;
          const create = toDiscordCreate(payload);
          const message = await channel
            .send({
              ...create,
              content: `<@${handle.userId}> ${create.content ?? ''}`.slice(0, 2000),
              allowedMentions: { users: [handle.userId] },
              ...(handle.messageId ? { reply: { messageReference: handle.messageId, failIfNotExists: false } } : {}),
            })
            .catch(rethrowRedacted);
          handle.messageId = message.id;
          onDelivered(fromMessage(message));
          options.onReposted?.({
            messageId: earlierId,
            sink: new ReplyTarget({
              // Until the token expires, @original is still the earlier reply.
              editViaInteraction: editViaInteractionOnly,
              editViaChannel: earlierId === null ? null : channelEditOf(earlierId, false),
              postNewMessage: null,
              interactionCreatedAt: handle.createdAt,
              messageKnown: () => earlierId !== null,
              routeKeys: keys,
              logger,
              messageKey: `${messageKey} earlier`,
            }),
          });
          return channelEditOf(message.id);
        };
  return new ReplyTarget({
    editViaInteraction,
    editViaChannel,
    postNewMessage,
    interactionCreatedAt: handle.createdAt,
    messageKnown: () => handle.messageId !== null,
    routeKeys: keys,
    logger,
    messageKey,
  });
}

/**
 * The deferred reply was never edited (so its id is unknown) and its token no longer
 * works. Shaped as Discord's "Unknown Message" (404), which ReplyTarget answers by
 * posting the view as a new message.
 */
class ReplyIdUnknownError extends Error {
  readonly status = 404;
  constructor(cause: unknown) {
    super('the reply was never edited and its interaction token no longer works', { cause });
    this.name = 'ReplyIdUnknownError';
  }
}

/** The editor logs what a route throws: no interaction token or file bytes may ride along. */
function rethrowRedacted(error: unknown): never {
  throw redactRequestError(error);
}

async function textChannel(client: Client, channelId: string | null) {
  if (channelId === null) throw new Error('no channel to post in');
  const channel = await client.channels.fetch(channelId);
  if (!channel || !channel.isTextBased() || !('send' in channel)) throw new Error(`channel ${channelId} is not a text channel`);
  return channel;
}

function fromApiMessage(message: APIMessage): DeliveredMessage {
  return {
    messageId: message.id,
    channelId: message.channel_id,
    attachments: message.attachments.map((a) => ({ filename: a.filename, url: a.url })),
  };
}

function fromMessage(message: Message): DeliveredMessage {
  return {
    messageId: message.id,
    channelId: message.channelId,
    attachments: [...message.attachments.values()].map((a) => ({ filename: a.name, url: a.url })),
  };
}

import { WebhookClient, type APIMessage, type Client, type Message } from 'discord.js';
import type { Logger } from '../log.ts';
import type { EditPayload } from './message-view.ts';
import type { ReplyHandle } from './reply-handle.ts';
import { redactRequestError } from './redact-request-error.ts';
import { classifyEditError } from './edit-errors.ts';
import { ReplyTarget, type EditRoute } from './reply-target.ts';
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
  /** Called after every successful edit, with the message as Discord returned it. */
  onDelivered(message: DeliveredMessage): void;
}

/**
 * Builds the ReplyTarget for a job's message from its stored handle alone (no live
 * interaction object), so a restarted bot can keep editing: the interaction webhook
 * first, the bot-token channel route later, a new reply-message last.
 */
export function createReplyTarget(options: ReplyRouteOptions): ReplyTarget {
  const { client, handle, logger, messageKey, onDelivered } = options;
  // One client per job: its REST sweepers are setInterval timers that would keep every
  // job's client alive for good, and a job's handful of routes needs no sweeping.
  const webhook = new WebhookClient(
    { id: handle.applicationId, token: handle.token },
    { rest: { hashSweepInterval: 0, handlerSweepInterval: 0, ...(options.apiBase ? { api: options.apiBase } : {}) } },
  );
  const editViaInteraction: EditRoute = async (payload) => {
    const message = await webhook.editMessage('@original', toDiscordEdit(payload)).catch(rethrowRedacted);
    handle.messageId = message.id;
    onDelivered(fromApiMessage(message));
  };
  const channelEditOf = (messageId: string): EditRoute => async (payload) => {
    const channel = await textChannel(client, handle.channelId);
    const message = await channel.messages.edit(messageId, toDiscordEdit(payload)).catch(rethrowRedacted);
    onDelivered(fromMessage(message));
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
          return channelEditOf(message.id);
        };
  return new ReplyTarget({
    editViaInteraction,
    editViaChannel,
    postNewMessage,
    interactionCreatedAt: handle.createdAt,
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

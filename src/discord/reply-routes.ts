import { WebhookClient, type APIMessage, type Client, type Message } from 'discord.js';
import type { Logger } from '../log.ts';
import type { EditPayload } from './message-view.ts';
import type { ReplyHandle } from './reply-handle.ts';
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
  const webhook = new WebhookClient(
    { id: handle.applicationId, token: handle.token },
    options.apiBase ? { rest: { api: options.apiBase } } : {},
  );
  const editViaInteraction: EditRoute = async (payload) => {
    const message = await webhook.editMessage('@original', toDiscordEdit(payload));
    handle.messageId = message.id;
    onDelivered(fromApiMessage(message));
  };
  const channelEditOf = (messageId: string): EditRoute => async (payload) => {
    const channel = await textChannel(client, handle.channelId);
    const message = await channel.messages.edit(messageId, toDiscordEdit(payload));
    onDelivered(fromMessage(message));
  };
  const editViaChannel: EditRoute | null = handle.channelId === null ? null : async (payload) => {
    // Before the first edit the message id is unknown; the deferred reply is only reachable by token.
    if (handle.messageId === null) return editViaInteraction(payload);
    return channelEditOf(handle.messageId)(payload);
  };
  const postNewMessage =
    handle.channelId === null
      ? null
      : async (payload: EditPayload): Promise<EditRoute> => {
          const channel = await textChannel(client, handle.channelId);
          const create = toDiscordCreate(payload);
          const message = await channel.send({
            ...create,
            content: `<@${handle.userId}> ${create.content ?? ''}`.slice(0, 2000),
            allowedMentions: { users: [handle.userId] },
            ...(handle.messageId ? { reply: { messageReference: handle.messageId, failIfNotExists: false } } : {}),
          });
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

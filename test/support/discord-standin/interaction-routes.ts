import { ApplicationCommandType, InteractionResponseType, InteractionType, MessageType } from 'discord.js';
import { apiErrors, fieldError, type StandinReply } from './api-errors.ts';
import type { InteractionRecord } from './interaction-ledger.ts';
import { checkMessageLimits } from './message-limits.ts';
import { refuseModal } from './modal-limits.ts';
import type { MessageBody, StoredMessage } from './message-store.ts';
import { json, noContent, type RestContext, type RouteDefinition, type StandinRequest } from './rest-router.ts';

const EPHEMERAL = 1 << 6;
const LOADING = 1 << 7;

/**
 * The routes that use an interaction token instead of the bot token: the initial
 * callback and the interaction webhook (original response, follow-ups).
 */
export const interactionRoutes: RouteDefinition[] = [
  { method: 'POST', pattern: '/interactions/:id/:token/callback', auth: 'none', handle: callback },
  {
    method: 'POST',
    pattern: '/webhooks/:app/:token',
    auth: 'none',
    bucket: (p) => ({ bucket: 'webhookExecute', key: `${p.app}/${p.token}` }),
    handle: followUp,
  },
  ...(['GET', 'PATCH', 'DELETE'] as const).map(
    (method): RouteDefinition => ({
      method,
      pattern: '/webhooks/:app/:token/messages/:message',
      auth: 'none',
      bucket: (p) => ({ bucket: 'webhookMessage', key: `${method}/${p.app}/${p.token}/${p.message}` }),
      handle: webhookMessage,
    }),
  ),
];

function callback(request: StandinRequest, context: RestContext): StandinReply {
  const { id = '', token = '' } = request.params;
  const record = context.ledger.get(token) ?? context.ledger.learn(id, token);
  const now = context.now();
  if (record.id !== id || context.ledger.isExpired(record, now, context.tokenLifetimeMs)) return apiErrors.unknownInteraction();
  if (record.acknowledgedWith !== null) return apiErrors.alreadyAcknowledged();
  if (now - record.createdAt > context.ackDeadlineMs) return apiErrors.unknownInteraction();

  const body = (request.json ?? {}) as { type?: number; data?: MessageBody & { choices?: unknown[]; title?: string } };
  const refusal = refuseCallbackType(record, body.type, body.data);
  if (refusal) return refusal;
  const data = body.data ?? {};

  let message: StoredMessage | null = null;
  switch (body.type) {
    case InteractionResponseType.ChannelMessageWithSource: {
      const limits = checkMessageLimits(data, request.files, context, true);
      if (limits) return limits;
      message = createOriginal(record, context, data, request);
      break;
    }
    case InteractionResponseType.DeferredChannelMessageWithSource:
      message = createOriginal(record, context, { flags: LOADING | ((data.flags ?? 0) & EPHEMERAL) }, { ...request, files: [] });
      break;
    case InteractionResponseType.DeferredMessageUpdate:
      message = sourceMessage(record, context);
      break;
    case InteractionResponseType.UpdateMessage: {
      const limits = checkMessageLimits(data, request.files, context, false);
      if (limits) return limits;
      message = sourceMessage(record, context);
      if (message) context.store.edit(message, data, request.files, message.flags & EPHEMERAL);
      break;
    }
    default:
      break;
  }
  record.acknowledgedWith = body.type ?? null;
  record.acknowledgedAt = now;
  if (message) {
    record.originalMessageId = message.id;
    record.ephemeral = (message.flags & EPHEMERAL) !== 0;
  }
  if (request.query.with_response !== 'true') return noContent();
  return json(callbackResponse(record, body.type ?? 0, message, context));
}

function refuseCallbackType(record: InteractionRecord, type: number | undefined, data: { choices?: unknown[]; title?: string } | undefined): StandinReply | null {
  const invalid = (message: string): StandinReply => apiErrors.invalidFormBody(fieldError('type', 'INTERACTION_RESPONSE_TYPE_INVALID', message));
  const allowed = [4, 5, 6, 7, 8, 9];
  if (type === undefined || !allowed.includes(type)) return invalid(`Value must be one of {${allowed.join(', ')}}.`);
  const kind = record.type;
  if (kind === InteractionType.ApplicationCommandAutocomplete && type !== InteractionResponseType.ApplicationCommandAutocompleteResult) {
    return invalid('Autocomplete interactions only accept callback type 8.');
  }
  if (type === InteractionResponseType.ApplicationCommandAutocompleteResult) {
    if (kind !== null && kind !== InteractionType.ApplicationCommandAutocomplete) return invalid('Callback type 8 is only for autocomplete.');
    if ((data?.choices ?? []).length > 25) return apiErrors.invalidFormBody(fieldError('data.choices', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.'));
  }
  if (type === InteractionResponseType.Modal && kind === InteractionType.ModalSubmit) return invalid('A modal cannot answer a modal submit.');
  if (type === InteractionResponseType.Modal && (data?.title ?? '').length > 45) {
    return apiErrors.invalidFormBody(fieldError('data.title', 'BASE_TYPE_MAX_LENGTH', 'Must be 45 or fewer in length.'));
  }
  if (type === InteractionResponseType.Modal) {
    const refused = refuseModal(data);
    if (refused !== null) return refused;
  }
  const updatesMessage = type === InteractionResponseType.DeferredMessageUpdate || type === InteractionResponseType.UpdateMessage;
  if (updatesMessage && kind !== null && kind !== InteractionType.MessageComponent && !(kind === InteractionType.ModalSubmit && record.sourceMessage)) {
    return invalid('Only component interactions can update a message.');
  }
  return null;
}

function createOriginal(record: InteractionRecord, context: RestContext, data: MessageBody, request: StandinRequest): StoredMessage {
  const type =
    record.type !== InteractionType.ApplicationCommand
      ? MessageType.Default
      : record.commandType === ApplicationCommandType.ChatInput
        ? MessageType.ChatInputCommand
        : MessageType.ContextMenuCommand;
  return context.store.create(
    {
      channelId: record.channelId ?? context.world.guild.channels[0]?.id ?? '0',
      type,
      author: context.world.botUser,
      webhookId: record.applicationId ?? context.world.application.id,
      interactionMetadata: {
        id: record.id,
        type: record.type ?? InteractionType.ApplicationCommand,
        user: record.user ?? context.world.invoker,
        authorizing_integration_owners: { '0': context.world.guild.id },
      },
    },
    data,
    request.files,
  );
}

/** The message a component sits on; registered on first use so edits have something to change. */
function sourceMessage(record: InteractionRecord, context: RestContext): StoredMessage | null {
  const raw = record.sourceMessage;
  if (!raw) return null;
  return context.store.get(raw.id) ?? context.store.adopt(raw);
}

function callbackResponse(record: InteractionRecord, type: number, message: StoredMessage | null, context: RestContext): unknown {
  const carriesMessage = type === InteractionResponseType.ChannelMessageWithSource || type === InteractionResponseType.UpdateMessage;
  return {
    interaction: {
      id: record.id,
      type: record.type ?? InteractionType.ApplicationCommand,
      activity_instance_id: null,
      ...(message
        ? {
            response_message_id: message.id,
            response_message_loading: (message.flags & LOADING) !== 0,
            response_message_ephemeral: (message.flags & EPHEMERAL) !== 0,
          }
        : {}),
    },
    resource: { type, ...(carriesMessage && message ? { message: context.store.toApi(message) } : {}) },
  };
}

/** Checks the `{app}/{token}` pair of a webhook route; returns the record or Discord's refusal. */
function webhookRecord(request: StandinRequest, context: RestContext): InteractionRecord | StandinReply {
  const { app = '', token = '' } = request.params;
  const record = context.ledger.get(token);
  if (!record || context.ledger.isExpired(record, context.now(), context.tokenLifetimeMs)) return apiErrors.invalidWebhookToken();
  if (app !== (record.applicationId ?? app)) return apiErrors.unknownWebhook();
  return record;
}

function followUp(request: StandinRequest, context: RestContext): StandinReply {
  const record = webhookRecord(request, context);
  if ('status' in record) return record;
  if (record.acknowledgedWith === null) return apiErrors.unknownWebhook();
  const body = (request.json ?? {}) as MessageBody;
  const limits = checkMessageLimits(body, request.files, context, true);
  if (limits) return limits;
  const message = context.store.create(
    {
      channelId: record.channelId ?? context.world.guild.channels[0]?.id ?? '0',
      type: MessageType.Default,
      author: context.world.botUser,
      webhookId: record.applicationId ?? context.world.application.id,
    },
    body,
    request.files,
  );
  record.followUpIds.push(message.id);
  return request.query.wait === 'true' ? json(context.store.toApi(message)) : noContent();
}

function webhookMessage(request: StandinRequest, context: RestContext): StandinReply {
  const record = webhookRecord(request, context);
  if ('status' in record) return record;
  const wanted = request.params.message ?? '';
  const id = wanted === '@original' ? record.originalMessageId : wanted;
  const belongs = id !== null && (id === record.originalMessageId || record.followUpIds.includes(id));
  const message = belongs ? context.store.get(id) : undefined;
  if (!message) return apiErrors.unknownMessage();

  if (request.method === 'GET') return json(context.store.toApi(message));
  if (request.method === 'DELETE') {
    context.store.delete(message.id);
    return noContent();
  }
  const body = (request.json ?? {}) as MessageBody;
  const limits = checkMessageLimits(body, request.files, context, false);
  if (limits) return limits;
  context.store.edit(message, body, request.files, message.flags & EPHEMERAL);
  message.flags &= ~LOADING;
  return json(context.store.toApi(message));
}

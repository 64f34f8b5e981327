/**
 * Discord's JSON error answers, with the codes and texts Discord sends
 * (developers/topics/opcodes-and-status-codes.mdx). discord.js turns these into
 * `DiscordAPIError[code]`, so tests can assert on the same codes a bot sees in production.
 */
export interface StandinReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function discordError(status: number, code: number, message: string, errors?: unknown): StandinReply {
  return { status, body: errors === undefined ? { message, code } : { message, code, errors } };
}

export const apiErrors = {
  notFound: () => discordError(404, 0, '404: Not Found'),
  methodNotAllowed: () => discordError(405, 0, '405: Method Not Allowed'),
  unauthorized: () => discordError(401, 0, '401: Unauthorized'),
  unknownChannel: () => discordError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => discordError(404, 10004, 'Unknown Guild'),
  unknownMember: () => discordError(404, 10007, 'Unknown Member'),
  unknownMessage: () => discordError(404, 10008, 'Unknown Message'),
  unknownWebhook: () => discordError(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => discordError(404, 10062, 'Unknown interaction'),
  tooManyAttachments: () => discordError(400, 30015, 'Maximum number of attachments in a message reached (10)'),
  requestEntityTooLarge: () => discordError(413, 40005, 'Request entity too large'),
  alreadyAcknowledged: () => discordError(400, 40060, 'Interaction has already been acknowledged.'),
  cannotEditOthersMessage: () => discordError(403, 50005, 'Cannot edit a message authored by another user'),
  emptyMessage: () => discordError(400, 50006, 'Cannot send an empty message'),
  invalidWebhookToken: () => discordError(401, 50027, 'Invalid Webhook Token'),
  invalidFormBody: (errors: unknown) => discordError(400, 50035, 'Invalid Form Body', errors),
};

/** The `errors` tree of a 50035 for one field, as Discord nests it (`{content: {_errors: [...]}}`). */
export function fieldError(path: string, code: string, message: string): unknown {
  const leaf = { _errors: [{ code, message }] };
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), leaf);
}

/**
 * The error codes src/discord (the Discord transport) raises: stable names logs, tests and callers match on.
 * Each is raised by one error class of this layer (test/errors/error-codes.test.ts).
 */
export const DISCORD_ERROR_CODES = [
  'ATTACHMENT_REJECTED',
  'DISCORD_TOKEN_MISSING',
  'DISCORD_LOGIN',
  'DISCORD_UNREACHABLE',
  'REPLY_UNDELIVERABLE',
  'RESULT_FETCH_TIMEOUT',
  'RESULT_FILES_GONE',
  'INTERACTION_STALE',
] as const;

export type DiscordErrorCode = (typeof DISCORD_ERROR_CODES)[number];

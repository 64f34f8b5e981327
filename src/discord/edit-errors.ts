import { ComfycordError, type LogContext } from '../errors.ts';
import { isNetworkError } from '../network-errors.ts';
import type { DiscordErrorCode } from './error-codes.ts';

/**
 * What a failed message edit means for the next attempt. Errors are read by shape, not
 * by class, so discord.js's DiscordAPIError / HTTPError / RateLimitError, undici's
 * network errors and a test's plain objects are all understood:
 * `status` (HTTP), `code` (Discord's numeric JSON code, or a Node/undici string code),
 * `retryAfter` (ms, RateLimitError) or `rawError.retry_after` (s, the 429 body).
 */
export type EditFailure =
  | { kind: 'rate_limited'; retryAfterMs: number; global: boolean; status: number | null; code: number | string | null }
  /** 5xx, timeouts, dropped connections: the same edit may well succeed later. */
  | { kind: 'transient'; status: number | null; code: number | string | null }
  /** The interaction token is no longer usable (401 / 50027, 404 / 10015): use the bot token. */
  | { kind: 'token_invalid'; status: number | null; code: number | string | null }
  /** The message is gone (404, 10008) or unreachable (403, 50001, 50013): post a new one. */
  | { kind: 'message_unreachable'; status: number | null; code: number | string | null }
  | { kind: 'permanent'; status: number | null; code: number | string | null };

const DISCORD = {
  unknownMessage: 10008,
  unknownWebhook: 10015,
  missingAccess: 50001,
  missingPermissions: 50013,
  invalidWebhookToken: 50027,
  /** "Maximum number of edits to messages older than 1 hour reached. Try again later." */
  oldMessageEditLimit: 30046,
} as const;

/** Used when a 429 carries no usable retry-after. */
const DEFAULT_RETRY_AFTER_MS = 1000;

export function classifyEditError(error: unknown): EditFailure {
  const status = numberField(error, 'status');
  const rawCode = field(error, 'code');
  const code = typeof rawCode === 'number' || typeof rawCode === 'string' ? rawCode : null;
  const base = { status, code };
  const name = typeof field(error, 'name') === 'string' ? (field(error, 'name') as string) : '';

  if (status === 429 || name.startsWith('RateLimitError')) {
    return { kind: 'rate_limited', retryAfterMs: retryAfterMs(error), global: isGlobal(error), ...base };
  }
  if (status === 401 || code === DISCORD.invalidWebhookToken || code === DISCORD.unknownWebhook) {
    return { kind: 'token_invalid', ...base };
  }
  const unreachable = [DISCORD.unknownMessage, DISCORD.missingAccess, DISCORD.missingPermissions] as const;
  if (status === 403 || status === 404 || unreachable.some((c) => c === code)) {
    return { kind: 'message_unreachable', ...base };
  }
  if (code === DISCORD.oldMessageEditLimit) return { kind: 'rate_limited', retryAfterMs: 60_000, global: false, ...base };
  if (status !== null && status >= 500) return { kind: 'transient', ...base };
  if (isNetworkError(error)) return { kind: 'transient', ...base };
  if (name === 'AbortError' || name === 'TimeoutError') return { kind: 'transient', ...base };
  return { kind: 'permanent', ...base };
}

/** A final reply could not be delivered through any route. */
export class ReplyDeliveryError extends ComfycordError<DiscordErrorCode> {
  constructor(reason: string, context: LogContext, cause?: unknown) {
    super('REPLY_UNDELIVERABLE', 'The result could not be posted to Discord.', {
      context,
      message: `reply not delivered: ${reason}`,
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

function retryAfterMs(error: unknown): number {
  const ms = numberField(error, 'retryAfter') ?? numberField(error, 'retryAfterMs');
  if (ms !== null && ms >= 0) return ms;
  const body = field(error, 'rawError');
  const seconds = numberField(body, 'retry_after') ?? numberField(error, 'retry_after');
  return seconds !== null && seconds >= 0 ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS;
}

function isGlobal(error: unknown): boolean {
  return field(error, 'global') === true || field(field(error, 'rawError'), 'global') === true;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function numberField(value: unknown, key: string): number | null {
  const found = field(value, key);
  return typeof found === 'number' && Number.isFinite(found) ? found : null;
}

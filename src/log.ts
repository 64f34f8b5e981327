import { pino, stdSerializers, type Logger } from 'pino';
import { redactRequestError } from './discord/redact-request-error.ts';

export type { Logger };

/**
 * Structured JSON logs (pino). Secrets are redacted by key wherever they appear, so
 * an error context that carries a config object or request headers cannot leak a
 * token. Set LOG_LEVEL (trace … fatal, or silent).
 */
export const REDACTED_KEYS = ['token', 'authorization', 'password', 'DISCORD_TOKEN', 'COMFY_AUTH', 'headers.authorization', 'auth'];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env['LOG_LEVEL'] ?? 'info';
  const redact = { paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]), censor: '[redacted]' };
  // Every logged error goes through the token scrubber, wherever it is logged from.
  const serializers = { err: (error: Error) => stdSerializers.err(redactRequestError(error)) };
  const settings = { level, redact, serializers, base: { app: 'comfycord' } };
  return options.destination ? pino(settings, options.destination as pino.DestinationStream) : pino(settings, pino.destination(2));
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

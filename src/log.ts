import { pino, stdSerializers, type Logger } from 'pino';
import { redactRequestError } from './redact/request-error.ts';
import type { Redactor } from './redact/redactor.ts';

export type { Logger };

/**
 * Structured JSON logs (pino). Secrets are redacted by key wherever they appear, so
 * an error context that carries a config object or request headers cannot leak a
 * token. Set LOG_LEVEL (trace … fatal, or silent).
 */
export const REDACTED_KEYS = ['token', 'authorization', 'password', 'DISCORD_TOKEN', 'COMFY_AUTH', 'headers.authorization', 'auth'];

export interface LoggerOptions {
  level?: string;
  destination?: NodeJS.WritableStream;
  /** Every finished line passes through it, so no known secret reaches the log in any field or form. */
  redactor?: Redactor;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env['LOG_LEVEL'] ?? 'info';
  const redact = { paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]), censor: '[redacted]' };
  // Every logged error goes through the token scrubber, wherever it is logged from.
  const serializers = { err: (error: Error) => stdSerializers.err(redactRequestError(error)) };
  const redactor = options.redactor;
  // The last step before the bytes are written: whatever a context or an error carried.
  const hooks = redactor === undefined ? {} : { hooks: { streamWrite: (line: string) => redactor.scrub(line) } };
  const settings = { level, redact, serializers, ...hooks, base: { app: 'comfycord' } };
  return options.destination ? pino(settings, options.destination as pino.DestinationStream) : pino(settings, pino.destination(2));
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

import { pino, stdSerializers, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { redactRequestError } from './redact/request-error.ts';
import type { Redactor } from './redact/redactor.ts';

export type { Logger };

/**
 * Structured JSON logs (pino). Secrets are redacted by key wherever they appear, so
 * an error context that carries a config object or request headers cannot leak a
 * token. The level comes from the caller (LOG_LEVEL is read by src/config.ts only).
 */
export const REDACTED_KEYS = ['token', 'authorization', 'password', 'DISCORD_TOKEN', 'COMFY_AUTH', 'headers.authorization', 'auth'];

export interface LoggerOptions {
  level?: string;
  /** JSON lines (default), or readable lines for a person at a terminal (see logFormatFor). */
  format?: 'json' | 'pretty';
  destination?: NodeJS.WritableStream;
  /** Every finished line passes through it, so no known secret reaches the log in any field or form. */
  redactor?: Redactor;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const redact = { paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]), censor: '[redacted]' };
  // Every logged error goes through the token scrubber, wherever it is logged from.
  const serializers = { err: (error: Error) => stdSerializers.err(redactRequestError(error)) };
  const redactor = options.redactor;
  // The last step before the bytes are written: whatever a context or an error carried.
  const hooks = redactor === undefined ? {} : { hooks: { streamWrite: (line: string) => redactor.scrub(line) } };
  const settings = { level, redact, serializers, ...hooks, base: { app: 'comfycord' } };
  if (options.format === 'pretty') {
    // A stream in this thread, not a worker transport: the redacting hook above runs
    // before it sees a line. Synchronous, so the last lines before exit are not lost.
    const destination = options.destination ?? 2;
    const colorize = options.destination === undefined && process.stderr.isTTY;
    return pino(settings, pretty({ destination, sync: true, colorize, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,app' }));
  }
  return options.destination ? pino(settings, options.destination as pino.DestinationStream) : pino(settings, pino.destination(2));
}

/** LOG_FORMAT's `auto`: readable lines when the logs' stream (stderr) is a terminal, JSON for anything that collects them. */
export function logFormatFor(setting: 'auto' | 'json' | 'pretty', stderrIsTerminal: boolean): 'json' | 'pretty' {
  if (setting !== 'auto') return setting;
  return stderrIsTerminal ? 'pretty' : 'json';
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

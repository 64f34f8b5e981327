import { pino, type Logger } from 'pino';

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
  return options.destination
    ? pino({ level, redact, base: { app: 'comfycord' } }, options.destination as pino.DestinationStream)
    : pino({ level, redact, base: { app: 'comfycord' } }, pino.destination(2));
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

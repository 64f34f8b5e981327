import { ComfycordError } from '../errors.ts';

/**
 * Failures of the durable store. They happen at start-up (open, migrate) and are read
 * by whoever runs the bot, so the messages say what to do.
 */

export class SqliteUnavailableError extends ComfycordError {
  constructor(nodeVersion: string, cause: unknown) {
    super(
      'STORE_SQLITE_UNAVAILABLE',
      `This Node.js (${nodeVersion}) has no built-in SQLite (node:sqlite). Use Node.js 22.13 or newer, or start Node with --experimental-sqlite.`,
      { cause, context: { nodeVersion } },
    );
  }
}

export class StoreOpenError extends ComfycordError {
  constructor(path: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('STORE_OPEN_FAILED', `Could not open the database ${path}: ${detail}`, { cause, context: { path } });
  }
}

export class SchemaTooNewError extends ComfycordError {
  constructor(path: string, found: number, known: number) {
    super(
      'STORE_SCHEMA_TOO_NEW',
      `The database ${path} has schema version ${found}, written by a newer comfycord; this version knows up to ${known}. ` +
        'Upgrade comfycord, or point DATA_DIR at another folder.',
      { context: { path, found, known } },
    );
  }
}

export class MigrationFailedError extends ComfycordError {
  constructor(path: string, version: number, name: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('STORE_MIGRATION_FAILED', `Could not upgrade the database ${path} to version ${version} (${name}): ${detail}. Nothing of this step was applied.`, {
      cause,
      context: { path, version, name },
    });
  }
}

export class InstanceLockedError extends ComfycordError {
  constructor(dataDir: string, holder: { pid: number; startedAt: string; host: string } | null) {
    const who = holder === null ? 'pid unknown, started at an unknown time' : `pid ${holder.pid}, started ${holder.startedAt}${holder.host ? ` on ${holder.host}` : ''}`;
    super(
      'STORE_IN_USE',
      `another comfycord (${who}) is using DATA_DIR ${dataDir}. Only one bot may run on a DATA_DIR: stop that one first, or give this one its own DATA_DIR.`,
      { context: { dataDir, holder } },
    );
  }
}

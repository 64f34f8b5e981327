import { ComfycordError } from '../errors.ts';
import type { StoreErrorCode } from './error-codes.ts';

/**
 * Failures of the durable store. They happen at start-up (open, migrate) and are read
 * by whoever runs the bot, so the messages say what to do.
 */

export class SqliteUnavailableError extends ComfycordError<StoreErrorCode> {
  constructor(nodeVersion: string, cause: unknown) {
    super(
      'STORE_SQLITE_UNAVAILABLE',
      `This Node.js (${nodeVersion}) has no built-in SQLite (node:sqlite). Use Node.js 22.13 or newer, or start Node with --experimental-sqlite.`,
      { cause, context: { nodeVersion } },
    );
  }
}

export class StoreOpenError extends ComfycordError<StoreErrorCode> {
  constructor(path: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('STORE_OPEN_FAILED', `Could not open the database ${path}: ${detail}`, { cause, context: { path } });
  }
}

export class SchemaTooNewError extends ComfycordError<StoreErrorCode> {
  constructor(path: string, found: number, known: number) {
    super(
      'STORE_SCHEMA_TOO_NEW',
      `The database ${path} has schema version ${found}, written by a newer comfycord; this version knows up to ${known}. ` +
        'Upgrade comfycord, or point DATA_DIR at another folder.',
      { context: { path, found, known } },
    );
  }
}

export class MigrationFailedError extends ComfycordError<StoreErrorCode> {
  constructor(path: string, version: number, name: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('STORE_MIGRATION_FAILED', `Could not upgrade the database ${path} to version ${version} (${name}): ${detail}. Nothing of this step was applied.`, {
      cause,
      context: { path, version, name },
    });
  }
}

export class InstanceLockedError extends ComfycordError<StoreErrorCode> {
  constructor(dataDir: string, holder: { pid: number; startedAt: string; host: string } | null) {
    const who = holder === null ? 'pid unknown, started at an unknown time' : `pid ${holder.pid}, started ${holder.startedAt}${holder.host ? ` on ${holder.host}` : ''}`;
    super(
      'STORE_IN_USE',
      `another comfycord (${who}) is using DATA_DIR ${dataDir}. Only one bot may run on a DATA_DIR: stop that one first, or give this one its own DATA_DIR.`,
      { context: { dataDir, holder } },
    );
  }
}

/** Why a start refused the database it found in DATA_DIR. */
export type StoreProblem = 'missing' | 'empty' | 'new' | 'different' | 'wal-missing' | 'wal-damaged' | 'damaged' | 'id-file-unreadable';

/**
 * DATA_DIR was used by a store, and the database found there is not (all of) it. The
 * message says what is missing and how to get it back; `--new-store` (ALLOW_NEW_STORE=1)
 * starts anyway, except on a file SQLite cannot read at all.
 */
export class StoreIdentityError extends ComfycordError<StoreErrorCode> {
  readonly problem: StoreProblem;
  /** The two halves of userMessage: what is wrong, and how to restore (doctor prints them apart). */
  readonly what: string;
  readonly restore: string;

  constructor(problem: StoreProblem, details: { dataDir: string; storeId: string | null; foundId?: string | null; detail?: string }) {
    const db = `${details.dataDir}/comfycord.db`;
    const was = details.storeId === null ? 'DATA_DIR was used by a comfycord store' : `DATA_DIR was used by comfycord store ${details.storeId} (comfycord.store-id)`;
    const what: Record<StoreProblem, string> = {
      missing: `${was}, but its database ${db} is missing.`,
      empty: `${was}, but its database ${db} is empty (0 bytes).`,
      new: `${was}, but ${db} is a new database without that store's identity: the store's data is not in it (was the file replaced, or its -wal file deleted before it was ever checkpointed?).`,
      different: `${was}, but ${db} is another store (${details.foundId ?? '?'}): it was replaced by another folder's database.`,
      'wal-missing': `${was} and the last run was killed (comfycord.open is still there), but ${db}-wal is missing: the last commits, written after the last checkpoint, were only in that file.`,
      'wal-damaged': `${was} and the last run was killed (comfycord.open is still there), but ${db}-wal is damaged (its header is not a WAL header): SQLite would ignore it and the commits in it.`,
      damaged: `${db} is not a readable SQLite database (${details.detail ?? 'damaged or overwritten'}).`,
      'id-file-unreadable': `${details.dataDir}/comfycord.store-id cannot be read (${details.detail ?? '?'}), so this folder's store cannot be checked.`,
    };
    const restore =
      problem === 'damaged'
        ? `Move ${db} and its -wal and -shm files aside. Then copy your latest backup (made with 'comfycord backup FILE') to ${db}, or start with --new-store (ALLOW_NEW_STORE=1) to begin an empty store.`
        : problem === 'id-file-unreadable'
          ? `Restore comfycord.store-id from the same backup as the folder, or start once with --new-store (ALLOW_NEW_STORE=1) to accept the database as it is.`
          : `Nothing was changed. To restore: put back the missing file if you still have it, or copy your latest backup (made with 'comfycord backup FILE') to ${db} after removing ${db}-wal and ${db}-shm. ` +
            `To start anyway with the database as it is (or a new, empty one), losing what is missing: start once with --new-store (or ALLOW_NEW_STORE=1).`;
    super('STORE_IDENTITY', `${what[problem]} ${restore}`, { context: { problem, dataDir: details.dataDir, storeId: details.storeId, foundId: details.foundId ?? null } });
    this.problem = problem;
    this.what = what[problem];
    this.restore = restore;
  }
}

/** `comfycord backup FILE` could not write a sound copy; nothing is left at FILE's temporary name. */
export class StoreBackupError extends ComfycordError<StoreErrorCode> {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('STORE_BACKUP_FAILED', message, options);
  }
}

/** A channel setting whose value its schema refuses (src/store/channel-settings.ts). */
export class SettingValueInvalidError extends ComfycordError<StoreErrorCode> {
  constructor(key: string, shown: string, channelId: string) {
    super('SETTING_VALUE_INVALID', `'${shown}' is not a valid value for the channel setting '${key}'.`, { context: { channelId, key } });
  }
}

import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { silentLogger, type Logger } from '../log.ts';
import { applyMigrations, MIGRATIONS, type Migration, type MigrationReport } from './migrations.ts';
import { sqlite, type DatabaseSync } from './sqlite.ts';
import { StoreOpenError } from './store-errors.ts';

export const DATABASE_FILE = 'comfycord.db';

/** `comfycord.db` inside DATA_DIR (default `./data`). */
export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

export interface OpenDatabaseOptions {
  /** How long a statement waits for another process's lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  migrations?: readonly Migration[];
  now?: () => number;
  logger?: Logger;
}

export interface OpenedDatabase {
  db: DatabaseSync;
  /** 'wal' unless the file system cannot do WAL (then SQLite keeps 'delete'). */
  journalMode: string;
  migration: MigrationReport;
}

/**
 * Opens (creating the folder and file if needed) and migrates the database.
 *
 * Settings, and why:
 * - busy_timeout, set first: a second process (the CLI reading while the bot writes)
 *   waits for the lock instead of failing with SQLITE_BUSY.
 * - journal_mode=WAL: readers never block the writer nor the writer them, and a commit
 *   is one append to the -wal file. It is stored in the file, so every process gets it.
 * - synchronous=NORMAL: with WAL, commits are not fsynced one by one; the WAL is synced
 *   at checkpoints. A killed or crashed process loses nothing it committed (the bytes
 *   are already with the OS); only a power cut or kernel crash can drop the last
 *   commits, and never corrupts the file. For us that means a job resumes from a
 *   state a few seconds old, which the restart logic handles anyway, whereas FULL
 *   would put an fsync on the event loop for every job state change.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): OpenedDatabase {
  const { DatabaseSync } = sqlite();
  const logger = options.logger ?? silentLogger();
  let db: DatabaseSync;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new DatabaseSync(path);
  } catch (error) {
    throw new StoreOpenError(path, error);
  }
  try {
    let journalMode: string;
    try {
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
      journalMode = String(db.prepare('PRAGMA journal_mode = WAL').get()?.['journal_mode'] ?? '');
      db.exec('PRAGMA synchronous = NORMAL');
    } catch (error) {
      // A file that is not a database fails here, on the first read of its header.
      throw new StoreOpenError(path, error);
    }
    if (journalMode !== 'wal' && path !== ':memory:') {
      logger.warn({ path, journalMode }, 'SQLite could not switch to WAL on this file system; writes will block readers');
    }
    const migration = applyMigrations(db, path, options.migrations ?? MIGRATIONS, options.now);
    if (migration.applied.length > 0) logger.info({ path, ...migration }, 'database schema upgraded');
    return { db, journalMode, migration };
  } catch (error) {
    db.close();
    throw error;
  }
}

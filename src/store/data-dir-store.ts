import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { silentLogger, type Logger } from '../log.ts';
import { databasePath } from './open-database.ts';
import { sqlite } from './sqlite.ts';
import { SqliteJobStore } from './sqlite-job-store.ts';
import { StoreIdentityError, type StoreProblem } from './store-errors.ts';
import {
  openMarkerExists,
  readDatabaseStoreId,
  readStoreIdFile,
  removeOpenMarker,
  writeOpenMarker,
  writeStoreIdFile,
} from './store-identity.ts';
import { inspectWal } from './wal-file.ts';

export interface DataDirStoreOptions {
  /** `--new-store` / ALLOW_NEW_STORE: start on whatever database is found (or a new one) instead of refusing. */
  allowNewStore?: boolean;
  logger?: Logger;
  now?: () => number;
}

/**
 * The bot's store in DATA_DIR, opened only if it is the store this folder had.
 *
 * Before anything is written, the folder's store id file is compared with what is found:
 * a database that is missing, empty, without an identity or with another one, or (after
 * a killed run) a WAL that is missing or damaged, is refused with a StoreIdentityError
 * that says what is missing and how to restore it — SQLite itself would open each of
 * these without a word and the bot would start with its jobs gone. A folder with no id
 * file is a first start (or one from before ids existed): the store gets an id.
 *
 * Once open, the identity and schema are checkpointed into the database file at once,
 * and the open marker is written; a graceful close removes it.
 *
 * Callers hold DATA_DIR's instance lock: nobody else writes these files meanwhile.
 */
export function openDataDirStore(dataDir: string, options: DataDirStoreOptions = {}): SqliteJobStore {
  const logger = options.logger ?? silentLogger();
  const now = options.now ?? Date.now;
  const dbPath = databasePath(dataDir);
  const idFile = readStoreIdFile(dataDir);
  const expected = idFile.kind === 'found' ? idFile.storeId : null;
  const refuse = (problem: StoreProblem, extra: { foundId?: string | null; detail?: string } = {}) => new StoreIdentityError(problem, { dataDir, storeId: expected, ...extra });

  let problem: StoreIdentityError | null = null;
  if (idFile.kind === 'unreadable') problem = refuse('id-file-unreadable', { detail: idFile.detail });
  else if (expected !== null) problem = findProblem(dataDir, dbPath, expected, refuse);
  if (problem !== null && problem.problem !== 'damaged' && !options.allowNewStore) throw problem;
  // Even --new-store cannot start on a file SQLite cannot read: it must be moved aside first.
  if (problem?.problem === 'damaged') throw problem;

  const store = SqliteJobStore.open(dbPath, { logger, now, onCleanClose: () => removeOpenMarker(dataDir) });
  try {
    let storeId = store.storeId();
    if (storeId === null) {
      storeId = randomUUID();
      store.assignStoreId(storeId);
    }
    // The identity and schema go into the database file now, not at the first
    // automatic checkpoint: from here on a lost WAL can cost commits, never the identity.
    store.checkpoint();
    if (storeId !== expected) writeStoreIdFile(dataDir, storeId, now());
    writeOpenMarker(dataDir, now());
    if (problem !== null) {
      logger.warn({ dataDir, problem: problem.problem, previousStoreId: expected, storeId }, `starting anyway as --new-store / ALLOW_NEW_STORE allows: ${problem.userMessage}`);
    } else if (expected === null) {
      logger.info({ dataDir, storeId }, idFile.kind === 'missing' ? 'store id recorded in DATA_DIR/comfycord.store-id' : 'store id written again');
    }
    return store;
  } catch (error) {
    store.close();
    throw error;
  }
}

export type DataDirStoreState = { kind: 'none' } | { kind: 'ok'; storeId: string } | { kind: 'refused'; error: StoreIdentityError };

/**
 * What a start would find, without starting (for `comfycord doctor`): no store yet (or
 * one from before store ids), this folder's store, or the refusal. Reads only.
 */
export function inspectDataDirStore(dataDir: string): DataDirStoreState {
  const idFile = readStoreIdFile(dataDir);
  if (idFile.kind === 'missing') return { kind: 'none' };
  const expected = idFile.kind === 'found' ? idFile.storeId : null;
  const refuse = (problem: StoreProblem, extra: { foundId?: string | null; detail?: string } = {}) => new StoreIdentityError(problem, { dataDir, storeId: expected, ...extra });
  if (expected === null) return { kind: 'refused', error: refuse('id-file-unreadable', { detail: idFile.kind === 'unreadable' ? idFile.detail : '' }) };
  const problem = findProblem(dataDir, databasePath(dataDir), expected, refuse);
  return problem === null ? { kind: 'ok', storeId: expected } : { kind: 'refused', error: problem };
}

/** What is wrong with DATA_DIR's database for the store `expected`, or null. Reads only. */
function findProblem(
  dataDir: string,
  dbPath: string,
  expected: string,
  refuse: (problem: StoreProblem, extra?: { foundId?: string | null; detail?: string }) => StoreIdentityError,
): StoreIdentityError | null {
  let size: number;
  try {
    size = statSync(dbPath).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return refuse('missing');
    throw error;
  }
  if (size === 0) return refuse('empty');
  // Before SQLite opens the file: opening it creates an empty WAL where one is missing.
  // A file in rollback-journal mode has no WAL to lose: it is a restored backup (see
  // store-backup.ts), whatever the marker of the run before says.
  if (openMarkerExists(dataDir) && inWalMode(dbPath)) {
    const wal = inspectWal(`${dbPath}-wal`);
    if (wal === 'missing') return refuse('wal-missing');
    if (wal === 'damaged') return refuse('wal-damaged');
  }
  let found: string | null;
  try {
    found = readIdentity(dbPath);
  } catch (error) {
    return refuse('damaged', { detail: error instanceof Error ? error.message : String(error) });
  }
  if (found === null) return refuse('new');
  if (found !== expected) return refuse('different', { foundId: found });
  return null;
}

/** Bytes 18 and 19 of a database file's header are 2 in WAL mode, 1 with a rollback journal. */
function inWalMode(dbPath: string): boolean {
  const header = Buffer.alloc(20);
  const fd = openSync(dbPath, 'r');
  try {
    if (readSync(fd, header, 0, 20, 0) < 20) return false;
  } finally {
    closeSync(fd);
  }
  return header[18] === 2 || header[19] === 2;
}

function readIdentity(dbPath: string): string | null {
  const { DatabaseSync } = sqlite();
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    return readDatabaseStoreId(db);
  } finally {
    db.close();
  }
}

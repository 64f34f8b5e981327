import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { sqlite, type DatabaseSync } from './sqlite.ts';
import { InstanceLockedError, StoreOpenError } from './store-errors.ts';

/** The file whose lock is the instance lock. It stays empty: only its lock matters. */
export const LOCK_FILE = 'comfycord.lock';
/** Who holds the lock, for the refusal message only (the lock itself decides). */
export const HOLDER_FILE = 'comfycord.pid';

export interface LockHolder {
  pid: number;
  /** ISO time the holder took the lock. */
  startedAt: string;
  host: string;
}

/**
 * One comfycord per DATA_DIR. The lock is SQLite's exclusive lock on an empty file,
 * held by an open transaction for the life of the process.
 *
 * Why this and not a pid file: SQLite locks with fcntl() byte-range locks, which the
 * kernel drops the moment the holding process dies, however it dies (SIGKILL, OOM,
 * crash). So a lock left behind cannot exist, and there is no pid to check for
 * liveness or reuse. Node has no flock(); this is the same guarantee through the
 * SQLite we already ship. The pid file beside it only names the holder in the
 * refusal message. (Like every fcntl lock, it is only as good as the file system's:
 * local disks are fine, some network file systems do not honour it.)
 *
 * Never open or close LOCK_FILE with node:fs in this process: closing any descriptor
 * of a file drops every fcntl lock the process holds on it.
 */
export class InstanceLock {
  readonly dataDir: string;
  readonly holder: LockHolder;
  #db: DatabaseSync | null;

  /** Takes the lock or throws InstanceLockedError at once (no waiting). Creates DATA_DIR if needed. */
  static acquire(dataDir: string, now: () => number = Date.now): InstanceLock {
    const { DatabaseSync } = sqlite();
    const lockPath = join(dataDir, LOCK_FILE);
    let db: DatabaseSync;
    try {
      mkdirSync(dataDir, { recursive: true });
      db = new DatabaseSync(lockPath);
    } catch (error) {
      throw new StoreOpenError(lockPath, error);
    }
    try {
      db.exec('PRAGMA busy_timeout = 0');
      // Nothing is ever written, so no journal file is needed beside it. (Setting this
      // already needs a shared lock, so a held lock can show up here as SQLITE_BUSY.)
      db.exec('PRAGMA journal_mode = MEMORY');
      db.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      db.close();
      if (!isBusy(error)) throw new StoreOpenError(lockPath, error);
      throw new InstanceLockedError(resolve(dataDir), readHolder(dataDir));
    }
    const holder: LockHolder = { pid: process.pid, startedAt: new Date(now()).toISOString(), host: hostname() };
    const lock = new InstanceLock(dataDir, holder, db);
    try {
      writeHolder(dataDir, holder);
    } catch (error) {
      lock.release();
      throw new StoreOpenError(join(dataDir, HOLDER_FILE), error);
    }
    return lock;
  }

  private constructor(dataDir: string, holder: LockHolder, db: DatabaseSync) {
    this.dataDir = dataDir;
    this.holder = holder;
    this.#db = db;
  }

  get held(): boolean {
    return this.#db !== null;
  }

  /** Frees DATA_DIR for the next process. Safe to call twice. */
  release(): void {
    const db = this.#db;
    if (db === null) return;
    this.#db = null;
    // The holder file goes first, while the lock still keeps others out.
    const current = readHolder(this.dataDir);
    if (current?.pid === this.holder.pid && current.startedAt === this.holder.startedAt) rmSync(join(this.dataDir, HOLDER_FILE), { force: true });
    try {
      db.exec('ROLLBACK');
    } finally {
      db.close();
    }
  }
}

function isBusy(error: unknown): boolean {
  // SQLITE_BUSY (5): another connection, in this or another process, holds the lock.
  return (error as { errcode?: unknown }).errcode === 5;
}

function writeHolder(dataDir: string, holder: LockHolder): void {
  const path = join(dataDir, HOLDER_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(holder)}\n`);
  renameSync(temporary, path);
}

/** The holder the pid file names, or null when it is missing or unreadable (the message then says so). */
export function readHolder(dataDir: string): LockHolder | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dataDir, HOLDER_FILE), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { pid, startedAt, host } = parsed as Record<string, unknown>;
    if (typeof pid !== 'number' || typeof startedAt !== 'string') return null;
    return { pid, startedAt, host: typeof host === 'string' ? host : '' };
  } catch {
    return null;
  }
}

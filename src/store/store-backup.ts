import { existsSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { databasePath } from './open-database.ts';
import { sqlite } from './sqlite.ts';
import { StoreBackupError } from './store-errors.ts';
import { readDatabaseStoreId } from './store-identity.ts';

export interface BackupReport {
  path: string;
  storeId: string | null;
  jobs: number;
  bytes: number;
}

/** Pages per backup step: all of them at once (see backupStore). */
const ALL_PAGES = 2_147_483_647;

/**
 * `comfycord backup FILE`: a consistent copy of DATA_DIR's database, while the bot runs.
 *
 * Through SQLite's online backup API from a read-only connection, in one step: the copy
 * is one read transaction, i.e. one snapshot, and in WAL mode a reader never blocks the
 * bot's writes nor is restarted by them (copying step by step would restart at each
 * of the bot's commits). A file copy of comfycord.db instead misses whatever is still
 * in the WAL, and can catch a checkpoint half written.
 *
 * The copy is written beside FILE under a temporary name, switched to rollback-journal
 * mode (one self-contained file: no -wal to carry along, and a restore is told from a
 * lost WAL by that mode, see data-dir-store.ts), checked (quick_check), then renamed
 * over FILE. It carries the store id, so restoring it into this DATA_DIR is accepted.
 */
export async function backupStore(dataDir: string, target: string): Promise<BackupReport> {
  const source = databasePath(dataDir);
  if (!existsSync(source)) throw new StoreBackupError(`there is no database to back up: ${resolve(source)} does not exist (check DATA_DIR)`);
  const path = resolve(target);
  if (!existsSync(dirname(path))) throw new StoreBackupError(`the folder ${dirname(path)} does not exist`);
  const sourceReal = realpathSync(source);
  const targetReal = existsSync(path) ? realpathSync(path) : join(realpathSync(dirname(path)), basename(path));
  if ([sourceReal, `${sourceReal}-wal`, `${sourceReal}-shm`].includes(targetReal)) {
    throw new StoreBackupError(`${path} is the live database itself; write the backup somewhere else`);
  }
  const { DatabaseSync, backup } = sqlite();
  const partial = `${path}.partial-${process.pid}`;
  const removePartial = () => {
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  };
  try {
    const from = new DatabaseSync(source, { readOnly: true });
    try {
      from.exec('PRAGMA busy_timeout = 5000');
      await backup(from, partial, { rate: ALL_PAGES });
    } finally {
      from.close();
    }
    const copy = new DatabaseSync(partial);
    let storeId: string | null;
    let jobs: number;
    try {
      copy.exec('PRAGMA journal_mode = DELETE');
      const check = copy.prepare('PRAGMA quick_check').all().map((row) => String(row['quick_check']));
      if (check.join() !== 'ok') throw new StoreBackupError(`the copy failed its integrity check: ${check.slice(0, 3).join('; ')}`);
      storeId = readDatabaseStoreId(copy);
      const hasJobs = copy.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'").get() !== undefined;
      jobs = hasJobs ? Number(copy.prepare('SELECT count(*) AS n FROM jobs').get()?.['n'] ?? 0) : 0;
    } finally {
      copy.close();
    }
    renameSync(partial, path);
    return { path, storeId, jobs, bytes: statSync(path).size };
  } catch (error) {
    removePartial();
    if (error instanceof StoreBackupError) throw error;
    throw new StoreBackupError(`backup to ${path} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

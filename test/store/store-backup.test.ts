import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDataDirStore } from '../../src/store/data-dir-store.ts';
import { StoreBackupError, StoreIdentityError } from '../../src/store/store-errors.ts';
import { backupStore } from '../../src/store/store-backup.ts';
import { rawDatabase, startWriter, useTempDir } from './store-fixtures.ts';

/** `comfycord backup`'s engine: a consistent copy while another process writes, that this DATA_DIR takes back. */

const tempDir = useTempDir();

function removeDatabase(dir: string): void {
  for (const name of ['comfycord.db', 'comfycord.db-wal', 'comfycord.db-shm']) rmSync(join(dir, name), { force: true });
}

describe('backupStore', () => {
  it('copies a store another process is writing without pause: a sound snapshot with every job saved before it began', async () => {
    const dir = join(tempDir(), 'data');
    openDataDirStore(dir).close();
    const writer = startWriter([dir, 'w', '0', '--data-dir']);
    try {
      await writer.waitFor(() => writer.lines.length > 300, 60_000);
      const savedBefore = new Set(writer.lines.filter((line) => line.startsWith('saved ')).map((line) => line.split(' ')[1]));
      const file = join(tempDir(), 'backup.db');
      const started = performance.now();
      const report = await backupStore(dir, file);
      expect(performance.now() - started).toBeLessThan(10_000);
      const linesAfter = writer.lines.length;
      // The writer never stopped: it went on committing while the copy was made.
      await writer.waitFor(() => writer.lines.length > linesAfter + 30, 30_000);

      const copy = rawDatabase(file);
      expect(copy.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
      expect(copy.prepare('PRAGMA journal_mode').get()?.['journal_mode']).toBe('delete');
      const ids = new Set(copy.prepare('SELECT id FROM jobs').all().map((row) => String(row['id'])));
      copy.close();
      for (const id of savedBefore) expect(ids.has(id!), `job ${id} saved before the backup`).toBe(true);
      expect(report.jobs).toBe(ids.size);
      expect(report.storeId).toMatch(/^[0-9a-f-]{36}$/);
      // One self-contained file, nothing left at a temporary name.
      expect(readdirSync(join(file, '..')).filter((name) => name.startsWith('backup.db'))).toEqual(['backup.db']);
    } finally {
      writer.child.kill('SIGKILL');
      await writer.exited;
    }
  }, 120_000);

  it('restored after a killed run, the backup is accepted with its jobs; a file copy of comfycord.db is not', async () => {
    const dir = join(tempDir(), 'data');
    openDataDirStore(dir).close();
    const writer = startWriter([dir, 'r', '25', '--data-dir', '--hold']);
    const file = join(tempDir(), 'backup.db');
    const fileCopy = join(tempDir(), 'file-copy.db');
    try {
      await writer.waitFor((line) => line === 'held');
      await backupStore(dir, file);
      copyFileSync(join(dir, 'comfycord.db'), fileCopy);
    } finally {
      writer.child.kill('SIGKILL');
      await writer.exited;
    }

    // The WAL of the killed run held the jobs: a copy of the main file alone is not the store.
    removeDatabase(dir);
    copyFileSync(fileCopy, join(dir, 'comfycord.db'));
    let refused: unknown = null;
    try {
      openDataDirStore(dir).close();
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(StoreIdentityError);
    expect((refused as StoreIdentityError).problem).toBe('wal-missing');

    removeDatabase(dir);
    copyFileSync(file, join(dir, 'comfycord.db'));
    const store = openDataDirStore(dir);
    expect(store.recentFor('r', 100)).toHaveLength(25);
    store.close();
  }, 30_000);

  it('refuses to write over the live database, and says when there is nothing to back up', async () => {
    const dir = join(tempDir(), 'data');
    await expect(backupStore(dir, join(tempDir(), 'b.db'))).rejects.toThrow(/no database to back up/);
    openDataDirStore(dir).close();
    const before = readFileSync(join(dir, 'comfycord.db'));
    for (const target of ['comfycord.db', 'comfycord.db-wal']) {
      await expect(backupStore(dir, join(dir, target))).rejects.toThrow(StoreBackupError);
    }
    expect(readFileSync(join(dir, 'comfycord.db')).equals(before)).toBe(true);
    expect(existsSync(join(dir, 'comfycord.db-wal'))).toBe(false);
  });
});

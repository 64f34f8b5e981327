import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDataDirStore } from '../../src/store/data-dir-store.ts';
import { SqliteJobStore } from '../../src/store/sqlite-job-store.ts';
import { StoreIdentityError, type StoreProblem } from '../../src/store/store-errors.ts';
import { OPEN_MARKER_FILE, readStoreIdFile, STORE_ID_FILE } from '../../src/store/store-identity.ts';
import { bareJob, rawDatabase, startWriter, useTempDir } from './store-fixtures.ts';

/** DATA_DIR's identity: a start on a folder whose database is not (all of) its store refuses, through real SQLite files. */

const tempDir = useTempDir();

function dataDirWithJobs(count: number): { dir: string; storeId: string } {
  const dir = join(tempDir(), 'data');
  const store = openDataDirStore(dir);
  for (let i = 0; i < count; i += 1) store.save(bareJob(`job-${i}`, 1_000 + i));
  const storeId = store.storeId();
  store.close();
  if (storeId === null) throw new Error('no store id');
  return { dir, storeId };
}

function refusal(open: () => unknown): StoreIdentityError {
  try {
    open();
  } catch (error) {
    if (error instanceof StoreIdentityError) return error;
    throw error;
  }
  throw new Error('opened without a refusal');
}

function expectRefused(dir: string, problem: StoreProblem, text: RegExp): StoreIdentityError {
  const error = refusal(() => openDataDirStore(dir));
  expect(error.problem).toBe(problem);
  expect(error.code).toBe('STORE_IDENTITY');
  expect(error.userMessage).toMatch(text);
  return error;
}

/** SIGKILLs a process that opened DATA_DIR as the bot does and wrote `count` jobs: the WAL holds them. */
async function killedWriter(dir: string, count: number): Promise<void> {
  const writer = startWriter([dir, 'k', String(count), '--data-dir', '--hold']);
  try {
    await writer.waitFor((line) => line === 'held');
  } finally {
    writer.child.kill('SIGKILL');
    await writer.exited;
  }
}

describe('a DATA_DIR remembers its store', () => {
  it('a first start records one id in comfycord.store-id and in the database file itself (checkpointed at once)', () => {
    const { dir, storeId } = dataDirWithJobs(0);
    expect(readStoreIdFile(dir)).toEqual({ kind: 'found', storeId });
    // The main file alone, without its WAL, already carries the identity.
    const copy = join(dir, 'main-only.db');
    copyFileSync(join(dir, 'comfycord.db'), copy);
    const raw = rawDatabase(copy);
    expect(raw.prepare('SELECT store_id FROM store_identity').get()?.['store_id']).toBe(storeId);
    raw.close();
    rmSync(copy);
    const again = openDataDirStore(dir);
    expect(again.storeId()).toBe(storeId);
    again.close();
  });

  it('refuses a deleted comfycord.db, creating nothing, and says how to restore', () => {
    const { dir, storeId } = dataDirWithJobs(3);
    rmSync(join(dir, 'comfycord.db'));
    const error = expectRefused(dir, 'missing', /comfycord\.db is missing/);
    expect(error.userMessage).toContain(storeId);
    expect(error.userMessage).toContain("comfycord backup FILE");
    expect(error.userMessage).toContain('--new-store');
    expect(error.userMessage).toContain('ALLOW_NEW_STORE=1');
    expect(existsSync(join(dir, 'comfycord.db'))).toBe(false);
  });

  it('refuses an emptied comfycord.db and leaves it at 0 bytes', () => {
    const { dir } = dataDirWithJobs(3);
    writeFileSync(join(dir, 'comfycord.db'), '');
    expectRefused(dir, 'empty', /is empty \(0 bytes\)/);
    expect(statSync(join(dir, 'comfycord.db')).size).toBe(0);
  });

  it('refuses a new database put in its place (schema, no identity)', () => {
    const { dir } = dataDirWithJobs(3);
    rmSync(join(dir, 'comfycord.db'));
    SqliteJobStore.open(join(dir, 'comfycord.db')).close();
    expectRefused(dir, 'new', /is a new database without that store's identity/);
  });

  it("refuses another folder's database copied over it", () => {
    const { dir } = dataDirWithJobs(3);
    const other = dataDirWithJobs(1);
    copyFileSync(join(other.dir, 'comfycord.db'), join(dir, 'comfycord.db'));
    const error = expectRefused(dir, 'different', /is another store/);
    expect(error.userMessage).toContain(other.storeId);
  });

  it('refuses a file that is not a database, even with --new-store', () => {
    const { dir } = dataDirWithJobs(1);
    writeFileSync(join(dir, 'comfycord.db'), Buffer.alloc(8192, 0x5a));
    expectRefused(dir, 'damaged', /not a readable SQLite database/);
    expect(refusal(() => openDataDirStore(dir, { allowNewStore: true })).problem).toBe('damaged');
  });

  it('with --new-store starts anyway: a missing database becomes a new store, a different one is adopted', () => {
    const { dir, storeId } = dataDirWithJobs(2);
    rmSync(join(dir, 'comfycord.db'));
    const fresh = openDataDirStore(dir, { allowNewStore: true });
    const freshId = fresh.storeId();
    expect(freshId).not.toBeNull();
    expect(freshId).not.toBe(storeId);
    expect(fresh.get('job-0')).toBeUndefined();
    fresh.close();
    expect(readStoreIdFile(dir)).toEqual({ kind: 'found', storeId: freshId });

    const other = dataDirWithJobs(1);
    copyFileSync(join(other.dir, 'comfycord.db'), join(dir, 'comfycord.db'));
    const adopted = openDataDirStore(dir, { allowNewStore: true });
    expect(adopted.get('job-0')).toBeDefined();
    adopted.close();
    expect(readStoreIdFile(dir)).toEqual({ kind: 'found', storeId: other.storeId });
    // From then on it is this folder's store: a plain start accepts it.
    openDataDirStore(dir).close();
  });

  it('a database from before store ids keeps its jobs and gets an id; a lost id file is written again from the database', () => {
    const dir = join(tempDir(), 'data');
    const legacy = SqliteJobStore.open(join(dir, 'comfycord.db'));
    legacy.save(bareJob('old-job', 1));
    legacy.close();
    const store = openDataDirStore(dir);
    const storeId = store.storeId();
    expect(store.get('old-job')).toBeDefined();
    store.close();
    expect(readStoreIdFile(dir)).toEqual({ kind: 'found', storeId });

    rmSync(join(dir, STORE_ID_FILE));
    openDataDirStore(dir).close();
    expect(readStoreIdFile(dir)).toEqual({ kind: 'found', storeId });
  });

  it('an unreadable id file is refused, not overwritten', () => {
    const { dir } = dataDirWithJobs(1);
    writeFileSync(join(dir, STORE_ID_FILE), 'not json');
    expectRefused(dir, 'id-file-unreadable', /comfycord\.store-id cannot be read/);
    expect(readFileSync(join(dir, STORE_ID_FILE), 'utf8')).toBe('not json');
  });
});

describe('after a killed run the WAL must be there and sound', () => {
  it('a killed run restarts with every job: its WAL is replayed', async () => {
    const { dir } = dataDirWithJobs(0);
    await killedWriter(dir, 20);
    expect(existsSync(join(dir, OPEN_MARKER_FILE))).toBe(true);
    expect(statSync(join(dir, 'comfycord.db-wal')).size).toBeGreaterThan(0);
    const store = openDataDirStore(dir);
    expect(store.recentFor('k', 100)).toHaveLength(20);
    store.close();
  }, 20_000);

  it('refuses a start after a kill when comfycord.db-wal was deleted', async () => {
    const { dir } = dataDirWithJobs(0);
    await killedWriter(dir, 20);
    rmSync(join(dir, 'comfycord.db-wal'));
    expectRefused(dir, 'wal-missing', /comfycord\.db-wal is missing/);
    expect(existsSync(join(dir, 'comfycord.db-wal'))).toBe(false);
  }, 20_000);

  it('refuses a start after a kill when comfycord.db-wal was overwritten', async () => {
    const { dir } = dataDirWithJobs(0);
    await killedWriter(dir, 20);
    const wal = join(dir, 'comfycord.db-wal');
    const size = statSync(wal).size;
    writeFileSync(wal, Buffer.alloc(size, 0xa5));
    expectRefused(dir, 'wal-damaged', /comfycord\.db-wal is damaged/);
    expect(readFileSync(wal).equals(Buffer.alloc(size, 0xa5))).toBe(true);
  }, 20_000);

  it('a graceful close folds the WAL in and clears the marker, so the file alone is the whole store', () => {
    const { dir } = dataDirWithJobs(5);
    expect(existsSync(join(dir, OPEN_MARKER_FILE))).toBe(false);
    expect(existsSync(join(dir, 'comfycord.db-wal'))).toBe(false);
    const raw = rawDatabase(join(dir, 'comfycord.db'));
    expect(raw.prepare('SELECT count(*) AS n FROM jobs').get()?.['n']).toBe(5);
    raw.close();
  });
});

describe('checkpoints', () => {
  it('a checkpoint puts every commit into comfycord.db and empties the WAL', () => {
    const dir = join(tempDir(), 'data');
    const store = openDataDirStore(dir);
    for (let i = 0; i < 50; i += 1) store.save(bareJob(`job-${i}`, i));
    expect(statSync(join(dir, 'comfycord.db-wal')).size).toBeGreaterThan(0);
    const result = store.checkpoint();
    expect(result.busy).toBe(false);
    expect(statSync(join(dir, 'comfycord.db-wal')).size).toBe(0);
    // What a file copy of comfycord.db alone (no WAL) would hold: all 50.
    const copy = join(tempDir(), 'copy.db');
    copyFileSync(join(dir, 'comfycord.db'), copy);
    const raw = rawDatabase(copy);
    expect(raw.prepare('SELECT count(*) AS n FROM jobs').get()?.['n']).toBe(50);
    raw.close();
    store.close();
  });

  it('the periodic kind never waits for a reader: it reports busy at once and finishes next time', () => {
    const dir = join(tempDir(), 'data');
    const store = openDataDirStore(dir);
    store.save(bareJob('job-a', 1));
    const reader = rawDatabase(join(dir, 'comfycord.db'));
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM jobs').get();
    store.save(bareJob('job-b', 2));
    const started = performance.now();
    expect(store.checkpoint({ waitForReaders: false }).busy).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
    reader.exec('COMMIT');
    reader.close();
    expect(store.checkpoint({ waitForReaders: false }).busy).toBe(false);
    // The normal busy timeout is back: a write waits for another writer again.
    store.save(bareJob('job-c', 3));
    store.close();
  });
});

import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync } from './sqlite.ts';

/**
 * A DATA_DIR's identity: a store id kept twice, in `comfycord.store-id` beside the
 * database and in its `store_identity` row. The file outlives whatever happens to the
 * database file (deleted, emptied, replaced, its WAL lost), so a start can tell "this
 * folder had a store and the database I am about to open is not it" from "first start".
 */
export const STORE_ID_FILE = 'comfycord.store-id';

/**
 * Present while a bot has the store open, removed once a graceful stop has folded the
 * WAL into the database. Found at start, it says the last run was killed: its latest
 * commits may exist only in `comfycord.db-wal`, so that file must be there and sound.
 */
export const OPEN_MARKER_FILE = 'comfycord.open';

const STORE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type StoreIdFile = { kind: 'missing' } | { kind: 'found'; storeId: string } | { kind: 'unreadable'; detail: string };

export function readStoreIdFile(dataDir: string): StoreIdFile {
  const path = join(dataDir, STORE_ID_FILE);
  if (!existsSync(path)) return { kind: 'missing' };
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    const storeId = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['storeId'] : undefined;
    if (typeof storeId === 'string' && STORE_ID.test(storeId)) return { kind: 'found', storeId };
    return { kind: 'unreadable', detail: 'it holds no store id' };
  } catch (error) {
    return { kind: 'unreadable', detail: error instanceof Error ? error.message : String(error) };
  }
}

/** Written to a temporary name and renamed, so a crash leaves the old file or the new one. */
export function writeStoreIdFile(dataDir: string, storeId: string, createdAt: number): void {
  writeSmallFile(
    join(dataDir, STORE_ID_FILE),
    `${JSON.stringify({
      storeId,
      createdAt: new Date(createdAt).toISOString(),
      note: 'comfycord.db in this folder must carry this id. Do not edit; see README, Persistence.',
    })}\n`,
  );
}

export function writeOpenMarker(dataDir: string, at: number): void {
  writeSmallFile(join(dataDir, OPEN_MARKER_FILE), `${JSON.stringify({ pid: process.pid, openedAt: new Date(at).toISOString() })}\n`);
}

export function removeOpenMarker(dataDir: string): void {
  rmSync(join(dataDir, OPEN_MARKER_FILE), { force: true });
}

export function openMarkerExists(dataDir: string): boolean {
  return existsSync(join(dataDir, OPEN_MARKER_FILE));
}

/** The id in the database's `store_identity` row; null when the row (or, before migration 3, the table) is missing. */
export function readDatabaseStoreId(db: DatabaseSync): string | null {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_identity'").get();
  if (table === undefined) return null;
  const value = db.prepare('SELECT store_id FROM store_identity WHERE only = 1').get()?.['store_id'];
  return typeof value === 'string' ? value : null;
}

export function writeDatabaseStoreId(db: DatabaseSync, storeId: string, createdAt: number): void {
  db.prepare('INSERT INTO store_identity (only, store_id, created_at) VALUES (1, ?, ?)').run(storeId, createdAt);
}

function writeSmallFile(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

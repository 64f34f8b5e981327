import { createRequire } from 'node:module';
import type * as NodeSqlite from 'node:sqlite';
import { SqliteUnavailableError } from './store-errors.ts';

/**
 * The SQLite binding: Node's built-in `node:sqlite` (DatabaseSync).
 *
 * Why this one and not better-sqlite3 / sqlite3:
 * - Nothing to compile or download. better-sqlite3 is a native addon: its prebuilt
 *   binaries are fetched from GitHub at install time (CI cannot reach it), and the
 *   fallback build here compiles against Node 20 headers while we run Node 24.
 * - Synchronous, like better-sqlite3: `save()` returns only after the row is committed,
 *   so a state change is durable before the scheduler moves on. The async `sqlite3`
 *   package would let the scheduler race ahead of its own writes.
 * - Real SQLite (WAL, STRICT tables, partial indexes), bundled with Node.
 *
 * Node versions: unflagged from 22.13 (22.12 and 23.0–23.3 need `--experimental-sqlite`).
 * 22.13+ and early 24.x print "ExperimentalWarning: SQLite is an experimental feature"
 * on first load; 24.21 prints nothing. We only use APIs present since 22.5 (no
 * `timeout` option, no `isTransaction`, no SQL tag store: those are 24-only).
 */
export type DatabaseSync = NodeSqlite.DatabaseSync;
export type StatementSync = NodeSqlite.StatementSync;
export type SqlValue = NodeSqlite.SQLInputValue;
export type SqlRow = Record<string, NodeSqlite.SQLOutputValue>;
type SqliteModule = typeof NodeSqlite;

const require = createRequire(import.meta.url);
let loaded: SqliteModule | undefined;

/**
 * Loads `node:sqlite` once. The module is required synchronously (not a static import)
 * so that, for the moment of loading, `process.emitWarning` can drop exactly one
 * warning: Node's SQLite ExperimentalWarning. Every other warning passes through, and
 * the original function is back before this returns. (`process.on('warning')` cannot
 * filter: listeners run after Node's default printer is already scheduled.)
 */
export function sqlite(load: () => unknown = () => require('node:sqlite')): SqliteModule {
  if (loaded) return loaded;
  // Called through Reflect.apply with process as `this`, and put back as it was.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = process.emitWarning;
  process.emitWarning = function emitWarningExceptSqlite(this: unknown, warning: string | Error, ...rest: unknown[]): void {
    if (isSqliteExperimentalWarning(warning, rest[0])) return;
    Reflect.apply(original, process, [warning, ...rest]);
  };
  try {
    loaded = load() as SqliteModule;
    return loaded;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_UNKNOWN_BUILTIN_MODULE') throw new SqliteUnavailableError(process.version, error);
    throw error;
  } finally {
    process.emitWarning = original;
  }
}

/** Test seam: forget the loaded module so `sqlite(load)` runs `load` again. */
export function forgetLoadedSqlite(): void {
  loaded = undefined;
}

function isSqliteExperimentalWarning(warning: string | Error, typeOrOptions: unknown): boolean {
  const type =
    typeof typeOrOptions === 'string'
      ? typeOrOptions
      : typeof typeOrOptions === 'object' && typeOrOptions !== null
        ? (typeOrOptions as { type?: unknown }).type
        : undefined;
  const name = typeof warning === 'string' ? type : warning.name;
  const message = typeof warning === 'string' ? warning : warning.message;
  return name === 'ExperimentalWarning' && message.startsWith('SQLite is an experimental feature');
}

/**
 * Runs `work` in one write transaction. IMMEDIATE takes the write lock up front, so a
 * second process waits (busy_timeout) at BEGIN instead of failing half way through.
 */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    try {
      db.exec('ROLLBACK');
    } catch {
      // SQLite already rolled back on its own (e.g. disk full); the first error is the one to report.
    }
    throw error;
  }
}

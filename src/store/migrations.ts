import { inTransaction, type DatabaseSync } from './sqlite.ts';
import { MigrationFailedError, SchemaTooNewError } from './store-errors.ts';

/**
 * The schema, as an ordered list of steps. A step is never edited once released: a
 * change is a new step with the next version. Each step runs in its own transaction
 * together with the row that records it, so a crash leaves the database either
 * before or after a step, never inside one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs, channel settings, servers',
    // JSON columns hold the Job's nested values (see job-row.ts); STRICT makes SQLite
    // refuse a value of the wrong type instead of storing it silently.
    sql: `
      CREATE TABLE jobs (
        id          TEXT PRIMARY KEY NOT NULL,
        user_id     TEXT NOT NULL,
        user_name   TEXT NOT NULL,
        guild_id    TEXT,
        channel_id  TEXT,
        origin      TEXT NOT NULL,
        template    TEXT NOT NULL,
        options     TEXT NOT NULL,
        inputs      TEXT,
        resolved    TEXT,
        status      TEXT NOT NULL CHECK (status IN ('queued', 'submitted', 'running', 'done', 'failed', 'cancelled')),
        server      TEXT,
        prompt_id   TEXT,
        images      TEXT NOT NULL,
        failure     TEXT,
        reply       TEXT,
        created_at  INTEGER NOT NULL,
        started_at  INTEGER,
        finished_at INTEGER,
        delivered_at INTEGER,
        updated_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX jobs_by_user ON jobs (user_id, created_at DESC, id DESC);
      CREATE INDEX jobs_by_guild ON jobs (guild_id, created_at DESC, id DESC);
      -- Only the few unfinished rows: what a restart reads. The WHERE must match the query's.
      CREATE INDEX jobs_unfinished ON jobs (created_at, id) WHERE status IN ('queued', 'submitted', 'running');
      -- Finished jobs whose final message may not have reached Discord (killed mid-delivery).
      CREATE INDEX jobs_undelivered ON jobs (finished_at, id) WHERE delivered_at IS NULL AND status IN ('done', 'failed', 'cancelled');

      -- One row per setting, so a new setting needs no migration. Channel ids are
      -- unique across Discord; guild_id is kept to list or drop a guild's settings.
      CREATE TABLE channel_settings (
        channel_id TEXT NOT NULL,
        key        TEXT NOT NULL,
        guild_id   TEXT,
        value      TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (channel_id, key)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX channel_settings_by_guild ON channel_settings (guild_id);

      -- A ComfyUI server routes progress to a clientId; keeping it across restarts lets
      -- a restarted bot reattach to prompts it submitted before.
      CREATE TABLE servers (
        url       TEXT PRIMARY KEY NOT NULL,
        client_id TEXT NOT NULL,
        last_seen INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'command registrations',
    // What was last registered with Discord, per application and scope (a guild id or
    // 'global'), so a start re-registers only when the definitions changed.
    sql: `
      CREATE TABLE command_registrations (
        scope         TEXT PRIMARY KEY NOT NULL,
        hash          TEXT NOT NULL,
        registered_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'store identity',
    // The store id, also kept in DATA_DIR/comfycord.store-id (see store-identity.ts): a
    // start that finds the two disagreeing, or this row missing, knows the database
    // it opened is not the one this folder had. One row at most.
    sql: `
      CREATE TABLE store_identity (
        only       INTEGER PRIMARY KEY NOT NULL CHECK (only = 1),
        store_id   TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'job text outputs',
    // A result's text outputs (a caption) as JSON; null for a job that has none,
    // which is every job written before output kinds were read.
    sql: 'ALTER TABLE jobs ADD COLUMN texts TEXT;',
  },
];

export interface MigrationReport {
  /** Schema version found before migrating (0 for a new file). */
  from: number;
  to: number;
  applied: number[];
}

export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.at(-1)?.version ?? 0;
}

/** Brings the database up to the newest version this code knows; refuses a newer one. */
export function applyMigrations(
  db: DatabaseSync,
  path: string,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => number = Date.now,
): MigrationReport {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`migration '${migration.name}' has version ${migration.version}, expected ${index + 1}`);
  });
  const known = latestVersion(migrations);
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
  const current = db.prepare('SELECT coalesce(max(version), 0) AS version FROM schema_migrations');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const readVersion = (): number => Number(current.get()?.['version'] ?? 0);

  const from = readVersion();
  if (from > known) throw new SchemaTooNewError(path, from, known);
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    try {
      inTransaction(db, () => {
        // Another process may have applied this step while we waited for the lock.
        const found = readVersion();
        if (found > known) throw new SchemaTooNewError(path, found, known);
        if (found >= migration.version) return;
        db.exec(migration.sql);
        record.run(migration.version, migration.name, now());
        applied.push(migration.version);
      });
    } catch (error) {
      if (error instanceof SchemaTooNewError) throw error;
      throw new MigrationFailedError(path, migration.version, migration.name, error);
    }
  }
  return { from, to: readVersion(), applied };
}

import type { Job } from '../jobs/job.ts';
import type { JobStore } from '../jobs/job-store.ts';
import { FINISHED_STATUSES, UNFINISHED_STATUSES } from '../jobs/job-state.ts';
import type { RunTime } from '../jobs/run-times.ts';
import { silentLogger, type Logger } from '../log.ts';
import { ChannelSettingsStore } from './channel-settings.ts';
import { CorruptJobRowError, JOB_COLUMNS, jobToRow, rowToJob } from './job-row.ts';
import { openDatabase, type OpenDatabaseOptions } from './open-database.ts';
import { ServerIdentities } from './server-identities.ts';
import { CommandRegistrations } from './command-registrations.ts';
import { readDatabaseStoreId, writeDatabaseStoreId } from './store-identity.ts';
import { inTransaction, type DatabaseSync, type SqlRow, type StatementSync } from './sqlite.ts';
import { DiskFullError, isDiskFull } from '../disk-full.ts';

export interface SqliteJobStoreOptions extends OpenDatabaseOptions {
  /** Called by `close()` once the WAL is folded into the database file, before the file is closed. */
  onCleanClose?: () => void;
}

/** What `PRAGMA wal_checkpoint` reports: `busy` when a reader kept it from finishing. */
export interface CheckpointResult {
  busy: boolean;
  /** Frames in the WAL before, and how many of them are now in the database file. */
  walFrames: number;
  checkpointedFrames: number;
}

const SELECT_JOB = `SELECT ${JOB_COLUMNS.join(', ')} FROM jobs`;
/** The core's status lists as SQL: the same text as the partial indexes' WHERE (migrations.ts), so SQLite uses them. */
export const sqlStatusList = (statuses: readonly string[]): string => statuses.map((status) => `'${status}'`).join(', ');
const UNFINISHED = sqlStatusList(UNFINISHED_STATUSES);
const FINISHED = sqlStatusList(FINISHED_STATUSES);

/**
 * The durable JobStore: one SQLite file (see open-database.ts for its settings). Each
 * call is synchronous and committed when it returns, so the scheduler's `save` on
 * every state change is on disk before it moves on.
 *
 * Jobs read back are fresh objects (MemoryJobStore hands back the saved object itself);
 * a row that cannot be read is logged once and left out, never thrown.
 */
export class SqliteJobStore implements JobStore {
  readonly path: string;
  /** 'wal' normally; see OpenedDatabase. */
  readonly journalMode: string;
  readonly channelSettings: ChannelSettingsStore;
  readonly servers: ServerIdentities;
  readonly commandRegistrations: CommandRegistrations;
  readonly #db: DatabaseSync;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #reportedCorrupt = new Set<string>();
  readonly #upsert: StatementSync;
  readonly #selectById: StatementSync;
  readonly #selectByUser: StatementSync;
  readonly #selectByGuild: StatementSync;
  readonly #selectByUserIn: StatementSync;
  readonly #selectUnfinished: StatementSync;
  readonly #selectUndelivered: StatementSync;
  readonly #updateImages: StatementSync;
  readonly #busyTimeoutMs: number;
  readonly #onCleanClose: (() => void) | undefined;
  readonly #selectInputsInUse: StatementSync;
  readonly #selectRunTimes: StatementSync;

  /** Opens or creates the file (and its folder), and brings its schema up to date. */
  static open(path: string, options: SqliteJobStoreOptions = {}): SqliteJobStore {
    const { db, journalMode } = openDatabase(path, options);
    return new SqliteJobStore(db, path, journalMode, options);
  }

  private constructor(db: DatabaseSync, path: string, journalMode: string, options: SqliteJobStoreOptions) {
    this.#db = db;
    this.path = path;
    this.journalMode = journalMode;
    this.#logger = options.logger ?? silentLogger();
    this.#now = options.now ?? Date.now;
    this.#busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
    this.#onCleanClose = options.onCleanClose;
    this.channelSettings = new ChannelSettingsStore(db, this.#logger, this.#now);
    this.servers = new ServerIdentities(db, this.#now);
    this.commandRegistrations = new CommandRegistrations(db, this.#now);

    const updates = JOB_COLUMNS.filter((column) => column !== 'id' && column !== 'created_at').map((column) => `${column} = excluded.${column}`);
    this.#upsert = db.prepare(
      `INSERT INTO jobs (${JOB_COLUMNS.join(', ')}) VALUES (${JOB_COLUMNS.map((column) => `:${column}`).join(', ')})
       ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')}`,
    );
    this.#selectById = db.prepare(`${SELECT_JOB} WHERE id = ?`);
    this.#selectByUser = db.prepare(`${SELECT_JOB} WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`);
    this.#selectByGuild = db.prepare(`${SELECT_JOB} WHERE guild_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`);
    // `IS` matches a NULL guild (the DM) as well as an id; jobs_by_user narrows it to one user's rows first.
    this.#selectByUserIn = db.prepare(`${SELECT_JOB} WHERE user_id = ? AND guild_id IS ? ORDER BY created_at DESC, id DESC LIMIT ?`);
    // Same condition as the partial index jobs_unfinished, so SQLite can use it.
    this.#selectUnfinished = db.prepare(`${SELECT_JOB} WHERE status IN (${UNFINISHED}) ORDER BY created_at, id`);
    // Same condition as the partial index jobs_undelivered.
    this.#selectUndelivered = db.prepare(
      `${SELECT_JOB} WHERE delivered_at IS NULL AND status IN (${FINISHED}) ORDER BY finished_at, id`,
    );
    this.#updateImages = db.prepare('UPDATE jobs SET images = ?, updated_at = ? WHERE id = ?');
    // Read once at start (RunTimes' seed): a bounded scan, newest first, reversed in recentRunTimes.
    this.#selectRunTimes = db.prepare(
      `SELECT template, finished_at - started_at AS ms FROM jobs WHERE status = 'done' AND started_at IS NOT NULL AND finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT ?`,
    );
    this.#selectInputsInUse = db.prepare(
      `SELECT inputs FROM jobs WHERE inputs IS NOT NULL AND (status IN (${UNFINISHED}) OR finished_at IS NULL OR finished_at >= ?)`,
    );
  }

  save(job: Job): void {
    try {
      this.#upsert.run(jobToRow(job, this.#now()));
    } catch (error) {
      // SQLITE_FULL: the user is told the disk is full, the log names the database file.
      if (isDiskFull(error)) throw new DiskFullError(this.path, error);
      throw error;
    }
  }

  get(id: string): Job | undefined {
    const row = this.#selectById.get(id);
    return row === undefined ? undefined : this.#readRow(row);
  }

  recentFor(userId: string, limit: number): Job[] {
    return this.#readRows(this.#selectByUser.all(userId, limit));
  }

  /** A guild's most recent jobs, newest first (for admins). */
  recentInGuild(guildId: string, limit: number): Job[] {
    return this.#readRows(this.#selectByGuild.all(guildId, limit));
  }

  recentForIn(userId: string, guildId: string | null, limit: number): Job[] {
    return this.#readRows(this.#selectByUserIn.all(userId, guildId, limit));
  }

  recentRunTimes(limit: number): RunTime[] {
    return this.#selectRunTimes
      .all(limit)
      .flatMap((row) => (typeof row['template'] === 'string' && typeof row['ms'] === 'number' ? [{ template: row['template'], ms: row['ms'] }] : []))
      .reverse();
  }

  unfinished(): Job[] {
    return this.#readRows(this.#selectUnfinished.all());
  }

  undelivered(): Job[] {
    return this.#readRows(this.#selectUndelivered.all());
  }

  /**
   * Records where each image was delivered: `urls[i]` for `images[i]`, a null or missing
   * entry leaves that image as it was. Only the images column is written, so this does
   * not undo a status change saved in between. Returns the updated job.
   */
  markDelivered(jobId: string, urls: ReadonlyArray<string | null>): Job | undefined {
    return inTransaction(this.#db, () => {
      const job = this.get(jobId);
      if (!job) return undefined;
      if (urls.length > job.images.length) {
        throw new RangeError(`markDelivered: ${urls.length} urls for job ${jobId} with ${job.images.length} images`);
      }
      job.images = job.images.map((image, index) => ({ ...image, deliveredUrl: urls[index] ?? image.deliveredUrl }));
      this.#updateImages.run(JSON.stringify(job.images), this.#now(), jobId);
      return job;
    });
  }

  /** This database's store id (see store-identity.ts), null before one is given. */
  storeId(): string | null {
    return readDatabaseStoreId(this.#db);
  }

  /** Gives a database without one its store id; throws if it already has one. */
  assignStoreId(storeId: string): void {
    writeDatabaseStoreId(this.#db, storeId, this.#now());
  }

  /**
   * Copies every commit from the WAL into the database file and empties the WAL
   * (TRUNCATE), so the file alone holds the whole state. With `waitForReaders: false`
   * (the periodic one, on the event loop) it never waits for another process's
   * reader: what it cannot finish is reported `busy` and done next time.
   */
  checkpoint(options: { waitForReaders?: boolean } = {}): CheckpointResult {
    const wait = options.waitForReaders ?? true;
    if (!wait) this.#db.exec('PRAGMA busy_timeout = 0');
    try {
      const row = this.#db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() ?? {};
      return { busy: row['busy'] === 1, walFrames: Number(row['log'] ?? 0), checkpointedFrames: Number(row['checkpointed'] ?? 0) };
    } finally {
      if (!wait) this.#db.exec(`PRAGMA busy_timeout = ${this.#busyTimeoutMs}`);
    }
  }

  /**
   * Throws (SQLite's own error) when the database cannot take a write now: closed,
   * read-only, its file gone, locked by another process, or full. It takes the write
   * lock without waiting and inserts a row, then rolls back, so nothing is left behind.
   */
  checkWritable(): void {
    this.#db.exec('PRAGMA busy_timeout = 0');
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        this.#db.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (-1, 'write check', 0)");
      } finally {
        try {
          this.#db.exec('ROLLBACK');
        } catch {
          // SQLite already rolled back by itself (a full disk does that).
        }
      }
    } finally {
      this.#db.exec(`PRAGMA busy_timeout = ${this.#busyTimeoutMs}`);
    }
  }

  /**
   * Paths of kept input files that unfinished jobs, or jobs finished at or after
   * `finishedSince`, refer to (a Reroll refers to its parent's file). One query; only the
   * inputs column is read. A row whose inputs cannot be read keeps nothing alive.
   */
  keptInputsInUse(finishedSince: number): Set<string> {
    const paths = new Set<string>();
    for (const row of this.#selectInputsInUse.all(finishedSince)) {
      let inputs: unknown;
      try {
        inputs = JSON.parse(String(row['inputs']));
      } catch {
        continue;
      }
      if (typeof inputs !== 'object' || inputs === null) continue;
      for (const ref of Object.values(inputs as Record<string, unknown>)) {
        const { kind, path } = (ref ?? {}) as { kind?: unknown; path?: unknown };
        if (kind === 'file' && typeof path === 'string') paths.add(path);
      }
    }
    return paths;
  }

  /**
   * Folds the WAL into the file (TRUNCATE checkpoint) and closes it; the store is
   * unusable afterwards. `onCleanClose` runs only when the checkpoint finished, so a
   * stop that could not fold the WAL in still counts as unclean at the next start.
   */
  close(): void {
    try {
      this.#db.exec('PRAGMA optimize');
      const { busy } = this.checkpoint();
      if (!busy) this.#onCleanClose?.();
    } finally {
      this.#db.close();
    }
  }

  #readRows(rows: SqlRow[]): Job[] {
    return rows.flatMap((row) => this.#readRow(row) ?? []);
  }

  #readRow(row: SqlRow): Job | undefined {
    try {
      return rowToJob(row);
    } catch (error) {
      if (!(error instanceof CorruptJobRowError)) throw error;
      const key = `${error.jobId}:${error.column}`;
      if (!this.#reportedCorrupt.has(key)) {
        this.#reportedCorrupt.add(key);
        this.#logger.error({ path: this.path, jobId: error.jobId, column: error.column, problem: error.problem }, 'job row is damaged; skipped');
      }
      return undefined;
    }
  }
}

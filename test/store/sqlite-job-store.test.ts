import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryJobStore, type JobStore } from '../../src/jobs/job-store.ts';
import type { Job, JobStatus } from '../../src/jobs/job.ts';
import { JOB_STATUSES } from '../../src/store/job-row.ts';
import { databasePath } from '../../src/store/open-database.ts';
import { SqliteJobStore, sqlStatusList } from '../../src/store/sqlite-job-store.ts';
import { FINISHED_STATUSES, UNFINISHED_STATUSES } from '../../src/jobs/job-state.ts';
import { capturedLogger } from '../comfy/helpers.ts';
import { bareJob, fullJob, rawDatabase, useTempDir } from './store-fixtures.ts';

const tempDir = useTempDir();

function openIn(dir: string, options: Parameters<typeof SqliteJobStore.open>[1] = {}): SqliteJobStore {
  return SqliteJobStore.open(databasePath(join(dir, 'data')), options);
}

describe('SqliteJobStore', () => {
  it('creates DATA_DIR and comfycord.db in WAL mode', () => {
    const dir = tempDir();
    const store = openIn(dir);
    expect(store.path).toBe(join(dir, 'data', 'comfycord.db'));
    expect(existsSync(store.path)).toBe(true);
    expect(store.journalMode).toBe('wal');
    store.close();
    const raw = rawDatabase(store.path);
    expect(raw.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    raw.close();
  });

  it('round-trips every field of a job, unicode and emoji included', () => {
    const store = openIn(tempDir());
    const job = fullJob();
    store.save(job);
    const read = store.get(job.id);
    expect(read).toEqual(job);
    expect(read).not.toBe(job);
    store.close();
  });

  it('round-trips a job whose nullable fields are all null and that has no inputs', () => {
    const store = openIn(tempDir());
    const job = bareJob('bare', 5);
    store.save(job);
    const read = store.get('bare')!;
    expect(read).toEqual(job);
    expect('inputs' in read.spec).toBe(false);
    store.close();
  });

  it('keeps a lone surrogate and other awkward text inside option values', () => {
    const store = openIn(tempDir());
    const prompt = `half an emoji \uD83E, a NUL \u0000 and ' quotes "; DROP TABLE jobs; --`;
    store.save(bareJob('odd', 1, { spec: { template: 't', options: { prompt } } }));
    expect(store.get('odd')?.spec.options['prompt']).toBe(prompt);
    store.close();
  });

  it('updates a job in place on every save, keeping one row per id', () => {
    const dir = tempDir();
    const store = openIn(dir);
    const job = bareJob('j', 10);
    store.save(job);
    job.status = 'submitted';
    job.server = 'gpu-2';
    job.promptId = 'p-1';
    job.startedAt = 20;
    store.save(job);
    expect(store.get('j')).toEqual(job);
    store.close();
    const raw = rawDatabase(store.path);
    expect(raw.prepare('SELECT count(*) AS n FROM jobs').get()).toEqual({ n: 1 });
    raw.close();
  });

  it('lists unfinished jobs oldest first, and only those', () => {
    const store = openIn(tempDir());
    const statuses: JobStatus[] = [...JOB_STATUSES];
    // Saved newest first, so the order cannot come from insertion order.
    statuses.forEach((status, index) => store.save(bareJob(`s-${status}`, 1000 - index, { status })));
    store.save(bareJob('tie-b', 500, { status: 'queued' }));
    store.save(bareJob('tie-a', 500, { status: 'queued' }));
    expect(store.unfinished().map((job) => job.id)).toEqual(['tie-a', 'tie-b', 's-running', 's-submitted', 's-queued']);
    store.close();
  });

  it('reads unfinished and undelivered jobs through the partial indexes, with the status lists of the core\'s state machine', () => {
    const dir = tempDir();
    const store = openIn(dir);
    store.close();
    const raw = rawDatabase(store.path);
    const planOf = (sql: string) =>
      raw
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all()
        .map((row) => String(row['detail']))
        .join('\n');
    expect(sqlStatusList(UNFINISHED_STATUSES)).toBe("'queued', 'submitted', 'running'");
    const unfinished = planOf(`SELECT id FROM jobs WHERE status IN (${sqlStatusList(UNFINISHED_STATUSES)}) ORDER BY created_at, id`);
    const undelivered = planOf(`SELECT id FROM jobs WHERE delivered_at IS NULL AND status IN (${sqlStatusList(FINISHED_STATUSES)}) ORDER BY finished_at, id`);
    raw.close();
    expect(unfinished).toContain('jobs_unfinished');
    expect(unfinished).not.toContain('TEMP B-TREE');
    expect(undelivered).toContain('jobs_undelivered');
    expect(undelivered).not.toContain('TEMP B-TREE');
  });

  it('lists a user\'s and a guild\'s recent jobs, newest first, limited', () => {
    const store = openIn(tempDir());
    for (let i = 0; i < 6; i += 1) {
      store.save(bareJob(`a${i}`, 100 + i, { userId: 'alice', guildId: i % 2 === 0 ? 'g1' : 'g2' }));
      store.save(bareJob(`b${i}`, 200 + i, { userId: 'bob', guildId: 'g1' }));
    }
    expect(store.recentFor('alice', 3).map((job) => job.id)).toEqual(['a5', 'a4', 'a3']);
    expect(store.recentFor('nobody', 3)).toEqual([]);
    expect(store.recentInGuild('g1', 4).map((job) => job.id)).toEqual(['b5', 'b4', 'b3', 'b2']);
    expect(store.recentInGuild('g2', 10).map((job) => job.id)).toEqual(['a5', 'a3', 'a1']);
    store.close();
  });

  it('finds the same jobs, settings and client ids after close and reopen (a restart)', () => {
    const dir = tempDir();
    const first = openIn(dir);
    const done = fullJob();
    const waiting = bareJob('waiting', 1, { status: 'submitted', server: 'gpu-1', promptId: 'p-9' });
    first.save(done);
    first.save(waiting);
    first.channelSettings.set('c1', 'g1', { template: 'flux', steps: 20 });
    first.servers.saveClientId('http://127.0.0.1:8188', 'client-abc');
    first.close();

    const second = openIn(dir);
    expect(second.get(done.id)).toEqual(done);
    expect(second.unfinished()).toEqual([waiting]);
    expect(second.channelSettings.get('c1')).toEqual({ template: 'flux', steps: 20 });
    expect(second.servers.getClientId('http://127.0.0.1:8188/')).toBe('client-abc');
    second.close();
  });

  it('records delivered URLs without touching other columns', () => {
    const store = openIn(tempDir());
    const job = fullJob({ status: 'running', finishedAt: null, failure: null });
    job.images = job.images.map((image) => ({ ...image, deliveredUrl: null }));
    store.save(job);
    const updated = store.markDelivered(job.id, [null, 'https://cdn.discordapp.com/attachments/9/9/b.png']);
    expect(updated?.images.map((image) => image.deliveredUrl)).toEqual([null, 'https://cdn.discordapp.com/attachments/9/9/b.png', null]);
    expect(store.get(job.id)).toEqual({ ...job, images: updated!.images });
    expect(store.markDelivered('missing', ['x'])).toBeUndefined();
    expect(() => store.markDelivered(job.id, ['a', 'b', 'c', 'd'])).toThrow(RangeError);
    store.close();
  });

  it('skips a damaged row with one log line that names it and never shows its reply token', () => {
    const dir = tempDir();
    const log = capturedLogger('debug');
    const store = openIn(dir, { logger: log.logger });
    store.save(bareJob('good', 1, { userId: 'alice' }));
    store.save(bareJob('bad-json', 2, { userId: 'alice' }));
    store.save(bareJob('bad-shape', 3, { userId: 'alice' }));
    const raw = rawDatabase(store.path);
    raw.prepare('UPDATE jobs SET reply = ? WHERE id = ?').run('{"token": "tok-SECRET-1", broken', 'bad-json');
    raw.prepare('UPDATE jobs SET images = ?, reply = ? WHERE id = ?').run('[{"source": {"filename": 7}}]', '{"token":"tok-SECRET-2"}', 'bad-shape');
    raw.close();

    expect(store.get('bad-json')).toBeUndefined();
    expect(store.recentFor('alice', 10).map((job) => job.id)).toEqual(['good']);
    expect(store.unfinished().map((job) => job.id)).toEqual(['good']);

    const damaged = log.lines().filter((line) => line['msg'] === 'job row is damaged; skipped');
    expect(damaged.map((line) => [line['jobId'], line['column']])).toEqual([
      ['bad-json', 'reply'],
      ['bad-shape', 'images'],
    ]);
    expect(String(damaged[1]?.['problem'])).toContain('0.source.filename');
    expect(log.text()).not.toContain('SECRET');
    store.close();
  });

  it('refuses a job it could not read back (STRICT columns, known statuses)', () => {
    const store = openIn(tempDir());
    expect(() => store.save(bareJob('x', 1, { status: 'lost' as JobStatus }))).toThrow(/CHECK constraint/);
    expect(() => store.save(bareJob('y', 'soon' as unknown as number))).toThrow(/cannot store TEXT value in INTEGER column/);
    expect(store.get('x')).toBeUndefined();
    store.close();
  });

  it('checkWritable (for /healthz): passes on a usable store, leaves nothing behind, and throws at once while another process holds the write lock or after close', () => {
    const store = openIn(tempDir(), { busyTimeoutMs: 5000 });
    expect(() => store.checkWritable()).not.toThrow();
    const other = rawDatabase(store.path);
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    expect(() => store.checkWritable()).toThrow(/locked/);
    // Without waiting out the store's 5 s busy timeout: a scrape must not hang on it.
    expect(Date.now() - started).toBeLessThan(1000);
    other.exec('ROLLBACK');
    expect(() => store.checkWritable()).not.toThrow();
    expect(other.prepare('SELECT count(*) AS n FROM schema_migrations WHERE version < 0').get()).toEqual({ n: 0 });
    other.close();
    // The store still takes its own writes after the checks.
    store.save(bareJob('after-check', 1));
    expect(store.get('after-check')).toBeDefined();
    store.close();
    expect(() => store.checkWritable()).toThrow(/not open/);
  });
});

describe('MemoryJobStore and SqliteJobStore agree', () => {
  const scenario = (store: JobStore): unknown => {
    const jobs: Job[] = [
      bareJob('m1', 30, { userId: 'u1', guildId: 'g', status: 'running' }),
      bareJob('m2', 10, { userId: 'u2', guildId: 'g', status: 'done', images: fullJob().images }),
      bareJob('m3', 20, { userId: 'u1', guildId: null, status: 'queued' }),
    ];
    for (const job of jobs) store.save(job);
    store.markDelivered('m2', ['https://example.test/x.png']);
    return {
      unfinished: store.unfinished().map((job) => job.id),
      recent: store.recentFor('u1', 5).map((job) => job.id),
      guild: store.recentInGuild('g', 5).map((job) => job.id),
      delivered: store.get('m2')?.images.map((image) => image.deliveredUrl),
    };
  };

  it('gives the same answers for the same calls', () => {
    const sqlite = openIn(tempDir());
    expect(scenario(sqlite)).toEqual(scenario(new MemoryJobStore()));
    sqlite.close();
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/jobs/job.ts';
import { latestVersion } from '../../src/store/migrations.ts';
import { SqliteJobStore } from '../../src/store/sqlite-job-store.ts';
import { rawDatabase, startWriter, useTempDir } from './store-fixtures.ts';

const tempDir = useTempDir();
const ORDER: JobStatus[] = ['queued', 'submitted', 'running', 'done'];

/** The last status each job was reported saved with, from `saved <id> <status>` lines. */
function reported(lines: readonly string[]): Map<string, JobStatus> {
  const last = new Map<string, JobStatus>();
  for (const line of lines) {
    const [word, id, status] = line.split(' ');
    if (word === 'saved' && id !== undefined && status !== undefined) last.set(id, status as JobStatus);
  }
  return last;
}

function expectIntact(path: string): void {
  const raw = rawDatabase(path);
  expect(raw.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
  expect(raw.prepare('SELECT version FROM schema_migrations').all().map((row) => row['version'])).toEqual(
    Array.from({ length: latestVersion() }, (_, index) => index + 1),
  );
  raw.close();
}

describe('SqliteJobStore across processes', () => {
  it('keeps every reported save when the writing process is killed mid-write, three times over', async () => {
    const path = join(tempDir(), 'data', 'comfycord.db');
    for (const round of [1, 2, 3]) {
      const writer = startWriter([path, `r${round}`, '0']);
      await writer.waitFor((line) => line === 'ready');
      // Let it get well into its loop, then kill it wherever it happens to be.
      await writer.waitFor(() => writer.lines.length > 60 * round);
      writer.child.kill('SIGKILL');
      expect(await writer.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(writer.stderr()).not.toMatch(/ExperimentalWarning/);

      expectIntact(path);
      const store = SqliteJobStore.open(path);
      const saved = reported(writer.lines);
      expect(saved.size).toBeGreaterThan(15 * round);
      for (const [id, status] of saved) {
        const job = store.get(id);
        expect(job, `job ${id} reported saved as ${status}`).toBeDefined();
        // The file may be one save ahead of the last line read, never behind it.
        expect(ORDER.indexOf(job!.status)).toBeGreaterThanOrEqual(ORDER.indexOf(status));
        expect(job!.spec.options['prompt']).toMatch(new RegExp(`^🦊 r${round} `));
      }
      // Jobs from earlier rounds are all still there.
      expect(store.recentFor(`r${round}`, 100_000).length).toBeGreaterThanOrEqual(saved.size);
      if (round > 1) expect(store.recentFor(`r${round - 1}`, 100_000).length).toBeGreaterThan(0);
      store.close();
    }
  }, 40_000);

  it('lets two processes create, migrate and write the same file at once while a third reads', async () => {
    const path = join(tempDir(), 'shared.db');
    const perWriter = 150;
    const writers = [startWriter([path, 'left', String(perWriter)]), startWriter([path, 'right', String(perWriter)])];
    await Promise.all(writers.map((writer) => writer.waitFor((line) => line === 'ready')));

    const reader = SqliteJobStore.open(path);
    let reads = 0;
    const stillWriting = (): boolean => writers.some((writer) => writer.child.exitCode === null);
    while (stillWriting()) {
      // Reads must not fail nor see a half-written row while both processes commit.
      for (const job of reader.recentFor('left', 5).concat(reader.recentFor('right', 5))) {
        expect(job.spec.template).toBe('txt2img');
      }
      reads += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const exits = await Promise.all(writers.map((writer) => writer.exited));
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    expect(writers.map((writer) => writer.lines.at(-1))).toEqual(['finished', 'finished']);
    expect(reads).toBeGreaterThan(0);

    expectIntact(path);
    for (const name of ['left', 'right']) {
      const jobs = reader.recentFor(name, 1_000);
      expect(jobs).toHaveLength(perWriter);
      expect(jobs.every((job) => job.status === 'done' && job.images.length === 1)).toBe(true);
    }
    expect(reader.unfinished()).toEqual([]);
    reader.close();
  });
});

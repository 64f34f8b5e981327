/**
 * A separate process that writes jobs through SqliteJobStore, for the crash and
 * two-process tests. Usage: job-writer.ts <db path> <id prefix> <job count, 0 = until killed> [--data-dir] [--hold]
 * With --data-dir the first argument is a DATA_DIR, opened as the bot opens it
 * (openDataDirStore); with --hold the process stays up after the last job (line `held`)
 * until it is killed.
 *
 * Each job goes queued → submitted → done, one save per state. A line
 * `saved <id> <status>` is printed only after `save` returned, i.e. after the commit:
 * whatever the parent reads must be in the file, however the process dies.
 */
import { openDataDirStore } from '../../src/store/data-dir-store.ts';
import { SqliteJobStore } from '../../src/store/sqlite-job-store.ts';
import { bareJob } from './store-fixtures.ts';

const [path, prefix, countText, ...flags] = process.argv.slice(2);
if (path === undefined || prefix === undefined) throw new Error('usage: job-writer.ts <db path> <prefix> <count>');
const count = Number(countText ?? '0');

const store = flags.includes('--data-dir') ? openDataDirStore(path) : SqliteJobStore.open(path);
process.stdout.write('ready\n');
for (let i = 0; count === 0 || i < count; i += 1) {
  // Back to the event loop after each job: once the parent reads a little slower (its
  // own synchronous work, e.g. a backup step), stdout's socket fills and Node queues the
  // lines; a loop that never yields would then never send another one.
  if (i > 0) await new Promise((resolve) => setImmediate(resolve));
  const job = bareJob(`${prefix}-${i}`, Date.now(), { userId: prefix, spec: { template: 'txt2img', options: { prompt: `🦊 ${prefix} ${i} ${'x'.repeat(i % 500)}` } } });
  store.save(job);
  process.stdout.write(`saved ${job.id} queued\n`);
  job.status = 'submitted';
  job.promptId = `prompt-${job.id}`;
  job.startedAt = Date.now();
  store.save(job);
  process.stdout.write(`saved ${job.id} submitted\n`);
  job.status = 'done';
  job.images = [{ source: { filename: `${job.id}.png`, subfolder: '', type: 'output', kind: 'image', mime: 'image/png', extension: 'png' }, deliveredUrl: null }];
  job.finishedAt = Date.now();
  store.save(job);
  process.stdout.write(`saved ${job.id} done\n`);
}
if (flags.includes('--hold')) {
  process.stdout.write('held\n');
  setInterval(() => undefined, 60_000);
} else {
  store.close();
  process.stdout.write('finished\n');
}

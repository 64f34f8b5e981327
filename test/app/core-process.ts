/**
 * The bot's core as a process of its own, for restart tests: opens the SQLite store,
 * recovers what the last run left, optionally submits jobs, and prints one JSON line
 * per job state change and per delivery. A test SIGKILLs it and starts it again.
 *   tsx test/app/core-process.ts <dataDir> <comfyUrl> [jobsToSubmit]
 */
import { join } from 'node:path';
import { readLeftovers, recoverJobs } from '../../src/app/recover-jobs.ts';
import type { Job } from '../../src/jobs/job.ts';
import { silentLogger } from '../../src/log.ts';
import { SqliteJobStore } from '../../src/store/sqlite-job-store.ts';
import { startCore } from './core-builder.ts';

const [dataDir, comfyUrl, submitCount] = process.argv.slice(2);
const store = SqliteJobStore.open(join(dataDir!, 'comfycord.db'));
const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const core = await startCore([comfyUrl!], () => undefined, { store, dataDir: dataDir!, lookahead: 1, clientIdFor: (url) => store.servers.clientIdFor(url) });

// Delivery stands in for the Discord edit: recorded, then marked so a restart does not repeat it.
const deliver = async (job: Job) => {
  print({ delivered: job.id, status: job.status, images: job.images.length });
  job.deliveredAt = Date.now();
  store.save(job);
};
core.scheduler.subscribe((update) => {
  if (update.type !== 'status') return;
  const { id, status, promptId } = update.job;
  print({ id, status, promptId });
  if (status === 'done' || status === 'failed' || status === 'cancelled') void deliver(update.job);
});
const recovered = await recoverJobs(readLeftovers(store), core.scheduler, { deliver, logger: silentLogger() });
print({ started: true, ...recovered });
for (let i = 0; i < Number(submitCount ?? 0); i += 1) core.submit(`user${i}`, { steps: 8 });

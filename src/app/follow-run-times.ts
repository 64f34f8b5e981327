import type { JobStore } from '../jobs/job-store.ts';
import { RunTimes } from '../jobs/run-times.ts';
import type { Scheduler } from '../jobs/scheduler.ts';

/** Done jobs read from the store at start: enough for RunTimes' few runs of every template used lately. */
const SEEDED_RUNS = 500;

/**
 * The bot's RunTimes: seeded from the store's recent done jobs (so a restart keeps the
 * estimates) and fed by every job the scheduler finishes done, from its first
 * submission to its end.
 */
export function followRunTimes(scheduler: Scheduler, store: JobStore): RunTimes {
  const runTimes = new RunTimes();
  runTimes.seed(store.recentRunTimes(SEEDED_RUNS));
  scheduler.subscribe((update) => {
    if (update.type !== 'status') return;
    const { job } = update;
    if (job.status === 'done' && job.startedAt !== null && job.finishedAt !== null) runTimes.record(job.spec.template, job.finishedAt - job.startedAt);
  });
  return runTimes;
}

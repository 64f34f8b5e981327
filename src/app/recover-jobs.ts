import type { JobStore } from '../jobs/job-store.ts';
import type { Job } from '../jobs/job.ts';
import type { Scheduler } from '../jobs/scheduler.ts';
import type { Logger } from '../log.ts';

/**
 * After a restart: jobs that were on a server follow their prompt again (finished
 * meanwhile → delivered), waiting ones queue again in their order, and finished jobs
 * whose final message never reached Discord get it now.
 */
export function recoverJobs(store: JobStore, scheduler: Scheduler, deliver: (job: Job) => Promise<void>, logger: Logger): { resumed: number; redelivered: number } {
  const unfinished = store.unfinished();
  const undelivered = store.undelivered();
  for (const job of unfinished) scheduler.restore(job);
  for (const job of undelivered) void deliver(job);
  if (unfinished.length + undelivered.length > 0) {
    logger.info({ resumed: unfinished.length, redelivered: undelivered.length }, 'jobs recovered after restart');
  }
  return { resumed: unfinished.length, redelivered: undelivered.length };
}

import type { JobStore } from '../jobs/job-store.ts';
import type { Job } from '../jobs/job.ts';
import { recordReply } from '../jobs/job-state.ts';
import type { Scheduler } from '../jobs/scheduler.ts';
import type { Logger } from '../log.ts';

/** What the last run left: read before the bot takes any interaction, so a job made since is not taken for a leftover. */
export interface Leftovers {
  unfinished: Job[];
  undelivered: Job[];
}

export function readLeftovers(store: JobStore): Leftovers {
  return { unfinished: store.unfinished(), undelivered: store.undelivered() };
}

export interface RecoverOptions {
  deliver(job: Job): Promise<void>;
  /**
   * For a job whose acknowledgement may not have reached Discord (the bot died between
   * saving it and hearing back): sends it again and returns the promise, or null when
   * there is nothing to do. Resolves with the job's updated reply handle, if any.
   */
  reacknowledge?(job: Job): Promise<Job['reply']> | null;
  logger: Logger;
}

/**
 * After a restart: jobs that were on a server follow their prompt again (finished
 * meanwhile → delivered), waiting ones queue again in their order, jobs saved but
 * perhaps never acknowledged are acknowledged first (so no edit reaches a reply Discord
 * does not know yet), and finished jobs whose final message never reached Discord get it now.
 */
export async function recoverJobs(leftovers: Leftovers, scheduler: Scheduler, options: RecoverOptions): Promise<{ resumed: number; redelivered: number }> {
  const { unfinished, undelivered } = leftovers;
  const acknowledging: Array<Promise<void>> = [];
  const afterAck: Job[] = [];
  for (const job of unfinished) {
    const pending = options.reacknowledge?.(job) ?? null;
    if (pending === null) {
      scheduler.restore(job);
      continue;
    }
    afterAck.push(job);
    acknowledging.push(
      pending.then(
        (reply) => {
          if (reply !== null) recordReply(job, reply);
        },
        (error: unknown) => options.logger.warn({ jobId: job.id, err: error }, 'acknowledging a job again failed; its reply will go through the channel'),
      ),
    );
  }
  for (const job of undelivered) void options.deliver(job);
  await Promise.all(acknowledging);
  // Restored in their saved order (oldest first) once every acknowledgement is settled.
  for (const job of afterAck) scheduler.restore(job);
  if (unfinished.length + undelivered.length > 0) {
    options.logger.info(
      { resumed: unfinished.length, redelivered: undelivered.length, acknowledgedAgain: acknowledging.length },
      'jobs recovered after restart',
    );
  }
  return { resumed: unfinished.length, redelivered: undelivered.length };
}

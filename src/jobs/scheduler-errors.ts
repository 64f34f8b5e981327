import { ComfycordError } from '../errors.ts';
import type { JobErrorCode } from './error-codes.ts';

/** The whole bot has as many jobs as it accepts; try later. */
export class QueueFullError extends ComfycordError<JobErrorCode> {
  constructor(limit: number) {
    super('QUEUE_FULL', `The queue is full (${limit} job${limit === 1 ? '' : 's'}). Please try again in a few minutes.`, { context: { limit } });
  }
}

/** This user already has their share of jobs waiting or running. */
export class UserLimitError extends ComfycordError<JobErrorCode> {
  constructor(limit: number, pending: number) {
    super(
      'USER_LIMIT',
      `You already have ${pending} job${pending === 1 ? '' : 's'} waiting or running (the limit is ${limit}). Wait for one to finish or cancel one with /cancel.`,
      { context: { limit, pending } },
    );
  }
}

export class CooldownError extends ComfycordError<JobErrorCode> {
  constructor(secondsLeft: number) {
    super('COOLDOWN', `Slow down a little: you can start another job in ${secondsLeft} s.`, { context: { secondsLeft } });
  }
}

export class JobNotFoundError extends ComfycordError<JobErrorCode> {
  constructor(jobId: string) {
    super('JOB_NOT_FOUND', `There is no job \`${jobId}\`.`, { context: { jobId } });
  }
}

export class NotYourJobError extends ComfycordError<JobErrorCode> {
  constructor(jobId: string) {
    super('NOT_YOUR_JOB', `Job \`${jobId}\` belongs to someone else; only they or an admin can do that.`, { context: { jobId } });
  }
}

export class JobCancelledError extends ComfycordError<JobErrorCode> {
  constructor(jobId: string) {
    super('JOB_CANCELLED', 'This job was cancelled.', { context: { jobId } });
  }
}

/** No configured ComfyUI server can take jobs right now. */
export class NoServerError extends ComfycordError<JobErrorCode> {
  constructor(reason: string) {
    super('NO_SERVER', `No ComfyUI server can run this right now: ${reason}`, { context: { reason } });
  }
}

/** No progress from ComfyUI for the stall limit (STALL_SECONDS or the template's stallSeconds). */
export class JobStalledError extends ComfycordError<JobErrorCode> {
  /** The job had stalled once before: it is not run again. */
  readonly twice: boolean;

  constructor(stallSeconds: number, worker: string, twice: boolean) {
    super(
      'JOB_STALLED',
      twice
        ? `ComfyUI made no progress for ${stallSeconds} s, twice; the job was stopped. Reroll to try again.`
        : `ComfyUI made no progress for ${stallSeconds} s on ${worker}`,
      { context: { stallSeconds, worker, twice } },
    );
    this.twice = twice;
  }
}

/** Still not finished at the deadline (JOB_TIMEOUT_SECONDS or the template's timeoutSeconds), counted from when it first went to a server. */
export class JobTimeoutError extends ComfycordError<JobErrorCode> {
  constructor(timeoutSeconds: number, worker: string) {
    super('JOB_TIMEOUT', `The job did not finish within ${timeoutSeconds} s and was stopped. Reroll to try again.`, { context: { timeoutSeconds, worker } });
  }
}

import { ComfycordError, isComfycordError, userMessageOf } from '../errors.ts';
import type { JobErrorCode } from './error-codes.ts';
import type { Logger } from '../log.ts';
import type { InputImageRef, Job, JobFailure, JobReplyHandle, JobStatus } from './job.ts';

/**
 * The job's state machine: the one place a job's status changes. Every step a job may
 * take is in JOB_TRANSITIONS; moveJob is the only writer of `status` (and of the fields
 * that change with it), recordDelivery the only writer of `deliveredAt`. A step the table
 * does not list is refused with IllegalTransitionError and leaves the job untouched: the
 * scheduler logs it as an error (a bug, e.g. a late socket event for a finished run).
 * done, failed and cancelled lead nowhere, so a job ends exactly once.
 */
export const JOB_TRANSITIONS: { readonly [S in JobStatus]: readonly JobStatus[] } = {
  // queued → queued: a new job is put in line, or a restart puts a waiting one back.
  // queued → failed: its input could not be prepared (JobService.abandon).
  queued: ['queued', 'submitted', 'failed', 'cancelled'],
  // → queued: requeued after a lost server or a first stall. submitted → submitted and
  // running → submitted: a restart follows the prompt on its server again.
  // submitted → done: ComfyUI can finish a prompt (all cached) without saying it started.
  submitted: ['queued', 'submitted', 'running', 'done', 'failed', 'cancelled'],
  running: ['queued', 'submitted', 'done', 'failed', 'cancelled'],
  done: [],
  failed: [],
  cancelled: [],
};

const STATUSES = Object.keys(JOB_TRANSITIONS) as readonly JobStatus[];

/** A status no step leaves: the job is over (its final message may still be undelivered). */
const final = (status: JobStatus): boolean => JOB_TRANSITIONS[status].length === 0;

export const FINISHED_STATUSES: readonly JobStatus[] = STATUSES.filter(final);
/** Waiting or on a server: what a restart picks up. */
export const UNFINISHED_STATUSES: readonly JobStatus[] = STATUSES.filter((status) => !final(status));

/** The one "is this job over" (done, failed or cancelled). */
export function isFinished(job: Pick<Job, 'status'>): boolean {
  return final(job.status);
}

export function canMove(from: JobStatus, to: JobStatus): boolean {
  return JOB_TRANSITIONS[from].includes(to);
}

/** The fields that change with a step: where it runs, when it started or ended, why it failed, what it made. */
export type JobStepFields = Partial<Pick<Job, 'server' | 'promptId' | 'startedAt' | 'finishedAt' | 'failure' | 'images' | 'texts'>>;

/** What a failed job keeps of the error that ended it: its code (INTERNAL for a bug) and the message a person may read. */
export function failureOf(error: unknown): JobFailure {
  return { code: isComfycordError(error) ? error.code : 'INTERNAL', userMessage: userMessageOf(error) };
}

/** A step the state machine does not allow: a bug in the caller, never the user's doing. */
export class IllegalTransitionError extends ComfycordError<JobErrorCode> {
  readonly from: JobStatus;
  readonly to: JobStatus | 'delivered';

  constructor(jobId: string, from: JobStatus, to: JobStatus | 'delivered') {
    super('JOB_ILLEGAL_TRANSITION', `Job \`${jobId}\` is ${from} and cannot be changed that way now.`, {
      context: { jobId, from, to },
      message: `job ${jobId}: ${from} → ${to} is not an allowed transition`,
    });
    this.from = from;
    this.to = to;
  }
}

/** Throws IllegalTransitionError unless the job may go to `to` now. */
export function assertCanMove(job: Pick<Job, 'id' | 'status'>, to: JobStatus): void {
  if (!canMove(job.status, to)) throw new IllegalTransitionError(job.id, job.status, to);
}

/** Moves the job to `to` with the fields that change with the step; throws (and changes nothing) on an illegal step. */
export function moveJob(job: Job, to: JobStatus, fields: JobStepFields = {}): void {
  assertCanMove(job, to);
  Object.assign(job, fields);
  job.status = to;
}

/** moveJob for a caller that must not throw (the scheduler inside a run): an illegal step is logged as an error and refused. */
export function moveOrLog(job: Job, to: JobStatus, fields: JobStepFields | undefined, logger: Logger): boolean {
  try {
    moveJob(job, to, fields);
    return true;
  } catch (error) {
    if (!(error instanceof IllegalTransitionError)) throw error;
    logger.error({ ...error.context, code: error.code }, 'illegal job transition refused');
    return false;
  }
}

/** The job's final message reached Discord at `at`. Only a finished job has a final message. */
export function recordDelivery(job: Job, at: number): void {
  if (!isFinished(job)) throw new IllegalTransitionError(job.id, job.status, 'delivered');
  job.deliveredAt = at;
}

/** Where the job's reply lives (opaque to the core), kept so a restarted bot can edit it. Any status may have one. */
export function recordReply(job: Job, reply: JobReplyHandle): void {
  job.reply = reply;
}

/** The delivered copy of the job's file `index` is at `url` (a Discord attachment). False when it already was, or there is no such file. */
export function recordDeliveredUrl(job: Job, index: number, url: string): boolean {
  const image = job.images[index];
  if (image === undefined || image.deliveredUrl === url) return false;
  image.deliveredUrl = url;
  return true;
}

/** An image option's bytes are now at `ref` (an upload fetched and kept): before the job runs, so the run sends them. */
export function recordInput(job: Job, option: string, ref: InputImageRef): void {
  job.spec.inputs = { ...job.spec.inputs, [option]: ref };
}

/** The prompt went to ComfyUI under this id with these values (random seeds drawn); the status does not change. */
export function recordSubmission(job: Job, promptId: string, resolved: Record<string, string | number | boolean>): void {
  job.promptId = promptId;
  job.resolved = resolved;
}

import type { CancelTimer, Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Template } from '../workflows/template.ts';
import type { Job } from './job.ts';
import type { RunEvent } from './run-events.ts';
import { JobStalledError, JobTimeoutError } from './scheduler-errors.ts';

/** How long a job may go without progress, and how long it may take in all. */
export interface WatchLimits {
  stallMs: number;
  timeoutMs: number;
}

export interface JobWatchdogOptions {
  clock: Clock;
  /** The job's template's stallSeconds / timeoutSeconds, else STALL_SECONDS / JOB_TIMEOUT_SECONDS. */
  limitsFor(job: Job): WatchLimits;
  /** A server stalled two jobs in a row (nothing finished there in between): the caller benches it. */
  onServerStalling?(worker: string): void;
}

/** One run being watched; the scheduler feeds it the run's events and stops it when the run ends. */
export interface RunWatch {
  event(event: RunEvent): void;
  stop(): void;
}

/**
 * What shows ComfyUI is working on the prompt: a node starting (`executing`), sampler
 * steps (`progress` / `progress_state`), previews, node text and outputs. A resync after
 * a reconnect or a resubmission starts the count again. `queued` does not: a prompt
 * waiting behind others on the server is not stalled, and the deadline bounds that wait.
 */
const ACTIVITY: ReadonlySet<RunEvent['type']> = new Set(['started', 'node', 'progress', 'preview', 'progress_text', 'activity', 'output', 'cached', 'reconnected', 'resubmitted']);

const seconds = (ms: number): number => Math.round(ms / 1000);

/** A template's own stallSeconds / timeoutSeconds, else the bot's defaults (STALL_SECONDS / JOB_TIMEOUT_SECONDS). */
export function watchLimits(template: Template | undefined, defaults: WatchLimits): WatchLimits {
  return {
    stallMs: template?.stallSeconds === undefined ? defaults.stallMs : template.stallSeconds * 1000,
    timeoutMs: template?.timeoutSeconds === undefined ? defaults.timeoutMs : template.timeoutSeconds * 1000,
  };
}

/**
 * The stall limit and the deadline of every running job, on the injected clock. A
 * run that trips either is aborted with a typed reason (JobStalledError,
 * JobTimeoutError); the scheduler reads the reason and decides: a first stall runs
 * again, a second stall or the deadline fails the job. The stall counter is armed
 * when ComfyUI starts the prompt (not while it waits in the server's queue); the
 * deadline counts from when the job first went to a server (job.startedAt, stored, so
 * it holds across a restart and a second run).
 */
export class JobWatchdog {
  readonly #o: JobWatchdogOptions;
  /** Stalls per job so far. */
  readonly #stalls = new Map<string, number>();
  /** Jobs stalled in a row per server, since the last job that finished there. */
  readonly #inARow = new Map<string, number>();

  constructor(options: JobWatchdogOptions) {
    this.#o = options;
  }

  watch(job: Job, worker: string, abort: (reason: Error) => void): RunWatch {
    const { clock } = this.#o;
    const { stallMs, timeoutMs } = this.#o.limitsFor(job);
    let stallTimer: CancelTimer | null = null;
    let stopped = false;
    let cancelDeadline: CancelTimer = () => undefined;
    const stop = (): void => {
      stopped = true;
      stallTimer?.();
      cancelDeadline();
    };
    const since = job.startedAt ?? clock.now();
    cancelDeadline = clock.after(Math.max(0, since + timeoutMs - clock.now()), () => {
      stop();
      abort(new JobTimeoutError(seconds(timeoutMs), worker));
    });
    const arm = (): void => {
      stallTimer?.();
      stallTimer = clock.after(stallMs, () => {
        stop();
        abort(new JobStalledError(seconds(stallMs), worker, (this.#stalls.get(job.id) ?? 0) >= 1));
      });
    };
    // A run followed after a restart was already past 'started'.
    if (job.status === 'running') arm();
    return {
      event: (event) => {
        if (!stopped && ACTIVITY.has(event.type)) arm();
      },
      stop,
    };
  }

  /** The run on `worker` was stopped for a stall. */
  stalled(job: Job, worker: string): void {
    this.#stalls.set(job.id, (this.#stalls.get(job.id) ?? 0) + 1);
    const inARow = (this.#inARow.get(worker) ?? 0) + 1;
    if (inARow < 2) {
      this.#inARow.set(worker, inARow);
      return;
    }
    this.#inARow.delete(worker);
    this.#o.onServerStalling?.(worker);
  }

  /** A job finished on `worker`: the server works, its stalls in a row start again from zero. */
  finished(worker: string): void {
    this.#inARow.delete(worker);
  }

  /** The job ended: its stall count is no longer needed. */
  forget(jobId: string): void {
    this.#stalls.delete(jobId);
  }
}

/** What becomes of a run that was aborted. */
export type AfterAbort = { kind: 'cancelled' } | { kind: 'again'; error: JobStalledError } | { kind: 'failed'; error: JobStalledError | JobTimeoutError };

/**
 * Reads why a run was aborted: a user's cancel, a first stall (run once more, the
 * server's stall counted), a second stall or the deadline (failed, with the reason).
 */
export function afterAbort(job: Job, worker: string, reason: unknown, watchdog: JobWatchdog | undefined, log: Logger): AfterAbort {
  if (reason instanceof JobStalledError) {
    watchdog?.stalled(job, worker);
    log.warn({ jobId: job.id, ...reason.context }, reason.twice ? 'job stalled again; failed' : 'job stalled; interrupted, queued again');
    return reason.twice ? { kind: 'failed', error: reason } : { kind: 'again', error: reason };
  }
  if (reason instanceof JobTimeoutError) {
    log.warn({ jobId: job.id, ...reason.context }, 'job past its deadline; failed');
    return { kind: 'failed', error: reason };
  }
  return { kind: 'cancelled' };
}

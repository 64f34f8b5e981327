import type { Logger } from '../log.ts';
import type { JobStore } from './job-store.ts';
import type { JobWatchdog } from './job-watchdog.ts';
import type { Job, JobImage } from './job.ts';
import type { OutputText, RunEvent } from './run-events.ts';

/** The scheduler's contract with the servers it feeds and the code that watches it. */

/** One ComfyUI server as the scheduler sees it. */
export interface WorkerSlot {
  readonly name: string;
  isHealthy(): boolean;
  /** Whether this server has what the job's template needs (nodes, models). */
  canRun(job: Job): boolean;
  /** Relative capacity (a server with weight 2 gets twice the load before it counts as busier). Default 1. */
  readonly weight?: number;
  /** Higher when this server is a better fit, e.g. it already has the job's checkpoint loaded. */
  affinity?(job: Job): number;
}

export interface ExecuteContext {
  signal: AbortSignal;
  onEvent(event: RunEvent): void;
  /** The prompt went to ComfyUI under this id with these resolved values (seed drawn). */
  onSubmitted(promptId: string, resolved: Record<string, string | number | boolean>): void;
  /**
   * Resolves when every job started earlier on this server has been queued there: await
   * it just before the POST, so ComfyUI's own queue keeps the scheduler's fair order.
   */
  turn(): Promise<void>;
  /** The server has queued the prompt (or is following it again): the next job may post. */
  onQueued(): void;
}

/** What a finished run delivers: its files of every kind and its text outputs. */
export interface JobOutputs {
  images: JobImage[];
  texts: OutputText[];
}

/** Runs one job on one server to the end; resolves with its outputs or throws. */
export type ExecuteJob = (job: Job, worker: string, context: ExecuteContext) => Promise<JobOutputs>;

export type SchedulerUpdate =
  | { type: 'status'; job: Job }
  | { type: 'event'; job: Job; event: RunEvent }
  /** Waiting jobs moved or the line grew; read the order with waiting() / position(). */
  | { type: 'positions'; total: number }
  /** Back in line to run again: its server was lost (`reason`), or it stalled there (`note` says so for the user). */
  | { type: 'requeued'; job: Job; reason: string; note?: string };

/** A slot taken by Scheduler.reserve for a job not queued yet; released once, by enqueue or by hand. */
export interface Reservation {
  readonly userId: string;
  readonly held: boolean;
  release(): void;
}

export interface SchedulerLimits {
  userMaxPending: number;
  queueMax: number;
  userCooldownSeconds: number;
}

export interface SchedulerOptions {
  workers: WorkerSlot[];
  execute: ExecuteJob;
  store: JobStore;
  limits: SchedulerLimits;
  /** Jobs kept in each server's own queue beyond the running one, so its GPU never idles. */
  lookahead?: number;
  /** Errors after which a job goes back to the queue for another server (server died). */
  isRetryable?: (error: unknown) => boolean;
  maxAttempts?: number;
  /** Stall limit and deadline of running jobs; none: a job may run forever. */
  watchdog?: JobWatchdog;
  now?: () => number;
  logger?: Logger;
}

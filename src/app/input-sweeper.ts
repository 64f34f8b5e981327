import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type CancelTimer, type Clock } from '../clock.ts';
import type { JobStore } from '../jobs/job-store.ts';
import { isFinished } from '../jobs/job-state.ts';
import type { Logger } from '../log.ts';

export interface InputSweeperOptions {
  dataDir: string;
  store: Pick<JobStore, 'keptInputsInUse' | 'get'>;
  /** How long a finished job's input stays (INPUT_RETENTION_HOURS), for Reroll/Remix/Vary of it. */
  retentionMs: number;
  logger: Logger;
  clock?: Clock;
  /** Between two passes. Default one hour. */
  intervalMs?: number;
  /** At most this many files deleted per pass, so one pass never holds the disk for long. Default 5,000. */
  maxDeletionsPerPass?: number;
}

export interface SweepResult {
  deleted: number;
  freedBytes: number;
  kept: number;
}

/** `inputs/<jobId>-<option>.png` → the job id (see InputImages.keep). */
const NAMED_AFTER_JOB = /^([a-z0-9]+)-[^/]+\.png$/;

/**
 * Deletes kept input images (DATA_DIR/inputs) that no job can need any more: a file is
 * kept while an unfinished job refers to it, or a job finished within the retention
 * window (a Reroll refers to its parent's file, so references count, not names), or
 * while the job it is named after is unfinished (its intake is between keeping the file
 * and queueing). Everything else goes: inputs of old jobs, and files of jobs the store
 * does not know. Runs at start and then every `intervalMs`.
 */
export class InputSweeper {
  readonly #o: InputSweeperOptions;
  readonly #clock: Clock;
  #cancel: CancelTimer | null = null;
  #running: Promise<SweepResult> | null = null;

  constructor(options: InputSweeperOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** A pass now, then one every interval. */
  start(): void {
    void this.sweep();
    this.#cancel = this.#clock.every(this.#o.intervalMs ?? 3_600_000, () => void this.sweep());
  }

  /** Stops the timer and waits for a pass under way. */
  async stop(): Promise<void> {
    this.#cancel?.();
    this.#cancel = null;
    await this.#running;
  }

  /** One pass (a pass already under way is joined, not doubled). Never throws: problems are logged. */
  sweep(): Promise<SweepResult> {
    this.#running ??= this.#pass().finally(() => (this.#running = null));
    return this.#running;
  }

  async #pass(): Promise<SweepResult> {
    const result: SweepResult = { deleted: 0, freedBytes: 0, kept: 0 };
    const folder = join(this.#o.dataDir, 'inputs');
    try {
      const entries = await readdir(folder, { withFileTypes: true }).catch((error: unknown) => {
        if ((error as { code?: unknown }).code === 'ENOENT') return [];
        throw error;
      });
      const inUse = this.#o.store.keptInputsInUse(this.#clock.now() - this.#o.retentionMs);
      const limit = this.#o.maxDeletionsPerPass ?? 5_000;
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        if (inUse.has(join('inputs', entry.name)) || this.#jobUnfinished(entry.name)) {
          result.kept += 1;
          continue;
        }
        if (result.deleted >= limit) {
          result.kept += 1;
          continue;
        }
        const full = join(folder, entry.name);
        const size = await stat(full).then((s) => s.size, () => 0);
        await rm(full, { force: true });
        result.deleted += 1;
        result.freedBytes += size;
      }
      if (result.deleted > 0) this.#o.logger.info({ ...result, folder }, 'old input images deleted');
    } catch (error) {
      this.#o.logger.warn({ err: error, folder }, 'sweeping input images failed; the next pass tries again');
    }
    return result;
  }

  #jobUnfinished(fileName: string): boolean {
    const jobId = NAMED_AFTER_JOB.exec(fileName)?.[1];
    if (jobId === undefined) return false;
    const job = this.#o.store.get(jobId);
    return job !== undefined && !isFinished(job);
  }
}

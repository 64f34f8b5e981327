import type { Job } from './job.ts';
import type { WorkerSlot } from './scheduler-types.ts';

/**
 * Which server a waiting job goes to. A job that stalled on a server runs again elsewhere
 * while another healthy server can take it (`avoid`); among the servers that fit, the
 * least loaded for its weight wins, and among equals the one that fits the job best
 * (e.g. its checkpoint already loaded).
 */
export class ServerChoice {
  readonly #workers: readonly WorkerSlot[];
  /** The server each job stalled on. */
  readonly #avoid = new Map<string, string>();

  constructor(workers: readonly WorkerSlot[]) {
    this.#workers = workers;
  }

  /** The job stalled on `worker`: prefer any other for its next run. */
  avoid(jobId: string, worker: string): void {
    this.#avoid.set(jobId, worker);
  }

  forget(jobId: string): void {
    this.#avoid.delete(jobId);
  }

  /** It can run the job, and it is not the server the job stalled on while another healthy one could take it. */
  fits(worker: WorkerSlot, job: Job): boolean {
    if (!worker.canRun(job)) return false;
    const avoided = this.#avoid.get(job.id);
    return avoided !== worker.name || !this.elsewhere(job, avoided);
  }

  /** Another healthy server than `worker` could run the job. */
  elsewhere(job: Job, worker: string): boolean {
    return this.#workers.some((other) => other.name !== worker && other.isHealthy() && other.canRun(job));
  }

  /** The best of `free` for the job (some of them fit it), by `load`: jobs on each server now. */
  best(free: readonly WorkerSlot[], job: Job, load: ReadonlyMap<string, number>): WorkerSlot {
    const candidates = free.filter((worker) => this.fits(worker, job));
    const score = (worker: WorkerSlot) => (load.get(worker.name) ?? 0) / (worker.weight ?? 1);
    return candidates.reduce((best, worker) => {
      const difference = score(worker) - score(best);
      if (difference !== 0) return difference < 0 ? worker : best;
      return (worker.affinity?.(job) ?? 0) > (best.affinity?.(job) ?? 0) ? worker : best;
    });
  }
}

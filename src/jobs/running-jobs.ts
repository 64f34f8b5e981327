import type { Job } from './job.ts';

/** A job on a server: where, and the controller that stops its run. */
export interface RunningJob {
  job: Job;
  controller: AbortController;
  worker: string;
}

/**
 * The jobs the scheduler has on servers (submitted or running), in the order they were
 * started, with a count per user kept beside them so limit checks need not walk the jobs.
 */
export class RunningJobs {
  readonly #byId = new Map<string, RunningJob>();
  readonly #byUser = new Map<string, number>();

  get size(): number {
    return this.#byId.size;
  }

  add(entry: RunningJob): void {
    this.#byId.set(entry.job.id, entry);
    this.#byUser.set(entry.job.userId, (this.#byUser.get(entry.job.userId) ?? 0) + 1);
  }

  get(jobId: string): RunningJob | undefined {
    return this.#byId.get(jobId);
  }

  /** Takes the job off its server's list; false when it was not on one (already removed). */
  remove(job: Job): boolean {
    if (!this.#byId.delete(job.id)) return false;
    const left = (this.#byUser.get(job.userId) ?? 1) - 1;
    if (left > 0) this.#byUser.set(job.userId, left);
    else this.#byUser.delete(job.userId);
    return true;
  }

  countFor(userId: string): number {
    return this.#byUser.get(userId) ?? 0;
  }

  /** This user's jobs on a server; walks the running jobs only when the user has one. */
  jobsOf(userId: string): Job[] {
    if (!this.#byUser.has(userId)) return [];
    return this.jobs().filter((job) => job.userId === userId);
  }

  jobs(): Job[] {
    return [...this.#byId.values()].map(({ job }) => job);
  }

  /** Jobs on each of these servers (0 for a server with none). */
  load(workers: Iterable<string>): Map<string, number> {
    const load = new Map([...workers].map((name) => [name, 0]));
    for (const { worker } of this.#byId.values()) load.set(worker, (load.get(worker) ?? 0) + 1);
    return load;
  }
}

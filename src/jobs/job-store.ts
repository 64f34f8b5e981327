import type { Job } from './job.ts';
import { isFinished } from './job-state.ts';
import type { RunTime } from './run-times.ts';

/**
 * Where jobs live. The scheduler saves a job on every state change; a durable
 * implementation (SQLite) makes that survive restarts, the in-memory one serves the
 * CLI and tests.
 */
export interface JobStore {
  save(job: Job): void;
  get(id: string): Job | undefined;
  /** A user's most recent jobs, newest first. */
  recentFor(userId: string, limit: number): Job[];
  /** Jobs not yet finished, oldest first: what a restart must pick up. */
  unfinished(): Job[];
  /** Finished jobs whose final message was not confirmed delivered, oldest first: a restart delivers them. */
  undelivered(): Job[];
  /** A guild's most recent jobs, newest first (admin views). */
  recentInGuild(guildId: string, limit: number): Job[];
  /** A user's most recent jobs made in one guild (or, for null, in their DM), newest first. */
  recentForIn(userId: string, guildId: string | null, limit: number): Job[];
  /**
   * Records where each image was delivered: `urls[i]` for `images[i]`; a null or missing
   * entry leaves that image as it was. Returns the updated job, or undefined if unknown.
   */
  markDelivered(jobId: string, urls: ReadonlyArray<string | null>): Job | undefined;
  /** Paths of kept input files ('file' inputs) that unfinished jobs, or jobs finished at or after `finishedSince`, refer to. */
  keptInputsInUse(finishedSince: number): Set<string>;
  /** How long the `limit` most recently finished done jobs ran (finished - started), oldest first: RunTimes' seed. */
  recentRunTimes(limit: number): RunTime[];
}

/** The 'file' inputs of one job. */
function keptInputPaths(inputs: Job['spec']['inputs']): string[] {
  return Object.values(inputs ?? {}).flatMap((ref) => (ref.kind === 'file' ? [ref.path] : []));
}

export class MemoryJobStore implements JobStore {
  readonly #jobs = new Map<string, Job>();

  save(job: Job): void {
    this.#jobs.set(job.id, job);
  }

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  recentFor(userId: string, limit: number): Job[] {
    return [...this.#jobs.values()]
      .filter((job) => job.userId === userId)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit);
  }

  unfinished(): Job[] {
    return [...this.#jobs.values()]
      .filter((job) => !isFinished(job))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  undelivered(): Job[] {
    return [...this.#jobs.values()]
      .filter((job) => job.deliveredAt === null && isFinished(job))
      .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
  }

  recentInGuild(guildId: string, limit: number): Job[] {
    return [...this.#jobs.values()]
      .filter((job) => job.guildId === guildId)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit);
  }

  recentForIn(userId: string, guildId: string | null, limit: number): Job[] {
    return [...this.#jobs.values()]
      .filter((job) => job.userId === userId && job.guildId === guildId)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit);
  }

  keptInputsInUse(finishedSince: number): Set<string> {
    const paths = new Set<string>();
    for (const job of this.#jobs.values()) {
      if (isFinished(job) && (job.finishedAt ?? 0) < finishedSince) continue;
      for (const path of keptInputPaths(job.spec.inputs)) paths.add(path);
    }
    return paths;
  }

  recentRunTimes(limit: number): RunTime[] {
    return [...this.#jobs.values()]
      .flatMap((job) => (job.status === 'done' && job.startedAt !== null && job.finishedAt !== null ? [{ job, finishedAt: job.finishedAt, startedAt: job.startedAt }] : []))
      .sort((a, b) => b.finishedAt - a.finishedAt)
      .slice(0, limit)
      .reverse()
      .map(({ job, finishedAt, startedAt }) => ({ template: job.spec.template, ms: finishedAt - startedAt }));
  }

  markDelivered(jobId: string, urls: ReadonlyArray<string | null>): Job | undefined {
    const job = this.#jobs.get(jobId);
    if (!job) return undefined;
    if (urls.length > job.images.length) {
      throw new RangeError(`markDelivered: ${urls.length} urls for job ${jobId} with ${job.images.length} images`);
    }
    job.images = job.images.map((image, index) => ({ ...image, deliveredUrl: urls[index] ?? image.deliveredUrl }));
    return job;
  }
}

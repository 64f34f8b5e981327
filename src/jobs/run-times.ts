/** One finished run: its template and how long it took from submission to the end. */
export interface RunTime {
  template: string;
  ms: number;
}

/** Runs remembered per template; the estimate is their median, so one odd run does not swing it. */
const RUNS_KEPT = 5;
/** Templates remembered (names of deleted templates fall out first). */
const TEMPLATES_KEPT = 200;

/**
 * How long a template's runs usually take, from its last few successful runs: what a
 * queued job's message says to expect (a video takes minutes, an image seconds). Fed
 * at start from the store's recent done jobs and then by every job that finishes done.
 * Bounded: RUNS_KEPT runs for each of at most TEMPLATES_KEPT templates.
 */
export class RunTimes {
  readonly #runs = new Map<string, number[]>();

  /** `runs` oldest first (the newest are kept). */
  seed(runs: Iterable<RunTime>): void {
    for (const run of runs) this.record(run.template, run.ms);
  }

  record(template: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const runs = this.#runs.get(template) ?? [];
    this.#runs.delete(template);
    runs.push(ms);
    if (runs.length > RUNS_KEPT) runs.shift();
    this.#runs.set(template, runs);
    if (this.#runs.size > TEMPLATES_KEPT) this.#runs.delete(this.#runs.keys().next().value ?? template);
  }

  /** The median of the template's kept runs, in ms; null when none finished yet. */
  typicalMs(template: string): number | null {
    const runs = this.#runs.get(template);
    if (runs === undefined || runs.length === 0) return null;
    const sorted = [...runs].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? (sorted[middle] ?? null) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  }
}

/**
 * When a waiting job's message is redrawn for its place in line alone. Every start and
 * every enqueue moves the place (or the total) of every job behind it, so redrawing each
 * message per move costs O(waiting) renders and edits per move: with a thousand waiting
 * that alone took most of the bot's CPU while the line drained (bench/scale.ts, issue
 * 12.3). A message is redrawn for a new place once its last drawing is old enough for
 * its distance from the front: about every second near the front, rarely far back,
 * where one place more or less tells the user nothing.
 */

/** Near the front a place-only change is drawn after at most this (the first ~10 in line). */
const NEAR_FRONT_MS = 1_000;
/** Further back, this much per place ahead in line… */
const PER_PLACE_MS = 100;
/** …up to this: a message far back still moves twice a minute. */
const FAR_BACK_MS = 30_000;

/** How long a message at `position` keeps its drawn place before a place-only change redraws it. */
export function positionRefreshMs(position: number): number {
  return Math.min(FAR_BACK_MS, Math.max(NEAR_FRONT_MS, position * PER_PLACE_MS));
}

export interface PlaceInLine {
  position: number;
  total: number;
}

export interface RedrawPlan<T> {
  /** Waiting jobs whose place is to be drawn now. */
  redraw: Array<{ job: T } & PlaceInLine>;
  /** When a later pass is due for changes held back now (ms from `now`); null when none are. */
  nextPassInMs: number | null;
}

/** The place each waiting job's message last showed, and when it was drawn. */
export class PositionRedraws {
  readonly #drawn = new Map<string, PlaceInLine & { at: number }>();

  /** A message was drawn showing this place (on enqueue, on a requeue, or by a pass). */
  drawn(jobId: string, place: PlaceInLine, at: number): void {
    this.#drawn.set(jobId, { ...place, at });
  }

  /**
   * Which of the waiting jobs (in line order) to redraw at `now`: a job never drawn, or
   * whose place or total changed and whose drawing is older than its refresh time. Jobs
   * no longer waiting are forgotten. The caller draws what is returned; the plan records
   * those drawings.
   */
  plan<T extends { id: string }>(waiting: readonly T[], now: number): RedrawPlan<T> {
    const total = waiting.length;
    const redraw: RedrawPlan<T>['redraw'] = [];
    const still = new Set<string>();
    let nextDue: number | null = null;
    for (const [index, job] of waiting.entries()) {
      const position = index + 1;
      still.add(job.id);
      const last = this.#drawn.get(job.id);
      if (last !== undefined && last.position === position && last.total === total) continue;
      const dueAt = last === undefined ? now : last.at + positionRefreshMs(position);
      if (dueAt <= now) {
        redraw.push({ job, position, total });
        this.#drawn.set(job.id, { position, total, at: now });
      } else if (nextDue === null || dueAt < nextDue) {
        nextDue = dueAt;
      }
    }
    for (const jobId of this.#drawn.keys()) if (!still.has(jobId)) this.#drawn.delete(jobId);
    return { redraw, nextPassInMs: nextDue === null ? null : nextDue - now };
  }
}

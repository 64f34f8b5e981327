import { CooldownError, QueueFullError, UserLimitError } from './scheduler-errors.ts';
import type { Reservation, SchedulerLimits } from './scheduler-types.ts';

/**
 * The scheduler's limits on who may add a job now: the queue's size, each user's
 * pending jobs and cooldown. Slots reserved for jobs still being prepared (an image
 * downloading) count as pending, so a burst of parallel commands from one user is
 * refused beyond their limit before any of them costs anything.
 */
export class Admission {
  readonly #limits: SchedulerLimits;
  readonly #now: () => number;
  readonly #lastStart = new Map<string, number>();
  readonly #reserved = new Map<string, number>();
  #reservedTotal = 0;

  constructor(limits: SchedulerLimits, now: () => number) {
    this.#limits = limits;
    this.#now = now;
  }

  /** `active`: jobs waiting or on a server; `pending`: this user's share of them. Reservations are added here. */
  assertCanAccept(userId: string, counts: { active: number; pending: number }, options: { bypassCooldown?: boolean } = {}): void {
    const limits = this.#limits;
    if (counts.active + this.#reservedTotal >= limits.queueMax) throw new QueueFullError(limits.queueMax);
    const pending = counts.pending + (this.#reserved.get(userId) ?? 0);
    if (pending >= limits.userMaxPending) throw new UserLimitError(limits.userMaxPending, pending);
    const last = this.#lastStart.get(userId);
    if (!options.bypassCooldown && limits.userCooldownSeconds > 0 && last !== undefined) {
      const left = Math.ceil((last + limits.userCooldownSeconds * 1000 - this.#now()) / 1000);
      if (left > 0) throw new CooldownError(left);
    }
  }

  /** The user's cooldown counts from now. */
  noteStart(userId: string): void {
    this.#lastStart.set(userId, this.#now());
  }

  /** A slot for `userId` (checked by the caller just before); the cooldown counts from now. */
  reserve(userId: string): Reservation {
    this.noteStart(userId);
    this.#reserved.set(userId, (this.#reserved.get(userId) ?? 0) + 1);
    this.#reservedTotal += 1;
    let held = true;
    return {
      userId,
      get held() {
        return held;
      },
      release: () => {
        if (!held) return;
        held = false;
        this.#reservedTotal -= 1;
        const left = (this.#reserved.get(userId) ?? 1) - 1;
        if (left > 0) this.#reserved.set(userId, left);
        else this.#reserved.delete(userId);
      },
    };
  }
}

/**
 * A token bucket shared by every message the bot edits, so a busy server cannot turn
 * twenty progress replies into a burst of 429s. Over any window of T ms at most
 * `burst + ratePerSecond × T / 1000` progress edits start. Finals (one per job, never
 * dropped) do not wait for a token: they are charged to the bucket, which may go into
 * debt by up to one burst, so progress edits make way for them. A global 429 pauses
 * the whole bucket, finals included.
 */
export interface EditBudgetOptions {
  /** Sustained edits per second across all messages. Default 5. */
  ratePerSecond?: number;
  /** Edits that may start back to back after a quiet spell. Default equal to the rate. */
  burst?: number;
  now?: () => number;
}

export class EditBudget {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;
  #pausedUntil = 0;

  constructor(options: EditBudgetOptions = {}) {
    this.#rate = Math.max(0.001, options.ratePerSecond ?? 5);
    this.#burst = Math.max(1, Math.floor(options.burst ?? this.#rate));
    this.#now = options.now ?? Date.now;
    this.#tokens = this.#burst;
    this.#updatedAt = this.#now();
  }

  /** Whether `tryTake` would succeed now, without taking. */
  canTake(): boolean {
    const now = this.#refill();
    // The epsilon absorbs float error in the refill, so a timer set for the refill moment finds a whole token.
    return now >= this.#pausedUntil && this.#tokens >= 1 - 1e-9;
  }

  /** Takes one edit's worth of budget if there is one. */
  tryTake(): boolean {
    if (!this.canTake()) return false;
    this.#tokens = Math.max(0, this.#tokens - 1);
    return true;
  }

  /**
   * Charges one edit that must not wait for the budget (a final). Only a global pause
   * refuses it. The debt is capped at one burst: a wave of finals delays progress
   * edits by at most burst ÷ rate seconds, however many there are.
   */
  takeUrgent(): boolean {
    const now = this.#refill();
    if (now < this.#pausedUntil) return false;
    this.#tokens = Math.max(-this.#burst, this.#tokens - 1);
    return true;
  }

  /** When `takeUrgent` can succeed (now or later). */
  urgentAvailableAt(): number {
    return Math.max(this.#now(), this.#pausedUntil);
  }

  /** When the next `tryTake` can succeed (now or later), in the clock's ms. */
  nextAvailableAt(): number {
    const now = this.#refill();
    const refillAt = this.#tokens >= 1 ? now : now + ((1 - this.#tokens) * 1000) / this.#rate;
    return Math.max(refillAt, this.#pausedUntil);
  }

  /** Discord said the bot as a whole is rate limited: nothing starts before `until`. */
  pauseUntil(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
  }

  #refill(): number {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
    this.#updatedAt = now;
    return now;
  }
}

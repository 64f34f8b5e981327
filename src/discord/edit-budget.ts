/**
 * A token bucket shared by every message the bot edits, so a busy server cannot turn
 * twenty progress replies into a burst of 429s. Over any window of T ms at most
 * `burst + ratePerSecond × T / 1000` edits start. A global 429 pauses the whole bucket.
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

  /** Takes one edit's worth of budget if there is one. */
  tryTake(): boolean {
    const now = this.#refill();
    // The epsilon absorbs float error in the refill, so a timer set for the refill moment finds a whole token.
    if (now < this.#pausedUntil || this.#tokens < 1 - 1e-9) return false;
    this.#tokens = Math.max(0, this.#tokens - 1);
    return true;
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

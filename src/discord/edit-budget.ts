/**
 * The bot's share of Discord's global limit (50 requests per second per bot token,
 * docs/discord-limits.md, "Rate limits"), for edits sent with the bot token: channel-message edits
 * after the interaction token's 15 minutes, and messages posted anew. Edits through an
 * interaction's webhook are not counted by Discord against the global limit, so they
 * are not charged here at all; their limit is per route (route-limits.ts).
 *
 * A sliding window: at most `perSecond` starts in any 1000 ms (Discord counts in fixed
 * windows, which a token bucket can overrun at a window's edge; a sliding window
 * cannot). Progress keeps a tenth of it free so finals never wait behind progress. A
 * global 429 pauses everything, finals included.
 */
export interface EditBudgetOptions {
  /** Bot-token edits per second across all messages. Default 40 (leaves room for the bot's other calls). */
  perSecond?: number;
}

const WINDOW_MS = 1000;

export class EditBudget {
  readonly #limit: number;
  readonly #progressLimit: number;
  /** Start times within the last window, oldest first. */
  readonly #starts: number[] = [];
  #pausedUntil = 0;

  constructor(options: EditBudgetOptions = {}) {
    this.#limit = Math.max(1, Math.floor(options.perSecond ?? 40));
    this.#progressLimit = Math.max(1, this.#limit - Math.ceil(this.#limit / 10));
  }

  /** When an edit may start (now or later): finals may use the whole share, progress all but a tenth. */
  availableAt(final: boolean, now: number): number {
    this.#expire(now);
    const limit = final ? this.#limit : this.#progressLimit;
    const full = this.#starts.length >= limit;
    // With `limit` starts in the window, the next may go when the one `limit` places back leaves it.
    const freeAt = full ? this.#starts[this.#starts.length - limit]! + WINDOW_MS : now;
    return Math.max(freeAt, this.#pausedUntil, now);
  }

  /** Records one start (after `availableAt` said it may go). */
  take(now: number): void {
    this.#starts.push(now);
  }

  /** Discord said the bot as a whole is rate limited: nothing starts before `until`. */
  pauseUntil(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
  }

  #expire(now: number): void {
    let drop = 0;
    while (drop < this.#starts.length && this.#starts[drop]! <= now - WINDOW_MS) drop += 1;
    if (drop > 0) this.#starts.splice(0, drop);
  }
}

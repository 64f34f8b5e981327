/**
 * Per-route pacing learned from Discord's own answers (docs/discord-limits.md, "Rate limits": limits
 * are not published, read the headers). Each route key names one Discord bucket as
 * discord.js and Discord see it: a bucket plus its major parameter (an interaction's
 * webhook token, a channel id). From `X-RateLimit-Remaining` and `-Reset-After` the
 * next request is placed so that what is left of the window is spread evenly over it:
 * with 5 per 5 s that is one edit a second, never a burst of five and four seconds
 * of silence, which is what keeps the newest step on screen within about a second.
 *
 * Progress asks `progressReadyAt` (evenly spread); a final asks `finalReadyAt`, which
 * only needs one request left in the window, so it never waits for the spread. Near a
 * job's end progress leaves the window's last request to the final (see progressReadyAt). The
 * ready-at questions take the time from the caller: one pass over a thousand waiting
 * messages reads the clock once.
 */

export interface RateLimitInfo {
  /** X-RateLimit-Limit */
  limit: number | null;
  /** X-RateLimit-Remaining */
  remaining: number | null;
  /** X-RateLimit-Reset-After, in ms */
  resetAfterMs: number | null;
  /** Retry-After (429), in ms */
  retryAfterMs: number | null;
  /** X-RateLimit-Bucket */
  bucket: string | null;
  /** X-RateLimit-Scope: user, global or shared (429 only) */
  scope: string | null;
  /** X-RateLimit-Global: the whole bot is limited, not this route. */
  global: boolean;
}

/** Anything with a `get(name)` for headers, as undici's Headers has. */
export interface HeaderSource {
  get(name: string): string | null;
}

export function readRateLimitHeaders(headers: HeaderSource): RateLimitInfo {
  const number = (name: string): number | null => {
    const raw = headers.get(name);
    if (raw === null || raw.trim() === '') return null;
    const value = Number(raw);
    return Number.isFinite(value) && value >= 0 ? value : null;
  };
  const seconds = (name: string): number | null => {
    const value = number(name);
    return value === null ? null : Math.round(value * 1000);
  };
  return {
    limit: number('x-ratelimit-limit'),
    remaining: number('x-ratelimit-remaining'),
    resetAfterMs: seconds('x-ratelimit-reset-after'),
    retryAfterMs: seconds('retry-after'),
    bucket: headers.get('x-ratelimit-bucket'),
    scope: headers.get('x-ratelimit-scope'),
    global: headers.get('x-ratelimit-global') !== null,
  };
}

interface RouteState {
  remaining: number | null;
  /** When the window Discord described ends (clock ms, margin included). */
  resetAt: number;
  /** Requests started and not yet answered (or given up on). */
  unanswered: number;
  lastStartAt: number;
  bucket: string | null;
}

export interface RouteLimitsOptions {
  now?: () => number;
  /**
   * Added to every reset Discord announces: the window is counted from when Discord
   * took the request, our clock from when the answer came back; discord.js adds 50 ms
   * of its own before it thinks the window over. Default 100 ms.
   */
  marginMs?: number;
  /**
   * While a final is expected soon, progress takes a window's last request no earlier
   * than this long before the window ends; the final so waits at most this long for its
   * route. Default 300 ms.
   */
  finalReserveMs?: number;
}

export class RouteLimits {
  readonly #routes = new Map<string, RouteState>();
  readonly #now: () => number;
  readonly #margin: number;
  readonly #finalReserve: number;

  constructor(options: RouteLimitsOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#margin = options.marginMs ?? 100;
    this.#finalReserve = options.finalReserveMs ?? 300;
  }

  /**
   * What Discord answered for a request on `key` (any status). Called by whoever sees
   * the response headers; it does not end the request (see `finished`), since discord.js
   * may answer one edit with several responses (its own 5xx retries).
   */
  observe(key: string, info: RateLimitInfo): void {
    if (info.global) return; // a global 429 says nothing about this route
    const now = this.#now();
    const state = this.#state(key);
    if (info.bucket !== null) state.bucket = info.bucket;
    if (info.remaining !== null && info.resetAfterMs !== null) {
      state.remaining = info.remaining;
      state.resetAt = now + info.resetAfterMs + this.#margin;
    }
    if (info.retryAfterMs !== null) this.hold(key, now + info.retryAfterMs);
  }

  /** Discord refused a request on `key` with a wait (a 429, headers or not): nothing on it before `untilMs`. */
  hold(key: string, untilMs: number): void {
    const state = this.#state(key);
    state.remaining = 0;
    state.resetAt = Math.max(state.resetAt, untilMs + this.#margin);
  }

  /** A request on `key` is about to start. */
  started(key: string, now: number): void {
    const state = this.#state(key);
    state.unanswered += 1;
    state.lastStartAt = now;
  }

  /** A request on `key` has ended (answered or not); its answer, if any, was observed before. */
  finished(key: string): void {
    const state = this.#routes.get(key);
    if (state) state.unanswered = Math.max(0, state.unanswered - 1);
  }

  /**
   * Earliest start of a progress request on `key`: what is left of the window, spread
   * evenly. With `keepLastForFinal` (a final is expected soon) the window's last request
   * is kept for it until `finalReserveMs` before the window ends, and what is left before
   * that is spread over the time up to it: a final that comes while the window is spent
   * would otherwise wait up to a whole slot (about 1.1 s at 5 per 5 s) behind progress.
   */
  progressReadyAt(key: string, now: number, keepLastForFinal = false): number {
    const state = this.#routes.get(key);
    if (state === undefined) return now;
    // One progress request per route at a time: its answer says how much is left.
    if (state.unanswered > 0) return Number.POSITIVE_INFINITY;
    if (state.remaining === null || now >= state.resetAt) return now;
    if (state.remaining <= 0) return state.resetAt;
    if (!keepLastForFinal) return Math.max(now, state.lastStartAt + (state.resetAt - state.lastStartAt) / (state.remaining + 1));
    const lastAt = Math.max(state.lastStartAt, state.resetAt - this.#finalReserve);
    return Math.max(now, state.lastStartAt + (lastAt - state.lastStartAt) / state.remaining);
  }

  /** Earliest start of a final on `key`: as soon as the window has a request left. */
  finalReadyAt(key: string, now: number): number {
    const state = this.#routes.get(key);
    if (state === undefined) return now;
    // Infinity: a request on the route is out and its answer decides; the caller is woken when it ends.
    if (state.remaining === null || now >= state.resetAt) return state.unanswered === 0 ? now : Number.POSITIVE_INFINITY;
    if (state.remaining - state.unanswered > 0) return now;
    return state.unanswered > 0 ? Number.POSITIVE_INFINITY : state.resetAt;
  }

  /** When what Discord said about `key` stops applying (0 when nothing is known). */
  heldUntil(key: string): number {
    const state = this.#routes.get(key);
    return state === undefined || state.remaining !== 0 ? 0 : state.resetAt;
  }

  /** Drops what is known of a route no message will use again (a finished job's webhook). */
  forget(key: string): void {
    const state = this.#routes.get(key);
    if (state !== undefined && state.unanswered === 0) this.#routes.delete(key);
  }

  get size(): number {
    return this.#routes.size;
  }

  #state(key: string): RouteState {
    let state = this.#routes.get(key);
    if (state === undefined) {
      state = { remaining: null, resetAt: 0, unanswered: 0, lastStartAt: Number.NEGATIVE_INFINITY, bucket: null };
      this.#routes.set(key, state);
    }
    return state;
  }
}

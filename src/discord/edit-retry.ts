import { retryDelay } from '../retry.ts';
import type { EditFailure } from './edit-errors.ts';

/**
 * When a failed Discord request may be tried again, and when a final should stop
 * waiting for its route and take another. Rate limits wait exactly what Discord asked,
 * unless that is longer than `maxRetryAfterMs`: a final is then moved to another
 * route at once (issue 9.6, a result must not be held for an hour). 5xx and network
 * errors back off exponentially with jitter; a final still failing `maxRetryAfterMs`
 * after its first failure on a route moves too. Refusals (4xx) are not retried, and
 * further progress edits of that message slow down so a dead message is not hammered
 * (401/403/429 answers count towards Discord's invalid-request ban).
 */
export interface RetryPolicyOptions {
  baseMs: number;
  maxMs: number;
  /** Attempts of a final on one route. */
  finalMaxAttempts: number;
  progressMaxAttempts: number;
  /** DISCORD_MAX_RETRY_AFTER_SECONDS in ms: the longest a final waits on one route. */
  maxRetryAfterMs: number;
  /** 0..1 */
  random: () => number;
}

export interface RetryContext {
  /** Tries of this state on its current route so far. */
  attempts: number;
  final: boolean;
  /** Refused edits of this message in a row. */
  refusals: number;
  /** When this state first failed on its current route. */
  failingSince: number;
  now: number;
}

export interface RetryDecision {
  retry: boolean;
  /** A final should leave its route for the next one (and is then tried at once). */
  fallBack: boolean;
  /** No edit of this message (final or not) before this time. */
  retryAt: number | null;
  /** No progress edit of this message before this time. */
  penaltyUntil: number | null;
  /** No bot-token edit of any message before this time (a global 429). */
  pauseAllUntil: number | null;
}

export class RetryPolicy {
  readonly #o: RetryPolicyOptions;

  constructor(options: RetryPolicyOptions) {
    this.#o = options;
  }

  get maxRetryAfterMs(): number {
    return this.#o.maxRetryAfterMs;
  }

  get finalMaxAttempts(): number {
    return this.#o.finalMaxAttempts;
  }

  decide(failure: EditFailure, context: RetryContext): RetryDecision {
    const { attempts, final, refusals, failingSince, now } = context;
    const maxAttempts = final ? this.#o.finalMaxAttempts : this.#o.progressMaxAttempts;
    const retry = attempts < maxAttempts;
    const none = { fallBack: false, penaltyUntil: null, pauseAllUntil: null };
    switch (failure.kind) {
      case 'rate_limited': {
        const at = now + failure.retryAfterMs;
        const pauseAllUntil = failure.global ? at : null;
        if (final && (failure.retryAfterMs > this.#o.maxRetryAfterMs || !retry)) {
          return { ...none, retry: true, fallBack: true, retryAt: now, pauseAllUntil };
        }
        return { ...none, retry, retryAt: at, pauseAllUntil };
      }
      case 'transient': {
        const deadline = failingSince + this.#o.maxRetryAfterMs;
        if (final && (now >= deadline || !retry)) return { ...none, retry: true, fallBack: true, retryAt: now };
        // A final is retried on its route up to the deadline, and then moves on time.
        const at = now + this.backoff(attempts);
        return { ...none, retry, retryAt: final ? Math.min(at, deadline) : at };
      }
      default:
        return { ...none, retry: false, retryAt: null, penaltyUntil: now + this.backoff(refusals) };
    }
  }

  /** The wait before try `attempt + 1`: base × 2^(attempt-1), capped, with jitter in [½, 1]. */
  backoff(attempt: number): number {
    return backoffMs(attempt, this.#o.baseMs, this.#o.maxMs, this.#o.random);
  }
}

/** Exponential backoff with jitter in [½, 1], by the shared retry policy (src/retry.ts). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return retryDelay({ baseMs, maxMs, jitter: 0.5, random }, attempt);
}

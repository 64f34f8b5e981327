import type { EditFailure } from './edit-errors.ts';

/**
 * When a failed edit may be tried again. Rate limits wait exactly what Discord asked;
 * 5xx and network errors back off exponentially with jitter; refusals (4xx) are not
 * retried, and further progress edits of that message slow down so a dead message is
 * not hammered (401/403/429 answers count towards Discord's invalid-request ban).
 */
export interface RetryPolicyOptions {
  baseMs: number;
  maxMs: number;
  finalMaxAttempts: number;
  progressMaxAttempts: number;
  /** 0..1 */
  random: () => number;
}

export interface RetryDecision {
  retry: boolean;
  /** No edit of this message (final or not) before this time. */
  retryAt: number | null;
  /** No progress edit of this message before this time. */
  penaltyUntil: number | null;
  /** No edit of any message before this time (a global 429). */
  pauseAllUntil: number | null;
}

export class RetryPolicy {
  readonly #o: RetryPolicyOptions;

  constructor(options: RetryPolicyOptions) {
    this.#o = options;
  }

  /** `attempts`: tries of this state so far; `refusals`: refused edits of this message in a row. */
  decide(failure: EditFailure, attempts: number, final: boolean, refusals: number, now: number): RetryDecision {
    const maxAttempts = final ? this.#o.finalMaxAttempts : this.#o.progressMaxAttempts;
    const retry = attempts < maxAttempts;
    switch (failure.kind) {
      case 'rate_limited': {
        const at = now + failure.retryAfterMs;
        return { retry, retryAt: at, penaltyUntil: null, pauseAllUntil: failure.global ? at : null };
      }
      case 'transient':
        return { retry, retryAt: now + this.backoff(attempts), penaltyUntil: null, pauseAllUntil: null };
      default:
        return { retry: false, retryAt: null, penaltyUntil: now + this.backoff(refusals), pauseAllUntil: null };
    }
  }

  backoff(attempt: number): number {
    const ceiling = Math.min(this.#o.maxMs, this.#o.baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(ceiling * (0.5 + this.#o.random() / 2));
  }
}

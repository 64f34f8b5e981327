import { systemClock, type Clock } from './clock.ts';

/**
 * How a retry loop waits: the one policy behind every retry in comfycord (Discord
 * deferrals and edits, ComfyUI result fetches, the ComfyUI socket's reconnects).
 * Waits double from `baseMs` up to `maxMs`, or follow `stepsMs` when given; `jitter`
 * spreads them so clients that failed together do not come back together.
 */
export interface RetryPolicy {
  /** The wait before the first retry; each further retry waits twice the one before. */
  baseMs: number;
  /** No wait is longer than this. */
  maxMs: number;
  /**
   * Waits by retry instead of doubling: retry n waits `stepsMs[n - 1]`, the last step
   * repeating. Still capped by `maxMs`.
   * @default undefined (doubling)
   */
  stepsMs?: readonly number[];
  /**
   * Share of each wait drawn at random: a wait of `w` becomes one in `[w × (1 - jitter), w]`.
   * @default 0
   */
  jitter?: number;
  /**
   * Tries in all, the first included.
   * @default Infinity (a deadline or an abort ends the loop)
   */
  maxAttempts?: number;
  /**
   * Source of randomness for the jitter, in [0, 1).
   * @default Math.random
   */
  random?: () => number;
}

/** The wait before retry `retry` (1 for the first retry; 0 is read as 1). */
export function retryDelay(policy: RetryPolicy, retry: number): number {
  const index = Math.max(1, retry);
  const steps = policy.stepsMs;
  const planned = steps !== undefined && steps.length > 0 ? steps[Math.min(index, steps.length) - 1]! : policy.baseMs * 2 ** (index - 1);
  const ceiling = Math.min(policy.maxMs, planned);
  const jitter = policy.jitter ?? 0;
  if (jitter === 0) return ceiling;
  return Math.round(ceiling * (1 - jitter + jitter * (policy.random ?? Math.random)()));
}

export interface RetryOptions {
  policy: RetryPolicy;
  /** Whether a failure is worth another try; anything else is thrown at once. */
  retryable: (error: unknown) => boolean;
  /** Aborting ends the loop, mid-wait too, with the signal's reason. */
  signal?: AbortSignal;
  /**
   * No retry whose wait would end after this time (ms since the epoch, on `clock`):
   * the last failure is thrown instead.
   * @default undefined (no deadline)
   */
  deadline?: number;
  /**
   * Every wait and timestamp of the loop.
   * @default systemClock
   */
  clock?: Clock;
  /** Told before each wait (for a log line). */
  onRetry?: (error: unknown, waitMs: number, retry: number) => void;
}

/** Runs `attempt` until it resolves, or a failure is not retryable, or the policy's bounds are reached. */
export async function withRetry<T>(attempt: (index: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const clock = options.clock ?? systemClock;
  const maxAttempts = options.policy.maxAttempts ?? Number.POSITIVE_INFINITY;
  for (let index = 0; ; index += 1) {
    options.signal?.throwIfAborted();
    try {
      return await attempt(index);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const retry = index + 1;
      const waitMs = retryDelay(options.policy, retry);
      const pastDeadline = options.deadline !== undefined && clock.now() + waitMs > options.deadline;
      if (retry >= maxAttempts || pastDeadline || !options.retryable(error)) throw error;
      options.onRetry?.(error, waitMs, retry);
      await waitFor(waitMs, { clock, signal: options.signal });
    }
  }
}

/** Resolves after `ms` on `clock`; rejects with the signal's reason if it aborts first. */
export function waitFor(ms: number, options: { clock?: Clock; signal?: AbortSignal | undefined } = {}): Promise<void> {
  const clock = options.clock ?? systemClock;
  const { signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = clock.after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

import { describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../src/clock.ts';
import { retryDelay, waitFor, withRetry, type RetryPolicy } from '../src/retry.ts';

/** Virtual time: each wait asked of it passes at once and moves `now` on by its length. */
function virtualClock(start = 0): Clock & { waits: number[] } {
  let now = start;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    after(ms, run) {
      waits.push(ms);
      now += ms;
      const timer = setImmediate(run);
      return () => clearImmediate(timer);
    },
    every: () => {
      throw new Error('not used by the retry loop');
    },
  };
}

class Flaky extends Error {}

/** An attempt that fails `failures` times with a Flaky error, then returns 'ok'. */
function failing(failures: number): { run: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    run: async () => {
      calls += 1;
      if (calls <= failures) throw new Flaky(`failure ${calls}`);
      return 'ok';
    },
    calls: () => calls,
  };
}

describe('retryDelay', () => {
  it('GIVEN a doubling policy THEN waits double from baseMs and stop at maxMs', () => {
    const policy: RetryPolicy = { baseMs: 500, maxMs: 3_000 };
    expect([0, 1, 2, 3, 4, 5].map((retry) => retryDelay(policy, retry))).toEqual([500, 500, 1_000, 2_000, 3_000, 3_000]);
  });

  it('GIVEN steps THEN retry n waits step n, the last repeating, capped by maxMs', () => {
    const policy: RetryPolicy = { baseMs: 0, maxMs: 900, stepsMs: [100, 250, 1_000] };
    expect([1, 2, 3, 4].map((retry) => retryDelay(policy, retry))).toEqual([100, 250, 900, 900]);
  });

  it('GIVEN jitter THEN a wait falls between (1 - jitter) of it and all of it', () => {
    const low = retryDelay({ baseMs: 1_000, maxMs: 10_000, jitter: 0.5, random: () => 0 }, 2);
    const high = retryDelay({ baseMs: 1_000, maxMs: 10_000, jitter: 0.5, random: () => 0.999_999 }, 2);
    expect(low).toBe(1_000);
    expect(high).toBe(2_000);
  });
});

describe('withRetry', () => {
  it('GIVEN two transient failures THEN the third try succeeds after the policy waits', async () => {
    const clock = virtualClock();
    const attempt = failing(2);
    const retries: number[] = [];
    const result = await withRetry(attempt.run, {
      policy: { baseMs: 100, maxMs: 1_000 },
      retryable: (error) => error instanceof Flaky,
      clock,
      onRetry: (_error, waitMs) => retries.push(waitMs),
    });
    expect(result).toBe('ok');
    expect(attempt.calls()).toBe(3);
    expect(clock.waits).toEqual([100, 200]);
    expect(retries).toEqual([100, 200]);
  });

  it('GIVEN a failure that is not retryable THEN it is thrown after one try', async () => {
    const clock = virtualClock();
    const attempt = failing(1);
    await expect(withRetry(attempt.run, { policy: { baseMs: 100, maxMs: 1_000 }, retryable: () => false, clock })).rejects.toThrow('failure 1');
    expect(attempt.calls()).toBe(1);
    expect(clock.waits).toEqual([]);
  });

  it('GIVEN maxAttempts THEN the last failure is thrown after that many tries', async () => {
    const clock = virtualClock();
    const attempt = failing(10);
    await expect(
      withRetry(attempt.run, { policy: { baseMs: 0, maxMs: 100, stepsMs: [10, 20], maxAttempts: 3 }, retryable: () => true, clock }),
    ).rejects.toThrow('failure 3');
    expect(attempt.calls()).toBe(3);
    expect(clock.waits).toEqual([10, 20]);
  });

  it('GIVEN a deadline THEN no wait that would end past it is started', async () => {
    const clock = virtualClock(1_000);
    const attempt = failing(10);
    await expect(
      withRetry(attempt.run, { policy: { baseMs: 100, maxMs: 10_000 }, retryable: () => true, clock, deadline: 1_000 + 350 }),
    ).rejects.toThrow('failure 3');
    // 100 ends at 1100, 200 at 1300; the next 400 would end at 1700, past 1350.
    expect(clock.waits).toEqual([100, 200]);
  });

  it('GIVEN an abort during a wait THEN the loop rejects with the reason at once', async () => {
    const controller = new AbortController();
    const reason = new Error('gave up');
    const attempt = failing(10);
    const started = Date.now();
    setTimeout(() => controller.abort(reason), 20);
    await expect(
      withRetry(attempt.run, { policy: { baseMs: 60_000, maxMs: 60_000 }, retryable: () => true, signal: controller.signal, clock: systemClock }),
    ).rejects.toBe(reason);
    expect(attempt.calls()).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('waitFor', () => {
  it('GIVEN a signal already aborted THEN it rejects without asking the clock', async () => {
    const clock = virtualClock();
    const controller = new AbortController();
    controller.abort(new Error('before'));
    await expect(waitFor(1_000, { clock, signal: controller.signal })).rejects.toThrow('before');
    expect(clock.waits).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { readRateLimitHeaders, RouteLimits, type RateLimitInfo } from '../../src/discord/route-limits.ts';

const headers = (values: Record<string, string>) => new Headers(values);

function info(remaining: number, resetAfterS: number, extra: Partial<RateLimitInfo> = {}): RateLimitInfo {
  return { limit: 5, remaining, resetAfterMs: resetAfterS * 1000, retryAfterMs: null, bucket: 'b', scope: null, global: false, ...extra };
}

describe('readRateLimitHeaders', () => {
  it('GIVEN Discord headers THEN reads bucket, remaining, reset-after, retry-after, scope and global', () => {
    expect(
      readRateLimitHeaders(
        headers({
          'X-RateLimit-Bucket': 'abcd',
          'X-RateLimit-Limit': '5',
          'X-RateLimit-Remaining': '0',
          'X-RateLimit-Reset-After': '1.250',
          'Retry-After': '2',
          'X-RateLimit-Scope': 'shared',
        }),
      ),
    ).toEqual({ limit: 5, remaining: 0, resetAfterMs: 1250, retryAfterMs: 2000, bucket: 'abcd', scope: 'shared', global: false });
    expect(readRateLimitHeaders(headers({ 'X-RateLimit-Global': 'true', 'Retry-After': 'x' }))).toMatchObject({ global: true, retryAfterMs: null, remaining: null });
  });
});

describe('RouteLimits', () => {
  it('GIVEN 5 per 5 s THEN progress is spread one a second, and waits for the reset when none is left', () => {
    let now = 0;
    const limits = new RouteLimits({ now: () => now, marginMs: 0 });
    const starts: number[] = [];
    // Plays Discord's fixed window of 5 per 5 s, started by the first request.
    let windowStart = -Infinity;
    let used = 0;
    while (now < 12_000) {
      const at = limits.progressReadyAt('k', now);
      now = Math.max(now, at);
      if (now - windowStart >= 5000) {
        windowStart = now;
        used = 0;
      }
      expect(used).toBeLessThan(5); // never refused
      used += 1;
      starts.push(now);
      limits.started('k', now);
      limits.observe('k', info(5 - used, (windowStart + 5000 - now) / 1000));
      limits.finished('k');
    }
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1000);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(999);
  });

  it('GIVEN a final expected soon THEN progress leaves the window\'s last request to it until the last 300 ms, and the final finds it free', () => {
    let now = 0;
    const limits = new RouteLimits({ now: () => now, marginMs: 0 });
    limits.started('k', 0);
    limits.observe('k', info(4, 5));
    limits.finished('k');
    // Not expected: 4 left over 5 s, spread as five gaps of 1 s.
    expect(limits.progressReadyAt('k', 0)).toBe(1000);
    // Expected: the 4 are spread up to 4.7 s, the last placed there.
    const starts: number[] = [];
    for (let left = 3; left >= 0; left -= 1) {
      now = limits.progressReadyAt('k', now, true);
      expect(limits.finalReadyAt('k', now)).toBe(now);
      starts.push(now);
      limits.started('k', now);
      limits.observe('k', info(left, (5000 - now) / 1000));
      limits.finished('k');
    }
    expect(starts).toEqual([1175, 2350, 3525, 4700]);
    // The window spent, a final waits only what is left of it.
    expect(limits.finalReadyAt('k', 4750)).toBe(5000);
  });

  it('GIVEN a request out with nothing known THEN progress waits for its answer, a final only for a free slot', () => {
    const limits = new RouteLimits({ now: () => 0, marginMs: 0 });
    expect(limits.progressReadyAt('k', 0)).toBe(0);
    limits.started('k', 0);
    expect(limits.progressReadyAt('k', 0)).toBe(Number.POSITIVE_INFINITY);
    expect(limits.finalReadyAt('k', 0)).toBe(Number.POSITIVE_INFINITY);
    limits.observe('k', info(3, 5));
    limits.finished('k');
    // 3 left over 5 s: progress at 5000/4, a final at once.
    expect(limits.progressReadyAt('k', 10)).toBe(1250);
    expect(limits.finalReadyAt('k', 10)).toBe(10);
  });

  it('GIVEN a 429 with retry-after THEN the route is held until then (plus the margin), a global one holds nothing here', () => {
    const limits = new RouteLimits({ now: () => 1000, marginMs: 100 });
    limits.observe('k', info(0, 3600, { retryAfterMs: 3_600_000 }));
    expect(limits.heldUntil('k')).toBe(1000 + 3_600_000 + 100);
    expect(limits.finalReadyAt('k', 2000)).toBe(3_601_100);
    limits.observe('g', { ...info(0, 1), global: true, retryAfterMs: 1000 });
    expect(limits.heldUntil('g')).toBe(0);
    expect(limits.finalReadyAt('g', 2000)).toBe(2000);
  });
});

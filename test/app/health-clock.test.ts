import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.ts';
import { ServerPool } from '../../src/app/server-pool.ts';
import { loadTemplates } from '../../src/workflows/index.ts';
import { closedPort } from '../comfy/helpers.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';

/** A clock that moves only when the test says so. */
function manualClock(start: number): Clock & { advance(ms: number): void; asked: string[] } {
  let now = start;
  const asked: string[] = [];
  const timers = new Set<{ at: number; run: () => void }>();
  return {
    asked,
    now: () => now,
    after(ms, run) {
      asked.push(`after ${ms}`);
      const timer = { at: now + ms, run };
      timers.add(timer);
      return () => timers.delete(timer);
    },
    every(ms) {
      asked.push(`every ${ms}`);
      return () => undefined;
    },
    advance(ms) {
      now += ms;
      for (const timer of [...timers]) {
        if (timer.at > now) continue;
        timers.delete(timer);
        timer.run();
      }
    },
  };
}

describe('server health runs on the injected clock', () => {
  it('asks the clock for the health check and ends a cool-down when the clock says so', async () => {
    const templates = await loadTemplates(join(REPO_ROOT, 'workflows'));
    const clock = manualClock(Date.UTC(2030, 0, 1, 12, 0, 0));
    const pool = new ServerPool([{ name: 'gpu1', url: `http://127.0.0.1:${await closedPort()}` }], { templates, clock, healthCheckMs: 5_000 });
    try {
      let changes = 0;
      pool.onChange(() => (changes += 1));
      expect(clock.asked).toContain('every 5000');
      pool.bench('gpu1', 60_000, 'stalled twice in a row');
      expect(pool.status()[0]!.health).toBe('unhealthy until 12:01:00 UTC (stalled twice in a row)');
      const before = changes;
      clock.advance(59_000);
      expect(pool.status()[0]!.health).toMatch(/^unhealthy until/);
      expect(changes).toBe(before);
      clock.advance(2_000);
      expect(pool.status()[0]!.health).toBeNull();
      // Waiting work is looked at again when the cool-down ends.
      expect(changes).toBe(before + 1);
    } finally {
      await pool.close();
    }
  });
});

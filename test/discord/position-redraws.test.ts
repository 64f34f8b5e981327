import { describe, expect, it } from 'vitest';
import { PositionRedraws, positionRefreshMs } from '../../src/discord/position-redraws.ts';

const jobs = (count: number): { id: string }[] => Array.from({ length: count }, (_, index) => ({ id: `j${index}` }));

describe('PositionRedraws', () => {
  it('refresh time: 1 s for the first ten places, 100 ms per place behind them, at most 30 s', () => {
    expect([1, 10, 11, 50, 300, 301, 5000].map(positionRefreshMs)).toEqual([1000, 1000, 1100, 5000, 30_000, 30_000, 30_000]);
  });

  it('draws what was never drawn, then nothing until a place or the total changes', () => {
    const redraws = new PositionRedraws();
    const line = jobs(3);
    expect(redraws.plan(line, 0).redraw.map((r) => `${r.job.id} ${r.position}/${r.total}`)).toEqual(['j0 1/3', 'j1 2/3', 'j2 3/3']);
    expect(redraws.plan(line, 60_000)).toEqual({ redraw: [], nextPassInMs: null });
  });

  it('after a start, the front moves once its drawing is 1 s old; far back waits longer, and the next pass is due then', () => {
    const redraws = new PositionRedraws();
    const line = jobs(40);
    redraws.plan(line, 0);
    const moved = line.slice(1);
    // 500 ms later: nobody is due yet; the earliest is the front at 1 s.
    expect(redraws.plan(moved, 500)).toEqual({ redraw: [], nextPassInMs: 500 });
    const atOne = redraws.plan(moved, 1_000);
    expect(atOne.redraw.map((r) => r.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Position 11 (was drawn at 0) is due at 1.1 s.
    expect(atOne.nextPassInMs).toBe(100);
    const atFour = redraws.plan(moved, 4_000);
    expect(atFour.redraw.map((r) => r.position)).toEqual(Array.from({ length: 29 }, (_, index) => index + 11));
    // The last one (39th, drawn at 0) is due at 3.9 s, so all are drawn by 4 s.
    expect(atFour.nextPassInMs).toBeNull();
  });

  it('a job drawn on enqueue is not drawn again by the next pass; a job that left the line is forgotten', () => {
    const redraws = new PositionRedraws();
    redraws.drawn('j0', { position: 1, total: 1 }, 0);
    expect(redraws.plan(jobs(1), 10).redraw).toEqual([]);
    expect(redraws.plan([], 20).redraw).toEqual([]);
    // Back in line later: drawn as new.
    expect(redraws.plan(jobs(1), 30).redraw).toEqual([{ job: { id: 'j0' }, position: 1, total: 1 }]);
  });
});

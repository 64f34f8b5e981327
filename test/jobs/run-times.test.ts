import { describe, expect, it } from 'vitest';
import { RunTimes } from '../../src/jobs/run-times.ts';

describe('RunTimes', () => {
  it('is the median of the last five runs of a template, per template', () => {
    const times = new RunTimes();
    expect(times.typicalMs('video')).toBeNull();
    times.seed([
      { template: 'video', ms: 900_000 },
      { template: 'video', ms: 100 },
      { template: 'txt2img', ms: 5_000 },
    ]);
    expect(times.typicalMs('video')).toBe((900_000 + 100) / 2);
    for (const ms of [200_000, 240_000, 250_000, 260_000]) times.record('video', ms);
    // 900 000 fell out (the oldest of six); one odd run of 100 ms does not swing the median.
    expect(times.typicalMs('video')).toBe(240_000);
    expect(times.typicalMs('txt2img')).toBe(5_000);
  });

  it('ignores a negative or non-finite duration (a clock that went back)', () => {
    const times = new RunTimes();
    times.record('video', -5);
    times.record('video', Number.NaN);
    expect(times.typicalMs('video')).toBeNull();
  });

  it('remembers at most 200 templates, dropping the longest unused', () => {
    const times = new RunTimes();
    for (let i = 0; i < 201; i += 1) times.record(`t${i}`, 1_000);
    expect(times.typicalMs('t0')).toBeNull();
    expect(times.typicalMs('t1')).toBe(1_000);
    expect(times.typicalMs('t200')).toBe(1_000);
  });
});

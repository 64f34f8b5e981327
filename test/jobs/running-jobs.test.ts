import { describe, expect, it } from 'vitest';
import { RunningJobs } from '../../src/jobs/running-jobs.ts';
import { makeJob } from './job-fixture.ts';


describe('RunningJobs', () => {
  it('keeps start order, counts per user and load per server as jobs come and go', () => {
    const running = new RunningJobs();
    const [a1, b1, a2] = [makeJob('alice'), makeJob('bob'), makeJob('alice')];
    running.add({ job: a1, controller: new AbortController(), worker: 'gpu1' });
    running.add({ job: b1, controller: new AbortController(), worker: 'gpu1' });
    running.add({ job: a2, controller: new AbortController(), worker: 'gpu2' });
    expect(running.jobs()).toEqual([a1, b1, a2]);
    expect(running.jobsOf('alice')).toEqual([a1, a2]);
    expect(running.countFor('alice')).toBe(2);
    expect(running.load(['gpu1', 'gpu2', 'gpu3'])).toEqual(new Map([['gpu1', 2], ['gpu2', 1], ['gpu3', 0]]));
    expect(running.get(b1.id)?.worker).toBe('gpu1');

    expect(running.remove(a1)).toBe(true);
    // Removed twice (the run's end and a requeue both let go of it): counted once.
    expect(running.remove(a1)).toBe(false);
    expect(running.countFor('alice')).toBe(1);
    expect(running.remove(a2)).toBe(true);
    expect(running.countFor('alice')).toBe(0);
    expect(running.jobsOf('alice')).toEqual([]);
    expect(running.size).toBe(1);
  });
});

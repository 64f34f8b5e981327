import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/job.ts';
import { ServerChoice } from '../../src/jobs/server-choice.ts';
import type { WorkerSlot } from '../../src/jobs/scheduler-types.ts';
import { makeJob } from './job-fixture.ts';

const jobFor = (checkpoint: string) => makeJob('alice', { options: { prompt: 'a fox', checkpoint } });


const server = (name: string, extra: Partial<WorkerSlot> & { up?: () => boolean } = {}): WorkerSlot => ({
  name,
  isHealthy: extra.up ?? (() => true),
  canRun: extra.canRun ?? (() => true),
  ...(extra.weight === undefined ? {} : { weight: extra.weight }),
  ...(extra.affinity === undefined ? {} : { affinity: extra.affinity }),
});

describe('ServerChoice', () => {
  it('picks the least loaded server for its weight, then the one the job fits best', () => {
    const loaded = (job: Job) => (job.spec.options['checkpoint'] === 'sdxl' ? 1 : 0);
    const servers = [server('a'), server('b', { weight: 2 }), server('c', { affinity: loaded })];
    const choice = new ServerChoice(servers);
    const job = jobFor('sdxl');
    // a: 1 job for weight 1; b: 1 job for weight 2; c: none.
    expect(choice.best(servers, job, new Map([['a', 1], ['b', 1], ['c', 0]])).name).toBe('c');
    // a: 0/1, b: 0/2 and c: 0 tie; c has the job's checkpoint loaded.
    expect(choice.best(servers, job, new Map()).name).toBe('c');
    expect(choice.best(servers, jobFor('sd15'), new Map([['a', 1], ['b', 1], ['c', 1]])).name).toBe('b');
  });

  it('keeps a job off the server it stalled on while another healthy one can run it, and only then', () => {
    let bUp = true;
    const servers = [server('a'), server('b', { up: () => bUp })];
    const choice = new ServerChoice(servers);
    const job = jobFor('sdxl');
    choice.avoid(job.id, 'a');
    expect(choice.fits(servers[0]!, job)).toBe(false);
    expect(choice.elsewhere(job, 'a')).toBe(true);
    expect(choice.best(servers, job, new Map([['a', 0], ['b', 5]])).name).toBe('b');
    bUp = false;
    expect(choice.elsewhere(job, 'a')).toBe(false);
    expect(choice.fits(servers[0]!, job)).toBe(true);
    bUp = true;
    choice.forget(job.id);
    expect(choice.fits(servers[0]!, job)).toBe(true);
  });

  it('never offers a server that cannot run the job', () => {
    const servers = [server('a', { canRun: () => false }), server('b')];
    const choice = new ServerChoice(servers);
    expect(choice.fits(servers[0]!, jobFor('sdxl'))).toBe(false);
    expect(choice.best(servers, jobFor('sdxl'), new Map([['b', 9]])).name).toBe('b');
  });
});

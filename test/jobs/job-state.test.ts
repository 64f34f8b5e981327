import { describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/jobs/job.ts';
import {
  FINISHED_STATUSES,
  IllegalTransitionError,
  JOB_TRANSITIONS,
  UNFINISHED_STATUSES,
  canMove,
  isFinished,
  moveJob,
  moveOrLog,
  recordDeliveredUrl,
  recordDelivery,
  recordInput,
} from '../../src/jobs/job-state.ts';
import { capturedLogger } from '../comfy/helpers.ts';
import { makeJob } from './job-fixture.ts';

const jobIn = (status: JobStatus) => makeJob('alice', { status });


const ALL: JobStatus[] = ['queued', 'submitted', 'running', 'done', 'failed', 'cancelled'];
/** The steps the job lifecycle needs, written out here independently of the table. */
const LEGAL: ReadonlyArray<[JobStatus, JobStatus]> = [
  ['queued', 'queued'],
  ['queued', 'submitted'],
  ['queued', 'failed'],
  ['queued', 'cancelled'],
  ['submitted', 'queued'],
  ['submitted', 'submitted'],
  ['submitted', 'running'],
  ['submitted', 'done'],
  ['submitted', 'failed'],
  ['submitted', 'cancelled'],
  ['running', 'queued'],
  ['running', 'submitted'],
  ['running', 'done'],
  ['running', 'failed'],
  ['running', 'cancelled'],
];
const isLegal = (from: JobStatus, to: JobStatus) => LEGAL.some(([a, b]) => a === from && b === to);

function thrownBy(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('job state machine', () => {
  it('lets a job go queued → submitted → running → done, and records the fields that go with each step', () => {
    const job = jobIn('queued');
    moveJob(job, 'submitted', { server: 'gpu1', startedAt: 10 });
    moveJob(job, 'running');
    moveJob(job, 'done', { finishedAt: 20, failure: null });
    expect(job).toMatchObject({ status: 'done', server: 'gpu1', startedAt: 10, finishedAt: 20, failure: null });
    recordDelivery(job, 25);
    expect(job.deliveredAt).toBe(25);
  });

  it('takes every legal step, with its fields', () => {
    for (const [from, to] of LEGAL) {
      const job = jobIn(from);
      moveJob(job, to, { server: 'gpu2', finishedAt: 7 });
      expect(job, `${from} → ${to}`).toMatchObject({ status: to, server: 'gpu2', finishedAt: 7 });
    }
  });

  it('refuses every other step with JOB_ILLEGAL_TRANSITION and leaves the job exactly as it was', () => {
    const refused: string[] = [];
    for (const from of ALL) {
      for (const to of ALL) {
        if (isLegal(from, to)) continue;
        const job = jobIn(from);
        const before = structuredClone(job);
        const error = thrownBy(() => moveJob(job, to, { server: 'gpu2', failure: { code: 'X', userMessage: 'x' } }));
        expect(error, `${from} → ${to}`).toBeInstanceOf(IllegalTransitionError);
        expect(error).toMatchObject({ code: 'JOB_ILLEGAL_TRANSITION', from, to, context: { jobId: job.id, from, to } });
        expect(job).toEqual(before);
        refused.push(`${from}→${to}`);
      }
    }
    // 36 pairs, 15 legal: a job must be on a server before it runs or is done, and a finished one goes nowhere.
    expect(refused).toHaveLength(21);
    expect(refused).toEqual(expect.arrayContaining(['queued→running', 'queued→done', 'done→queued', 'failed→running', 'cancelled→done', 'done→done']));
    for (const from of ALL) for (const to of ALL) expect(canMove(from, to), `${from} → ${to}`).toBe(isLegal(from, to));
  });

  it('ends every job exactly once: along every path through the table, a finished status is the last one', () => {
    // Every walk of up to 6 steps from a new job: reaching done/failed/cancelled ends the walk, and nothing
    // leads on from it, so no job can be finished twice (e.g. done and then cancelled by a late cancel).
    let walks = 0;
    const walk = (path: JobStatus[]) => {
      const at = path.at(-1)!;
      const next = JOB_TRANSITIONS[at];
      if (FINISHED_STATUSES.includes(at)) {
        expect(next, path.join(' → ')).toEqual([]);
        expect(path.filter((status) => FINISHED_STATUSES.includes(status)), path.join(' → ')).toEqual([at]);
        walks += 1;
        return;
      }
      if (path.length > 6) return;
      for (const to of next) walk([...path, to]);
    };
    walk(['queued']);
    expect(walks).toBeGreaterThan(100);
    for (const status of FINISHED_STATUSES) {
      const job = jobIn(status);
      for (const to of ALL) expect(() => moveJob(job, to), `${status} → ${to}`).toThrow(IllegalTransitionError);
    }
  });

  it('lets every unfinished job end failed or cancelled (a bug or a user can always stop it)', () => {
    for (const status of UNFINISHED_STATUSES) expect(JOB_TRANSITIONS[status]).toEqual(expect.arrayContaining(['failed', 'cancelled']));
  });

  it('spells "finished" once: the two status lists split the statuses, and isFinished reads them', () => {
    expect([...UNFINISHED_STATUSES, ...FINISHED_STATUSES].sort()).toEqual([...ALL].sort());
    expect(ALL.filter((status) => isFinished({ status }))).toEqual(['done', 'failed', 'cancelled']);
  });

  it('refuses to record delivery of a job that has not finished', () => {
    for (const status of UNFINISHED_STATUSES) {
      const job = jobIn(status);
      expect(thrownBy(() => recordDelivery(job, 5))).toMatchObject({ code: 'JOB_ILLEGAL_TRANSITION', from: status, to: 'delivered' });
      expect(job.deliveredAt).toBeNull();
    }
  });

  it('moveOrLog refuses an illegal step with an error line and false instead of throwing', () => {
    const { logger, lines } = capturedLogger();
    const job = jobIn('cancelled');
    expect(moveOrLog(job, 'running', undefined, logger)).toBe(false);
    expect(job.status).toBe('cancelled');
    expect(lines()).toEqual([expect.objectContaining({ level: 50, code: 'JOB_ILLEGAL_TRANSITION', jobId: job.id, from: 'cancelled', to: 'running' })]);
    expect(moveOrLog(jobIn('queued'), 'submitted', undefined, logger)).toBe(true);
    expect(lines()).toHaveLength(1);
  });

  it('records where a delivered file went (once per change) and a fetched input, without touching the status', () => {
    const job = jobIn('done');
    job.images = [{ source: { filename: 'a.png', subfolder: '', type: 'output', kind: 'image', mime: 'image/png', extension: 'png' }, deliveredUrl: null }];
    expect(recordDeliveredUrl(job, 0, 'http://127.0.0.1:9/a.png')).toBe(true);
    expect(recordDeliveredUrl(job, 0, 'http://127.0.0.1:9/a.png')).toBe(false);
    expect(recordDeliveredUrl(job, 3, 'http://127.0.0.1:9/b.png')).toBe(false);
    expect(job.images).toHaveLength(1);
    expect(job.images[0]?.deliveredUrl).toBe('http://127.0.0.1:9/a.png');

    const queued = jobIn('queued');
    queued.spec.inputs = { image: { kind: 'url', url: 'http://127.0.0.1:9/in.png', maxSide: 1024 }, mask: { kind: 'file', path: 'inputs/m.png' } };
    recordInput(queued, 'image', { kind: 'file', path: 'inputs/in.png' });
    expect(queued.spec.inputs).toEqual({ image: { kind: 'file', path: 'inputs/in.png' }, mask: { kind: 'file', path: 'inputs/m.png' } });
    expect(queued.status).toBe('queued');
  });
});

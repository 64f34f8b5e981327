import { describe, expect, it } from 'vitest';
import { judgeCase, type FaultCase, type JobEnd } from '../../bench/fault-case.ts';

/** The fault bench's verdict per row: lost 0, duplicated 0, ended as expected within the bound. */

const fault: FaultCase = {
  name: 'a fault',
  finding: '9.4',
  expect: 'failed',
  reason: /made no progress/,
  boundMs: 5_000,
  from: 'request',
  run: () => Promise.resolve({ jobs: [] }),
};
const failed = (endMs: number | null, text = '❌ ComfyUI made no progress for 1 s, twice'): JobEnd => ({ outcome: 'failed', text, duplicated: false, endMs });

describe('judgeCase', () => {
  it('passes when every job ended as expected, with its reason, within the bound', () => {
    const row = judgeCase(fault, { jobs: [failed(1_000), failed(4_900)] });
    expect([row.pass, row.failed, row.lost, row.maxEndMs]).toEqual([true, 2, 0, 4_900]);
  });

  it('fails a row with a job past the bound, one that never ended, or one duplicated', () => {
    expect(judgeCase(fault, { jobs: [failed(1_000), failed(5_100)] }).pass).toBe(false);
    const never = judgeCase(fault, { jobs: [failed(1_000), { outcome: 'lost', text: '', duplicated: false, endMs: null }] });
    expect([never.pass, never.lost, never.maxEndMs]).toEqual([false, 1, null]);
    expect(judgeCase(fault, { jobs: [{ ...failed(1_000), duplicated: true }] }).pass).toBe(false);
  });

  it('counts a failure without a usable reason as lost, and a job that ended otherwise than expected as a miss', () => {
    const generic = judgeCase(fault, { jobs: [failed(1_000, '❌ Something went wrong inside the bot. The error was logged.')] });
    expect([generic.pass, generic.failed, generic.lost]).toEqual([false, 0, 1]);
    const delivered = judgeCase(fault, { jobs: [{ outcome: 'delivered', text: '✅ Done', duplicated: false, endMs: 1_000 }] });
    expect(delivered.pass).toBe(false);
    expect(delivered.misses[0]).toMatch(/delivered, expected failed/);
  });

  it('fails a case that ran no job at all', () => {
    expect(judgeCase(fault, { jobs: [] }).pass).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { ago, cancelReply, jobChoiceLabel, jobChoices } from '../../src/commands/job-labels.ts';
import { jobFixture } from './job-fixtures.ts';

describe('jobChoiceLabel', () => {
  it('GIVEN a short prompt THEN prompt and status', () => {
    expect(jobChoiceLabel(jobFixture({ status: 'running' }))).toBe('a lighthouse at dusk — running');
  });

  it('GIVEN a 4000-character prompt with emoji THEN at most 100 characters, status kept, no split surrogate', () => {
    const label = jobChoiceLabel(jobFixture({ prompt: '🦊'.repeat(2000) }), '@someone-with-a-long-name');
    expect(label.length).toBeLessThanOrEqual(100);
    expect(label.endsWith(' — waiting · @someone-with-a-long-name')).toBe(true);
    expect(label).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('GIVEN no prompt (an upscale) THEN the template name stands in', () => {
    expect(jobChoiceLabel(jobFixture({ prompt: '', status: 'done', spec: { template: 'upscale_4x', options: {} } }))).toBe('(upscale_4x) — done');
  });
});

describe('jobChoices', () => {
  const jobs = Array.from({ length: 40 }, (_, i) => jobFixture({ id: `job${String(i).padStart(2, '0')}`, prompt: i % 2 === 0 ? `red fox ${i}` : `blue whale ${i}` }));

  it('GIVEN nothing typed THEN the first 25 in the given order, valued by job id', () => {
    const choices = jobChoices(jobs, '');
    expect(choices).toHaveLength(25);
    expect(choices[0]).toEqual({ name: 'red fox 0 — waiting', value: 'job00' });
  });

  it('GIVEN words of a prompt or the start of an id THEN only those jobs', () => {
    expect(jobChoices(jobs, 'WHALE').every((choice) => choice.name.includes('whale'))).toBe(true);
    expect(jobChoices(jobs, 'job3').map((choice) => choice.value)).toEqual(['job30', 'job31', 'job32', 'job33', 'job34', 'job35', 'job36', 'job37', 'job38', 'job39']);
  });
});

describe('cancelReply', () => {
  const job = jobFixture();

  it('tells apart a queued job, a running one, a finished one, and one the scheduler lost', () => {
    expect(cancelReply(job, 'queued', true)).toBe('🚫 Cancelled job `lq3k9v2a1b2c3d4e5` (a lighthouse at dusk). It had not started.');
    expect(cancelReply(job, 'running', true)).toMatch(/^🚫 Cancelled .* The server has been told to stop/);
    expect(cancelReply(job, 'done', true)).toMatch(/^Nothing to cancel: .* is already done\.$/);
    expect(cancelReply(job, 'submitted', false)).toMatch(/no longer in the queue/);
  });

  it('GIVEN a prompt full of markdown and mentions THEN it is shown literally', () => {
    const text = cancelReply(jobFixture({ prompt: '**bold** @everyone `code`' }), 'queued', true);
    expect(text).toContain('\\*\\*bold\\*\\* @everyone \\`code\\`');
  });
});

describe('ago', () => {
  it.each([
    [5_000, '5 s ago'],
    [90_000, '2 min ago'],
    [3 * 3600_000, '3 h ago'],
    [5 * 86_400_000, '5 d ago'],
  ])('%d ms → %s', (delta, text) => {
    expect(ago(0, delta)).toBe(text);
  });
});

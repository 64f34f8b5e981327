import { createJob, type Job } from '../../src/jobs/job.ts';

/** A stored job as the scheduler leaves it; override what a test is about. */
export function jobFixture(overrides: Partial<Job> & { prompt?: string } = {}): Job {
  const { prompt = 'a lighthouse at dusk', ...rest } = overrides;
  return createJob({
    id: 'lq3k9v2a1b2c3d4e5',
    userId: '111111111111111111',
    userName: 'ada',
    guildId: '222222222222222222',
    channelId: '333333333333333333',
    origin: { kind: 'command', command: 'imagine' },
    spec: { template: 'sdxl', options: { prompt } },
    createdAt: 1_700_000_000_000,
    ...rest,
  });
}

import { createJob, type Job } from '../../src/jobs/job.ts';

/** A queued /imagine job of `userId`, as the scheduler's tests and the benchmarks drive it; override what a test is about. */
export function makeJob(userId: string, overrides: { template?: string; options?: Record<string, string | number | boolean>; status?: Job['status'] } = {}): Job {
  return createJob({
    userId,
    userName: userId,
    guildId: null,
    channelId: null,
    origin: { kind: 'command', command: 'imagine' },
    spec: { template: overrides.template ?? 'txt2img', options: overrides.options ?? { prompt: 'a fox' } },
    ...(overrides.status === undefined ? {} : { status: overrides.status }),
  });
}

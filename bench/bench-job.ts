import { createJob, type Job } from '../src/jobs/job.ts';

/** A queued /imagine-like job for driving the Scheduler directly (no Discord, no reply handle). */
export function benchJob(userId: string, options: Record<string, string | number | boolean>): Job {
  return createJob({
    userId,
    userName: userId,
    guildId: null,
    channelId: null,
    origin: { kind: 'command', command: 'imagine' },
    spec: { template: 'txt2img', options },
  });
}

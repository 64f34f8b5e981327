import { newJobId, type Job } from '../src/jobs/job.ts';

/** A queued /imagine-like job for driving the Scheduler directly (no Discord, no reply handle). */
export function benchJob(userId: string, options: Record<string, string | number | boolean>): Job {
  return {
    id: newJobId(),
    userId,
    userName: userId,
    guildId: null,
    channelId: null,
    origin: { kind: 'command', command: 'imagine' },
    spec: { template: 'txt2img', options },
    resolved: null,
    status: 'queued',
    server: null,
    promptId: null,
    images: [],
    failure: null,
    reply: null,
    createdAt: Date.now(),
    startedAt: null,
    finishedAt: null,
    deliveredAt: null,
  };
}

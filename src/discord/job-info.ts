import type { Job } from '../jobs/job.ts';
import { sourceLine } from './job-source.ts';
import type { JobInfo } from './progress-view.ts';

/** The fields the view shows, from what was asked and what was actually sent. */
export function jobInfo(job: Job, parentOf: (jobId: string) => Job | undefined = () => undefined): JobInfo {
  const value = (name: string) => job.resolved?.[name] ?? job.spec.options[name];
  const numberOf = (name: string): number | null => {
    const raw = value(name);
    const parsed = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
    return Number.isFinite(parsed) ? parsed : null;
  };
  const seed = value('seed');
  const negative = value('negative');
  return {
    id: job.id,
    prompt: String(value('prompt') ?? ''),
    negative: typeof negative === 'string' && negative.length > 0 ? negative : null,
    template: job.spec.template,
    seed: typeof seed === 'number' || (typeof seed === 'string' && seed !== 'random') ? seed : null,
    steps: numberOf('steps'),
    cfg: numberOf('cfg'),
    width: numberOf('width'),
    height: numberOf('height'),
    count: Math.max(1, job.images.length || (numberOf('batch') ?? 1)),
    server: job.server,
    requester: job.userId,
    source: sourceLine(job, job.origin.kind === 'command' ? undefined : parentOf(job.origin.parentJobId)),
  };
}

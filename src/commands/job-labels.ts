import type { ApplicationCommandOptionChoiceData } from 'discord.js';
import { oneLine, truncate } from '../discord-limits.ts';
import type { Job, JobStatus } from '../jobs/job.ts';
import { filterChoices } from './image-autocomplete.ts';

/**
 * Short texts about jobs for ephemeral replies and autocomplete lists. Pure, so the
 * Discord limits (choice name ≤ 100, at most 25 choices) are tested on plain values.
 */

const STATUS_WORDS: Record<JobStatus, string> = {
  queued: 'waiting',
  submitted: 'sent to the server',
  running: 'running',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

export const MAX_CHOICES = 25;
const CHOICE_NAME_MAX = 100;

/** Job ids as newJobId makes them and custom-id.ts accepts them. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function statusWord(status: JobStatus): string {
  return STATUS_WORDS[status];
}

export function promptOf(job: Job): string {
  const prompt = job.spec.options['prompt'] ?? job.resolved?.['prompt'];
  return typeof prompt === 'string' ? prompt : '';
}

/** "a lighthouse at dusk… — running (sdxl)"; never over Discord's 100 characters for a choice name. */
export function jobChoiceLabel(job: Job, extra: string | null = null): string {
  const tail = ` — ${statusWord(job.status)}${extra === null ? '' : ` · ${extra}`}`;
  const prompt = promptOf(job).replace(/\s+/g, ' ').trim() || `(${job.spec.template})`;
  return truncate(truncate(prompt, Math.max(20, CHOICE_NAME_MAX - tail.length)) + tail, CHOICE_NAME_MAX);
}

/**
 * Autocomplete choices (value = job id) for the jobs whose label or id contains what was
 * typed, in the order given; at most 25.
 */
export function jobChoices(jobs: readonly Job[], typed: string, extra: (job: Job) => string | null = () => null): ApplicationCommandOptionChoiceData<string>[] {
  const labelled = jobs.map((job) => ({ job, name: jobChoiceLabel(job, extra(job)) }));
  const needle = typed.trim();
  const kept = needle === '' ? labelled : labelled.filter((entry) => entry.job.id.startsWith(needle) || filterChoices([entry.name], needle).length > 0);
  return kept.slice(0, MAX_CHOICES).map((entry) => ({ name: entry.name, value: entry.job.id }));
}

/** "3 min ago", for lists of recent jobs. */
export function ago(then: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}

/**
 * What a cancel request did, told to the person who asked. `before` is the job's status
 * when they asked; `pending` whether the scheduler still had it (after a restart a
 * stored job may be neither finished nor known).
 */
export function cancelReply(job: Job, before: JobStatus, pending: boolean): string {
  const id = `\`${job.id}\``;
  const what = oneLine(truncate(promptOf(job), 80), 120);
  const named = what === '' ? `job ${id}` : `job ${id} (${what})`;
  if (before === 'done' || before === 'failed' || before === 'cancelled') return `Nothing to cancel: ${named} is already ${statusWord(before)}.`;
  if (!pending) return `Nothing to cancel: ${named} is no longer in the queue.`;
  if (before === 'queued') return `🚫 Cancelled ${named}. It had not started.`;
  return `🚫 Cancelled ${named}. The server has been told to stop; its message will show when it has.`;
}

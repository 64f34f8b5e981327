import { MessageFlags, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import type { Requester } from '../app/job-service.ts';
import { requesterOf } from './caller.ts';
import { COMMAND_NAMES } from './command-definitions.ts';
import type { Job } from '../jobs/job.ts';
import { isFinished } from '../jobs/job-state.ts';
import { inScope, mayManage } from '../jobs/job-scope.ts';
import type { CommandContext, SlashCommand } from './command-context.ts';
import { cancelReply, JOB_ID_PATTERN, jobChoices } from './job-labels.ts';
import { JobIdInvalidError } from './command-errors.ts';

/**
 * `/cancel [job]`: cancels one of the caller's jobs made here (admins: anyone's made in
 * their guild), by default the newest one still waiting or running. Jobs of other guilds
 * are neither suggested nor found. The job's own message is updated by JobReplies
 * when the cancel has taken effect; the caller gets an ephemeral confirmation.
 */
export const cancelCommand: SlashCommand = {
  name: COMMAND_NAMES.cancel,
  async execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
    const requester = await requesterOf(interaction, context);
    const typed = interaction.options.getString('job')?.trim() ?? '';
    const job = typed === '' ? newestPending(requester, context) : findJob(typed, requester, context);
    if (job === null) {
      await interaction.reply({ content: 'You have no jobs waiting or running.', flags: MessageFlags.Ephemeral });
      return;
    }
    const before = job.status;
    const pending = context.scheduler.pending().some((candidate) => candidate.id === job.id);
    if (pending && !isFinished(job)) await context.jobs.cancel(job.id, requester);
    await interaction.reply({ content: cancelReply(job, before, pending), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    context.logger.info({ command: 'cancel', userId: requester.userId, jobId: job.id, owner: job.userId, status: before, pending }, 'cancel requested');
  },
  async autocomplete(interaction: AutocompleteInteraction, context: CommandContext): Promise<void> {
    const requester = await requesterOf(interaction, context);
    const jobs = cancellableBy(requester, context);
    const label = (job: Job) => (job.userId === requester.userId ? null : `@${job.userName}`);
    await interaction.respond(jobChoices(jobs, interaction.options.getFocused(), label));
  },
};

/** Pending jobs the requester may cancel, newest first: their own made here, or every one of this guild for its admin. */
export function cancellableBy(requester: Requester, context: Pick<CommandContext, 'scheduler'>): Job[] {
  const candidates = requester.isAdmin ? context.scheduler.pending() : context.scheduler.pendingFor(requester.userId);
  return newestFirst(candidates.filter((job) => mayManage(job, requester)));
}

/** By creation time; jobs made in the same millisecond keep the scheduler's order, later ones first. */
function newestFirst(jobs: readonly Job[]): Job[] {
  return jobs
    .map((job, index) => ({ job, index }))
    .sort((a, b) => b.job.createdAt - a.job.createdAt || b.index - a.index)
    .map((entry) => entry.job);
}

function newestPending(requester: Requester, context: CommandContext): Job | null {
  return newestFirst(context.scheduler.pendingFor(requester.userId).filter((job) => inScope(job, requester)))[0] ?? null;
}

function findJob(typed: string, requester: Requester, context: CommandContext): Job {
  if (!JOB_ID_PATTERN.test(typed)) throw new JobIdInvalidError('Pick a job from the list that appears as you type (or leave it empty for your newest job).');
  const job = context.jobs.visible(typed, requester);
  context.jobs.assertOwner(job, requester);
  return job;
}

import { deferReplyWithRetry } from './defer-reply.ts';
import { MessageFlags, type AutocompleteInteraction, type ChatInputCommandInteraction, type Message } from 'discord.js';
import type { Requester } from '../app/job-service.ts';
import type { ComfyServer } from '../comfy/server.ts';
import { requesterOf } from './caller.ts';
import { COMMAND_NAMES } from './command-definitions.ts';
import { jobInfo } from '../discord/job-replies.ts';
import { renderJobView, statusText, type JobViewState } from '../discord/progress-view.ts';
import { fromStoredHandle } from '../discord/reply-handle.ts';
import { doneState } from '../discord/result-files.ts';
import { toDiscordEdit } from '../discord/to-discord-payload.ts';
import { oneLine } from '../discord-limits.ts';
import { ComfycordError, userMessageOf } from '../errors.ts';
import type { Job } from '../jobs/job.ts';
import { isFinished } from '../jobs/job-state.ts';
import { mayManage } from '../jobs/job-scope.ts';
import { NotYourJobError } from '../jobs/scheduler-errors.ts';
import type { CommandContext, SlashCommand } from './command-context.ts';
import { ago, JOB_ID_PATTERN, jobChoices, statusWord } from './job-labels.ts';
import { replyHandleOf } from './start-job.ts';
import type { CommandErrorCode } from './error-codes.ts';
import { JobIdInvalidError } from './command-errors.ts';

const RECENT_JOBS = 25;

export class ResultUnavailableError extends ComfycordError<CommandErrorCode> {
  constructor(jobId: string, reason: string) {
    super('RESULT_UNAVAILABLE', `The images of job \`${jobId}\` cannot be shown again: ${reason}`, { context: { jobId } });
  }
}

/**
 * `/show job`: a finished job's result posted again as a new public message with its
 * buttons (the images fetched from ComfyUI again), a failed or cancelled job's final
 * state likewise; a job still waiting or running gets an ephemeral note of where it
 * is and a link to its live message.
 */
export const showCommand: SlashCommand = {
  name: COMMAND_NAMES.show,
  async execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
    const requester = await requesterOf(interaction, context);
    const id = interaction.options.getString('job', true).trim();
    if (!JOB_ID_PATTERN.test(id)) throw new JobIdInvalidError('Pick a job from the list that appears as you type.');
    const job = context.jobs.visible(id, requester);
    assertMayShow(job, requester);
    if (!isFinished(job)) {
      const text = pendingText(job, context.scheduler.position(job.id), jobMessageLink(job));
      await interaction.reply({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      context.logger.info({ command: 'show', userId: requester.userId, jobId: job.id, status: job.status }, 'pending job shown');
      return;
    }
    const server = job.status === 'done' ? serverWithImages(job, context) : null;
    await deferReplyWithRetry(interaction);
    const state = server === null ? finalStateWithoutImages(job) : await fetchedDoneState(job, server, interaction, context);
    const view = renderJobView(jobInfo(job), state);
    const message = await interaction.editReply(toDiscordEdit({ ...view, attachments: 'replace', resultingFiles: view.files }));
    rememberDelivery(job, message, context);
    context.logger.info({ command: 'show', userId: requester.userId, jobId: job.id, status: job.status, messageId: message.id }, 'job shown again');
  },
  async autocomplete(interaction: AutocompleteInteraction, context: CommandContext): Promise<void> {
    const requester = await requesterOf(interaction, context);
    const now = Date.now();
    const jobs = context.store.recentForIn(requester.userId, requester.guildId, RECENT_JOBS);
    await interaction.respond(jobChoices(jobs, interaction.options.getFocused(), (job) => ago(job.createdAt, now)));
  },
};

/** Your own jobs made here; an admin also this guild's jobs of others. Other guilds' jobs never reach this (JobService.visible). */
export function assertMayShow(job: Job, requester: Requester): void {
  if (!mayManage(job, requester)) throw new NotYourJobError(job.id);
}

/** Checked before the public defer, so "the server is gone" is an ephemeral refusal. */
function serverWithImages(job: Job, context: CommandContext): ComfyServer {
  if (job.images.length === 0 && job.texts.length === 0) throw new ResultUnavailableError(job.id, 'it finished without images.');
  const server = job.server === null ? undefined : context.pool.get(job.server);
  if (!server) throw new ResultUnavailableError(job.id, 'the ComfyUI server that made them is not configured any more.');
  return server;
}

function finalStateWithoutImages(job: Job): JobViewState {
  if (job.status === 'cancelled') return { kind: 'cancelled' };
  return { kind: 'failed', userMessage: job.failure?.userMessage ?? 'The job failed.' };
}

async function fetchedDoneState(job: Job, server: ComfyServer, interaction: ChatInputCommandInteraction, context: CommandContext): Promise<JobViewState> {
  const handle = replyHandleOf(interaction, context);
  try {
    // Fetched, fitted to this channel's limit and bounded exactly as the job's own delivery was (DELIVERY_TIMEOUT_SECONDS).
    const result = await context.replies.refetch(job, server, { sizeLimit: handle.sizeLimit, spoiler: handle.spoiler });
    const elapsedMs = (job.finishedAt ?? job.createdAt) - job.createdAt;
    return doneState(job, result, elapsedMs);
  } catch (error) {
    context.logger.warn({ jobId: job.id, server: job.server, err: error }, '/show could not fetch the images');
    // The reason as ComfyUI's answer gave it: a 404 adds the likely cause (src/discord/fetch-results.ts), a time-out or a 5xx does not.
    throw new ResultUnavailableError(job.id, userMessageOf(error));
  }
}

/** The fresh attachment URLs of the new message serve Vary/Upscale if ComfyUI loses the files. */
function rememberDelivery(job: Job, message: Message, context: CommandContext): void {
  if (job.status !== 'done' || job.images.length === 0) return;
  const urls = job.images.map((_, index) => message.attachments.find((a) => a.name.includes(`${job.id}-${index + 1}.`))?.url ?? null);
  if (urls.some((url) => url !== null)) context.store.markDelivered(job.id, urls);
}

/** Where a job's own message is, when it is known (guild messages and DMs alike). */
export function jobMessageLink(job: Job): string | null {
  const handle = fromStoredHandle(job.reply);
  if (handle === null || handle.channelId === null || handle.messageId === null) return null;
  return `https://discord.com/channels/${job.guildId ?? '@me'}/${handle.channelId}/${handle.messageId}`;
}

/** The ephemeral answer for a job not finished yet. */
export function pendingText(job: Job, place: { position: number; total: number } | null, link: string | null): string {
  let where: string;
  if (place !== null) where = statusText({ kind: 'waiting', ...place });
  else if (job.status === 'running') where = `🎨 Running${job.server === null ? '' : ` on ${oneLine(job.server, 80)}`}`;
  else where = `⏳ ${statusWord(job.status)}${job.server === null ? '' : ` (${oneLine(job.server, 80)})`}`;
  const follow = link === null ? 'Its message updates as it goes.' : `Follow it here: ${link}`;
  return `Job \`${job.id}\` is not finished yet.\n${where}\n${follow}`;
}

import { MessageFlags, type ButtonInteraction, type ModalSubmitInteraction } from 'discord.js';
import type { Requester } from '../app/job-service.ts';
import { requesterOf } from './caller.ts';
import { parseCustomId, type ButtonIntent, type OutpaintButton } from '../custom-id.ts';
import type { Job } from '../jobs/job.ts';
import { isFinished } from '../jobs/job-state.ts';
import { JobNotFoundError } from '../jobs/scheduler-errors.ts';
import type { ButtonHandler, CommandContext, ModalHandler } from './command-context.ts';
import { cancelReply } from './job-labels.ts';
import { JobStillRunningError, StaleButtonError } from './command-errors.ts';
import { outpaintButton, submitZoomModal, ZOOM_MODAL_PREFIX } from './outpaint-buttons.ts';
import { submitVaryRegionModal, VARY_REGION_MODAL_PREFIX, varyRegionButton } from './vary-region.ts';
import { ParentNotReadyError } from '../app/request-errors.ts';
import { deferredReply, SERVER_LISTS_WAIT_MS } from './start-job.ts';
import { roleTemplateIn } from './role-template.ts';
import type { TemplateRole } from '../workflows/index.ts';

/**
 * The buttons under a job's message (custom_id `cc:<action>:<jobId>[:<index>]`, see
 * src/custom-id.ts). The job is read from the store by id, so buttons on old
 * messages keep working after a restart. Anyone the access policy allows may Reroll,
 * Vary or Upscale anyone's result and becomes the requester of the new job; Cancel
 * and Delete belong to the requester and admins.
 */
export const buttonHandler: ButtonHandler = {
  async execute(interaction: ButtonInteraction, context: CommandContext): Promise<void> {
    const intent = parseCustomId(interaction.customId);
    if (intent === null) throw new StaleButtonError(interaction.customId);
    const requester = await requesterOf(interaction, context);
    switch (intent.action) {
      case 'reroll':
      case 'vary':
      case 'upscale':
        return newJobFrom(interaction, { ...intent, action: intent.action }, requester, context);
      case 'cancel':
        return cancelFrom(interaction, intent.jobId, requester, context);
      case 'delete':
        return deleteResult(interaction, intent.jobId, requester, context);
      case 'edits':
        return showEdits(interaction, intent.jobId, intent.imageIndex ?? 0, requester, context);
      case 'varyr':
        return varyRegionButton(interaction, intent.jobId, intent.imageIndex ?? 0, requester, context);
      default:
        return outpaintButton(interaction, intent.action === 'zoomc' ? null : OUTPAINT_OPTIONS[intent.action], intent.jobId, intent.imageIndex ?? 0, requester, context);
    }
  },
};

/** What each outpaint button asks of the outpaint template (Custom Zoom asks in a form). */
const OUTPAINT_OPTIONS: Record<Exclude<OutpaintButton, 'zoomc'>, Record<string, string | number | boolean>> = {
  zoom15: { zoom: 1.5 },
  zoom2: { zoom: 2 },
  square: { square: true },
  panl: { pan: 'left' },
  panr: { pan: 'right' },
  panu: { pan: 'up' },
  pand: { pan: 'down' },
};

/** Custom Zoom's form (custom_id `cczoom:<jobId>:<image>`: nothing kept in memory, so it survives a restart). */
export const zoomModalHandler: ModalHandler = {
  prefix: ZOOM_MODAL_PREFIX,
  async execute(interaction: ModalSubmitInteraction, context: CommandContext): Promise<void> {
    await submitZoomModal(interaction, await requesterOf(interaction, context), context);
  },
};

/** Vary (Region)'s form (custom_id `ccvaryr:<jobId>:<image>`), src/commands/vary-region.ts. */
export const varyRegionModalHandler: ModalHandler = {
  prefix: VARY_REGION_MODAL_PREFIX,
  async execute(interaction: ModalSubmitInteraction, context: CommandContext): Promise<void> {
    await submitVaryRegionModal(interaction, await requesterOf(interaction, context), context);
  },
};

type NewJobIntent = ButtonIntent & { action: 'reroll' | 'vary' | 'upscale' };

/** The role whose template (the channel's choice, else the bot's) each image button runs. */
const ROLE_OF_ACTION = { vary: 'img2img', upscale: 'upscale' } as const satisfies Record<string, TemplateRole>;

/** Checks what can be checked quickly (ephemeral refusal), then a new public message for the new job. */
async function newJobFrom(interaction: ButtonInteraction, intent: NewJobIntent, requester: Requester, context: CommandContext): Promise<void> {
  const parent = context.jobs.visible(intent.jobId, requester);
  const index = intent.imageIndex ?? 0;
  await context.choices.settle(SERVER_LISTS_WAIT_MS);
  precheckNewJob(interaction, parent, intent.action, index, requester, context);
  const request =
    intent.action === 'reroll'
      ? context.jobs.rerollRequest(parent.id, requester)
      : context.jobs.fromImageRequest(intent.action, parent.id, index, requester, roleTemplateIn(ROLE_OF_ACTION[intent.action], interaction, context).name);
  const accepted = await context.intake.start(request, deferredReply(interaction, context));
  context.logger.info(
    { button: intent.action, parentJobId: parent.id, imageIndex: index, jobId: accepted.job.id, userId: requester.userId, position: accepted.position },
    'job queued from a button',
  );
}

/**
 * The refusals JobService would give after the public defer, given before it instead:
 * Reroll runs the exact check; Vary and Upscale check the parent image, that a template
 * of the needed kind exists, and the user's limits (option carry-over is JobService's).
 */
function precheckNewJob(interaction: ButtonInteraction, parent: Job, action: 'reroll' | 'vary' | 'upscale', index: number, requester: Requester, context: CommandContext): void {
  if (action === 'reroll') {
    const { seed: _seed, ...options } = parent.spec.options;
    context.jobs.check({ requester, template: parent.spec.template, options, imageOptions: Object.keys(parent.spec.inputs ?? {}) });
    return;
  }
  if (parent.status !== 'done') throw new ParentNotReadyError(parent.id, null);
  // Vary and Upscale take a still image; an animation or a video at that index is refused like a missing one.
  if (parent.images[index]?.source.kind !== 'image') throw new ParentNotReadyError(parent.id, index);
  roleTemplateIn(ROLE_OF_ACTION[action], interaction, context);
  context.scheduler.assertCanAccept(requester.userId);
}

async function cancelFrom(interaction: ButtonInteraction, jobId: string, requester: Requester, context: CommandContext): Promise<void> {
  const job = context.jobs.visible(jobId, requester);
  context.jobs.assertOwner(job, requester);
  const before = job.status;
  const pending = context.scheduler.pending().some((candidate) => candidate.id === job.id);
  if (!isFinished(job) && pending) await context.jobs.cancel(job.id, requester);
  await interaction.reply({ content: cancelReply(job, before, pending), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  context.logger.info({ button: 'cancel', jobId: job.id, userId: requester.userId, status: before }, 'cancel button');
}

const DELETE_FAILED = '⚠️ The message could not be deleted (the bot may lack access to this channel). Delete it by hand or ask a moderator.';

/**
 * Deletes the message the button is on through the interaction webhook (deferUpdate,
 * then DELETE @original), which works wherever the bot's reply could be posted, even
 * without the bot in the channel; if that fails, through the bot token. A job no
 * longer in the store may still be cleaned up by an admin.
 */
async function deleteResult(interaction: ButtonInteraction, jobId: string, requester: Requester, context: CommandContext): Promise<void> {
  const job = context.store.get(jobId);
  if (job) context.jobs.assertOwner(job, requester);
  else if (!requester.isAdmin || requester.guildId === null) throw new JobNotFoundError(jobId);
  if (job && !isFinished(job)) throw new JobStillRunningError(job.id);
  await interaction.deferUpdate();
  try {
    await interaction.deleteReply();
  } catch (webhookError) {
    try {
      await interaction.message.delete();
    } catch (botError) {
      context.logger.warn({ jobId, messageId: interaction.message.id, err: botError, webhookErr: webhookError }, 'result message could not be deleted');
      // A failure after deferUpdate must not reach the router, which would delete "the reply": answer here.
      await interaction
        .followUp({ content: DELETE_FAILED, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } })
        .catch(() => undefined);
      return;
    }
  }
  context.logger.info({ button: 'delete', jobId, messageId: interaction.message.id, userId: requester.userId }, 'result message deleted');
}

/** A batch's ✏️ n: image n's own Zoom Out / Make Square / Pan rows, for the clicker alone. */
async function showEdits(interaction: ButtonInteraction, jobId: string, index: number, requester: Requester, context: CommandContext): Promise<void> {
  const job = context.jobs.visible(jobId, requester);
  if (job.status !== 'done' || !job.images[index]) throw new ParentNotReadyError(job.id, index);
  await interaction.reply({
    content: `Edits of image ${index + 1} of job \`${job.id}\`:`,
    components: context.editRows(job.id, index),
    flags: MessageFlags.Ephemeral,
    allowedMentions: { parse: [] },
  });
}

import { ComponentType, TextInputStyle, type APIModalInteractionResponseCallbackData, type ButtonInteraction, type ModalSubmitInteraction } from 'discord.js';
import type { Requester } from '../app/job-service.ts';
import { ParentNotReadyError } from '../app/request-errors.ts';
import type { Job } from '../jobs/job.ts';
import { MAX_ZOOM, MIN_ZOOM, PROMPT_MAX_LENGTH } from '../workflows/index.ts';
import type { CommandContext } from './command-context.ts';
import { promptField } from './prompt-field.ts';
import { PromptInvalidError, StaleButtonError } from './command-errors.ts';
import { roleTemplateIn } from './role-template.ts';
import type { Place } from './place.ts';
import { textInputValues } from './remix.ts';
import { deferredReply, SERVER_LISTS_WAIT_MS } from './start-job.ts';

/**
 * Zoom Out 1.5× / 2×, Make Square, Pan ⬅️➡️⬆️⬇️ and Custom Zoom on one image of a
 * finished job: each press is a new job of the channel's outpaint template, in the
 * fair queue under the presser's own limits, with its own public message whose embed
 * links back to the source. The action travels as `zoom`, `pan` or `square`; the pads
 * follow from the image's size when the job runs (src/app/outpaint-input.ts).
 */

export const ZOOM_MODAL_PREFIX = 'cczoom';
const FIELDS = { prompt: 'prompt', zoom: 'zoom' } as const;

/** What can be refused before anything public appears: the image, the template, the presser's limits. */
function precheck(parent: Job, index: number, requester: Requester, place: Place, context: CommandContext): void {
  if (parent.status !== 'done') throw new ParentNotReadyError(parent.id, null);
  if (!parent.images[index]) throw new ParentNotReadyError(parent.id, index);
  roleTemplateIn('outpaint', place, context);
  context.scheduler.assertCanAccept(requester.userId);
}

async function queueOutpaint(
  interaction: ButtonInteraction | ModalSubmitInteraction,
  parent: Job,
  index: number,
  given: Record<string, string | number | boolean>,
  requester: Requester,
  context: CommandContext,
): Promise<void> {
  const template = roleTemplateIn('outpaint', interaction, context);
  const request = context.jobs.fromImageRequest('outpaint', parent.id, index, requester, template.name, given);
  const accepted = await context.intake.start(request, deferredReply(interaction, context));
  context.logger.info({ button: 'outpaint', given, parentJobId: parent.id, imageIndex: index, jobId: accepted.job.id, userId: requester.userId }, 'outpaint queued');
}

/**
 * A press of an outpaint button: `given` names the action (`{zoom: 2}`, `{pan: 'left'}`,
 * `{square: true}`); null is Custom Zoom, which asks prompt and zoom in a form first.
 */
export async function outpaintButton(
  interaction: ButtonInteraction,
  given: Record<string, string | number | boolean> | null,
  jobId: string,
  index: number,
  requester: Requester,
  context: CommandContext,
): Promise<void> {
  const parent = context.jobs.visible(jobId, requester);
  await context.choices.settle(SERVER_LISTS_WAIT_MS);
  precheck(parent, index, requester, interaction, context);
  if (given === null) {
    const prompt = parent.spec.options['prompt'];
    await interaction.showModal(zoomModal(parent.id, index, typeof prompt === 'string' ? prompt : ''));
    return;
  }
  await queueOutpaint(interaction, parent, index, given, requester, context);
}

export function zoomModal(jobId: string, index: number, prompt: string): APIModalInteractionResponseCallbackData {
  const value = prompt.slice(0, PROMPT_MAX_LENGTH);
  return {
    custom_id: `${ZOOM_MODAL_PREFIX}:${jobId}:${index}`,
    title: 'Custom Zoom',
    components: [
      promptField(FIELDS.prompt, 'What the whole, larger picture shows', value),
      {
        type: ComponentType.Label,
        label: 'Zoom',
        description: `How far to zoom out, above ${MIN_ZOOM} and at most ${MAX_ZOOM} (e.g. 1.3)`,
        component: { type: ComponentType.TextInput, custom_id: FIELDS.zoom, style: TextInputStyle.Short, required: true, max_length: 10, value: '1.5' },
      },
    ],
  };
}

const MODAL_ID = /^cczoom:([A-Za-z0-9_-]{1,64}):(0|[1-9][0-9]?)$/;

/** The Custom Zoom form's submit: the typed prompt and zoom (checked again: a submit is untrusted). */
export async function submitZoomModal(interaction: ModalSubmitInteraction, requester: Requester, context: CommandContext): Promise<void> {
  const match = MODAL_ID.exec(interaction.customId);
  if (match === null) throw new StaleButtonError(interaction.customId);
  const [, jobId = '', indexText = '0'] = match;
  const index = Number(indexText);
  const values = textInputValues(interaction);
  const prompt = (values[FIELDS.prompt] ?? '').trim();
  if (prompt === '') throw new PromptInvalidError('The prompt is empty: describe the whole picture.');
  const zoom = (values[FIELDS.zoom] ?? '').trim().replace(',', '.').replace(/[x×]$/i, '');
  const parent = context.jobs.visible(jobId, requester);
  precheck(parent, index, requester, interaction, context);
  // The zoom is checked with every other value by JobService (outpaintActionOf), before anything public.
  await queueOutpaint(interaction, parent, index, { prompt, zoom }, requester, context);
}

import { ComponentType, type APIModalInteractionResponseCallbackData, type ButtonInteraction, type ModalSubmitInteraction } from 'discord.js';
import type { Requester } from '../app/job-service.ts';
import { precheckMaskShape, type ReportedSize } from '../app/mask-precheck.ts';
import { ParentNotReadyError } from '../app/request-errors.ts';
import type { Job } from '../jobs/job.ts';
import { PROMPT_MAX_LENGTH } from '../workflows/index.ts';
import type { CommandContext } from './command-context.ts';
import { promptField } from './prompt-field.ts';
import { MaskMissingError, PromptInvalidError, StaleButtonError } from './command-errors.ts';
import { precheckAttachment } from './image-input.ts';
import { textInputValues } from './remix.ts';
import { roleTemplateIn } from './role-template.ts';
import type { Place } from './place.ts';
import { deferredReply, SERVER_LISTS_WAIT_MS } from './start-job.ts';

/**
 * Vary (Region) on one still image of a finished job: the button opens a form with the
 * prompt (the parent's, to edit) and Discord's modal file upload for the mask; the
 * submit becomes a job of the channel's inpaint template on the parent's image, with
 * the uploaded mask checked against it by JobIntake (src/images/mask-check.ts) before
 * it is queued; a mask of another shape by the sizes Discord gives (the mask's, and the
 * image's on the message the form came from) is refused before that, without a
 * deferral (src/app/mask-precheck.ts). The form's custom_id `ccvaryr:<jobId>:<image>` is all it needs, so a
 * form opened before a restart still works after it.
 */

export const VARY_REGION_MODAL_PREFIX = 'ccvaryr';
const FIELDS = { prompt: 'prompt', mask: 'mask' } as const;
const MODAL_ID = /^ccvaryr:([A-Za-z0-9_-]{1,64}):(0|[1-9][0-9]?)$/;

/** What can be refused before the form opens or anything public appears: the image, the template, the presser's limits. */
function precheck(parent: Job, index: number, requester: Requester, place: Place, context: CommandContext): void {
  if (parent.status !== 'done') throw new ParentNotReadyError(parent.id, null);
  // A still image only: an animation, a video or a sound at that index has no region to repaint.
  if (parent.images[index]?.source.kind !== 'image') throw new ParentNotReadyError(parent.id, index);
  roleTemplateIn('inpaint', place, context);
  context.scheduler.assertCanAccept(requester.userId);
}

/** The press: checks, then the form (a modal must be the first answer, so nothing is deferred). */
export async function varyRegionButton(interaction: ButtonInteraction, jobId: string, index: number, requester: Requester, context: CommandContext): Promise<void> {
  const parent = context.jobs.visible(jobId, requester);
  await context.choices.settle(SERVER_LISTS_WAIT_MS);
  precheck(parent, index, requester, interaction, context);
  const prompt = parent.spec.options['prompt'] ?? parent.resolved?.['prompt'];
  await interaction.showModal(varyRegionModal(parent.id, index, typeof prompt === 'string' ? prompt : ''));
}

export function varyRegionModal(jobId: string, index: number, prompt: string): APIModalInteractionResponseCallbackData {
  const value = prompt.slice(0, PROMPT_MAX_LENGTH);
  return {
    custom_id: `${VARY_REGION_MODAL_PREFIX}:${jobId}:${index}`,
    title: 'Vary (Region)',
    components: [
      promptField(FIELDS.prompt, 'What the marked part should show', value),
      {
        type: ComponentType.Label,
        label: 'Mask',
        description: 'Same shape as the image: white = change, black = keep (or the part erased)',
        component: { type: ComponentType.FileUpload, custom_id: FIELDS.mask, min_values: 1, max_values: 1, required: true },
      },
    ],
  };
}

/** The form's submit: the typed prompt and the picked mask (checked again here: a submit is untrusted). */
export async function submitVaryRegionModal(interaction: ModalSubmitInteraction, requester: Requester, context: CommandContext): Promise<void> {
  const match = MODAL_ID.exec(interaction.customId);
  if (match === null) throw new StaleButtonError(interaction.customId);
  const [, jobId = '', indexText = '0'] = match;
  const index = Number(indexText);
  const prompt = (textInputValues(interaction)[FIELDS.prompt] ?? '').trim();
  if (prompt === '') throw new PromptInvalidError('The prompt is empty: say what the marked part should show.');
  const mask = uploadedMask(interaction);
  const { maxBytes, hosts } = context.config.attachments;
  precheckAttachment(mask, maxBytes, hosts, 'The mask');
  const parent = context.jobs.visible(jobId, requester);
  precheck(parent, index, requester, interaction, context);
  precheckMaskShape(mask, deliveredSize(interaction, parent.images[index]?.deliveredUrl ?? null));
  const template = roleTemplateIn('inpaint', interaction, context);
  const request = context.jobs.fromImageRequest('inpaint', parent.id, index, requester, template.name, { prompt });
  const accepted = await context.intake.start({ ...request, uploads: { mask: mask.url } }, deferredReply(interaction, context));
  context.logger.info({ button: 'varyr', parentJobId: parent.id, imageIndex: index, jobId: accepted.job.id, userId: requester.userId }, 'vary region queued');
}

/**
 * The parent image's size as Discord gives it: the attachment of the message the form was
 * opened from (Discord sends it with the submit) that is the image's delivered copy.
 * Nothing when the form came from elsewhere (a batch's ✏️ n rows are an ephemeral
 * message without the images): the check after download then decides alone.
 */
function deliveredSize(interaction: ModalSubmitInteraction, deliveredUrl: string | null): ReportedSize {
  const delivered = deliveredUrl === null ? null : withoutQuery(deliveredUrl);
  if (delivered === null) return {};
  // The query is the CDN's signature, renewed when a message is fetched again: the path names the file.
  const attachment = interaction.message?.attachments.find((candidate) => withoutQuery(candidate.url) === delivered);
  return attachment === undefined ? {} : { width: attachment.width, height: attachment.height };
}

function withoutQuery(url: string): string | null {
  const parsed = URL.parse(url);
  return parsed === null ? null : parsed.origin + parsed.pathname;
}

interface UploadedFile {
  url: string;
  contentType: string | null;
  size: number;
  name: string;
  width: number | null;
  height: number | null;
}

/** The one file of the form's upload component, as discord.js resolved it from `resolved.attachments`. */
function uploadedMask(interaction: ModalSubmitInteraction): UploadedFile {
  let files;
  try {
    files = interaction.fields.getUploadedFiles(FIELDS.mask);
  } catch {
    // No such component in the submit (a forged or older form): no mask either.
    throw new MaskMissingError();
  }
  const file = files?.first();
  if (file === undefined) throw new MaskMissingError();
  return file;
}

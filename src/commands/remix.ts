import { ComponentType, type Message, type MessageContextMenuCommandInteraction, type ModalSubmitInteraction } from 'discord.js';
import { requesterOf } from './caller.ts';
import { COMMAND_NAMES } from './command-definitions.ts';
import { ComfycordError } from '../errors.ts';
import { inScope } from '../jobs/job-scope.ts';
import type { CommandContext, MessageMenuCommand, ModalHandler } from './command-context.ts';
import { precheckMessageImage } from './image-input.ts';
import { findRemixImages, jobIdOfMessage } from './remix-image.ts';
import { REMIX_EDIT_IMAGES, remixEditJob } from './remix-edit.ts';
import { parseRemixMode, parseRemixValues, remixKeyOf, remixModal, REMIX_BASE_MODES, REMIX_FIELDS, REMIX_MODAL_PREFIX, type RemixMode, type RemixValues } from './remix-modal.ts';
import { RemixStash, type RemixTarget } from './remix-stash.ts';
import { roleTemplateIn } from './role-template.ts';
import type { Place } from './place.ts';
import { startJob } from './start-job.ts';
import type { CommandErrorCode } from './error-codes.ts';

export class RemixNoImageError extends ComfycordError<CommandErrorCode> {
  constructor(messageId: string) {
    super('REMIX_NO_IMAGE', 'That message has no image to remix.', { context: { messageId } });
  }
}

export class RemixExpiredError extends ComfycordError<CommandErrorCode> {
  constructor() {
    super('REMIX_EXPIRED', 'This Remix form has expired (forms last 15 minutes). Use Apps → Remix on the message again.');
  }
}

/**
 * "Apps → Remix" on a message: img2img on its image with a prompt asked in a modal, or
 * (the form's Mode) an instruction edit of its images, or, where the channel has an
 * animate template, a clip that starts from its image.
 * Everything that can be refused is refused before the modal opens (a modal must be
 * the first response, so nothing is deferred here); the image URL waits in the
 * stash under the key the modal carries.
 */
export function createRemix(stash: RemixStash = new RemixStash()): { menu: MessageMenuCommand; modal: ModalHandler } {
  const menu: MessageMenuCommand = {
    name: COMMAND_NAMES.remix,
    async execute(interaction: MessageContextMenuCommandInteraction, context: CommandContext): Promise<void> {
      const requester = await requesterOf(interaction, context);
      const message = interaction.targetMessage;
      const [image, ...references] = findRemixImages({ attachments: message.attachments.values(), embeds: message.embeds }, REMIX_EDIT_IMAGES);
      if (image === undefined) throw new RemixNoImageError(message.id);
      precheckMessageImage(image, context.config.attachments.maxBytes, context.config.attachments.hosts);
      context.jobs.defaultTemplate('img2img');
      context.scheduler.assertCanAccept(requester.userId);
      const prompt = promptOfOwnResult(message, interaction, context);
      const modes: RemixMode[] = animateTemplateIn(interaction, context) === null ? [...REMIX_BASE_MODES] : [...REMIX_BASE_MODES, 'animate'];
      const key = stash.put({ imageUrl: image.url, references, channelId: interaction.channelId, userId: requester.userId, prompt, modes });
      await interaction.showModal(remixModal(key, { prompt }, modes));
      context.logger.info({ command: 'remix', userId: requester.userId, messageId: message.id, image: image.kind, prefilled: prompt !== '' }, 'remix form opened');
    },
  };

  const modal: ModalHandler = {
    prefix: REMIX_MODAL_PREFIX,
    async execute(interaction: ModalSubmitInteraction, context: CommandContext): Promise<void> {
      const key = remixKeyOf(interaction.customId);
      const target = key === null ? null : stash.get(key, interaction.user.id);
      if (key === null || target === null) throw new RemixExpiredError();
      const requester = await requesterOf(interaction, context);
      const values = parseRemixValues(textInputValues(interaction));
      const mode = parseRemixMode(selectValues(interaction, REMIX_FIELDS.mode), target.modes);
      const origin = { kind: 'command', command: 'remix' } as const;
      const accepted = await startJob(interaction, { requester, ...remixJob(mode, target, values, interaction, context), origin }, context);
      stash.delete(key);
      context.logger.info(
        { command: 'remix', mode, userId: requester.userId, jobId: accepted.job.id, template: accepted.job.spec.template, position: accepted.position },
        'remix queued',
      );
    },
  };

  return { menu, modal };
}

/** The text inputs of a submitted modal by custom_id (Label and legacy action-row layouts alike). */
export function textInputValues(interaction: ModalSubmitInteraction): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [customId, field] of interaction.fields.fields) {
    if (field.type === ComponentType.TextInput) values[customId] = field.value;
  }
  return values;
}

/** The values of a submitted modal's string select (none when the select is absent or nothing was picked). */
function selectValues(interaction: ModalSubmitInteraction, customId: string): string[] {
  const field = interaction.fields.fields.get(customId);
  return field?.type === ComponentType.StringSelect ? [...field.values] : [];
}

/** The template, options and image(s) the picked mode runs. */
function remixJob(
  mode: RemixMode,
  target: RemixTarget,
  values: RemixValues,
  place: Place,
  context: CommandContext,
): { template: string | null; options: Record<string, string | number>; imageUrl: string | null; uploads?: Record<string, string> } {
  switch (mode) {
    case 'edit':
      return { ...remixEditJob(target, values, place, context), imageUrl: null };
    case 'animate': {
      // Looked up again at submit (an admin may have changed it meanwhile). Strength is
      // img2img's denoise: the animate template has none (the image is the first frame).
      const options: Record<string, string> = { prompt: values.prompt };
      if (values.negative !== null) options['negative'] = values.negative;
      return { template: roleTemplateIn('animate', place, context).name, options, imageUrl: target.imageUrl };
    }
    case 'remix':
      return { template: null, options: remixOptions(values), imageUrl: target.imageUrl };
  }
}

/** The channel's animate template, or null when it has none usable (then the form offers no Animate). */
function animateTemplateIn(place: Place, context: CommandContext): string | null {
  try {
    return roleTemplateIn('animate', place, context).name;
  } catch {
    return null;
  }
}

/** Remix proper: img2img options from the form. */
function remixOptions(values: RemixValues): Record<string, string | number> {
  const options: Record<string, string | number> = { prompt: values.prompt };
  if (values.negative !== null) options['negative'] = values.negative;
  if (values.strength !== null) options['denoise'] = values.strength;
  return options;
}

/** Remixing one of our own results starts from its prompt; any other message starts empty. */
function promptOfOwnResult(message: Message, interaction: MessageContextMenuCommandInteraction, context: CommandContext): string {
  if (message.author.id !== interaction.client.user.id && message.author.id !== interaction.applicationId) return '';
  const jobId = jobIdOfMessage({ attachments: [], embeds: message.embeds });
  const job = jobId === null ? undefined : context.store.get(jobId);
  // A message could name a job of another guild (copied embed): only a job of this place lends its prompt.
  const here = { userId: interaction.user.id, guildId: interaction.guildId };
  const prompt = job !== undefined && inScope(job, here) ? job.spec.options['prompt'] : undefined;
  return typeof prompt === 'string' ? prompt : '';
}

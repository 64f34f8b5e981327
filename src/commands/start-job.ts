import { deferReplyWithRetry } from '../discord/defer-reply.ts';
import type { ButtonInteraction, ChatInputCommandInteraction, MessageContextMenuCommandInteraction, ModalSubmitInteraction } from 'discord.js';
import type { Accepted, NewJobRequest, Requester } from '../app/job-service.ts';
import { isAgeRestricted } from '../discord/caller.ts';
import { toStoredHandle, type ReplyHandle } from '../discord/reply-handle.ts';
import type { InputImageRef, JobOrigin } from '../jobs/job.ts';
import type { Template } from '../workflows/index.ts';
import type { CommandContext } from './command-context.ts';
import { assertChannelDefaultsValid, withChannelDefaults } from './channel-defaults.ts';
import { takeImage } from './image-input.ts';

/** How long a job may wait for the servers' first /object_info, well inside Discord's 3 s to answer. */
export const SERVER_LISTS_WAIT_MS = 1000;

type Deferrable = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction | MessageContextMenuCommandInteraction;

export interface StartJob {
  requester: Requester;
  template: string | null;
  options: NewJobRequest['options'];
  /** An image URL to download for the `image` option (img2img), checked already by precheckAttachment. */
  imageUrl: string | null;
  origin: JobOrigin;
}

/**
 * The common path of every command that makes a job: check everything that is quick
 * (so a refusal is ephemeral and nothing public appears), defer publicly within
 * Discord's 3 s, then fetch the input image and queue. The job's message is the
 * deferred reply; JobReplies edits it from then on.
 */
export async function startJob(interaction: Deferrable, asked: StartJob, context: CommandContext): Promise<Accepted> {
  const channelSettings = interaction.channelId === null ? {} : context.settings.get(interaction.channelId);
  assertChannelDefaultsValid({
    settings: channelSettings,
    asked: asked.template,
    options: asked.options,
    templateNamed: (name) => context.templates.get(name),
    fallback: () => context.jobs.defaultTemplate(asked.imageUrl === null ? 'txt2img' : 'img2img'),
  });
  const request = { ...asked, ...withChannelDefaults(asked.template, asked.options, channelSettings) };
  await context.choices.settle(SERVER_LISTS_WAIT_MS);
  const template: Template = context.jobs.check({
    requester: request.requester,
    template: request.template,
    options: request.options,
    imageOptions: request.imageUrl === null ? [] : ['image'],
  });
  await deferReplyWithRetry(interaction);
  let inputs: Record<string, InputImageRef> | undefined;
  if (request.imageUrl !== null) inputs = { image: await takeImage(request.imageUrl, template, context) };
  return context.jobs.submit(
    { requester: request.requester, template: template.name, options: request.options, ...(inputs ? { inputs } : {}), origin: request.origin },
    toStoredHandle(replyHandleOf(interaction, context)),
  );
}

/** A channel's own setting wins; otherwise the config marks results outside age-restricted channels. */
function spoilerFor(interaction: Deferrable, context: CommandContext): boolean {
  const setting = interaction.channelId === null ? undefined : context.settings.get(interaction.channelId).spoiler;
  if (setting !== undefined) return setting;
  return context.config.moderation.spoilerOutsideNsfw && !isAgeRestricted(interaction);
}

export function replyHandleOf(interaction: Deferrable, context: CommandContext): ReplyHandle {
  return {
    applicationId: interaction.applicationId,
    token: interaction.token,
    channelId: interaction.channelId,
    messageId: null,
    createdAt: interaction.createdTimestamp,
    sizeLimit: Number.isFinite(interaction.attachmentSizeLimit) && interaction.attachmentSizeLimit > 0 ? interaction.attachmentSizeLimit : null,
    spoiler: spoilerFor(interaction, context),
    userId: interaction.user.id,
  };
}

import { deferReplyWithRetry } from './defer-reply.ts';
import type { ButtonInteraction, ChatInputCommandInteraction, MessageContextMenuCommandInteraction, ModalSubmitInteraction } from 'discord.js';
import type { IntakeReply } from '../app/job-intake.ts';
import type { Accepted, NewJobRequest, Requester } from '../app/job-service.ts';
import { isAgeRestricted } from './caller.ts';
import { toStoredHandle, type ReplyHandle } from '../discord/reply-handle.ts';
import type { JobOrigin } from '../jobs/job.ts';
import type { CommandContext } from './command-context.ts';
import { findOption } from '../workflows/index.ts';
import { assertChannelDefaultsValid, withChannelDefaults } from './channel-defaults.ts';

/** How long a job may wait for the servers' first /object_info, well inside Discord's 3 s to answer. */
export const SERVER_LISTS_WAIT_MS = 1000;

type Deferrable = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction | MessageContextMenuCommandInteraction;

export interface StartJob {
  requester: Requester;
  template: string | null;
  options: NewJobRequest['options'];
  /** An image URL to download for the `image` option (img2img), checked already by precheckAttachment. */
  imageUrl: string | null;
  /** More image options to download (/inpaint's mask, an edit's image2 and image3), each checked already by precheckAttachment. */
  uploads?: Record<string, string>;
  origin: JobOrigin;
}

/**
 * The common path of every command that makes a job, in the order JobIntake keeps:
 * every check first (so a refusal is ephemeral and nothing public appears or is
 * downloaded), the job saved with its reply handle, the public deferral within
 * Discord's 3 s, then the input image fetched and the job queued. The job's message is
 * the deferred reply; JobReplies edits it from then on.
 */
export async function startJob(interaction: Deferrable, asked: StartJob, context: CommandContext): Promise<Accepted> {
  const channelSettings = context.settings.inPlace(interaction.channelId, interaction.guildId).settings;
  const uploads = { ...(asked.imageUrl === null ? {} : { image: asked.imageUrl }), ...asked.uploads };
  const fallback = () => context.jobs.defaultTemplate(Object.keys(uploads).length === 0 ? 'txt2img' : 'img2img');
  assertChannelDefaultsValid({
    settings: channelSettings,
    asked: asked.template,
    options: asked.options,
    templateNamed: (name) => context.templates.get(name),
    fallback,
  });
  const chosen = asked.template ?? channelSettings.template ?? null;
  const template = chosen === null ? fallback() : context.templates.get(chosen);
  // An unknown name keeps every default: JobService refuses the name itself, in its own words.
  const takes = (option: string) => template === undefined || findOption(template, option) !== undefined;
  const request = { ...asked, ...withChannelDefaults(asked.template, asked.options, channelSettings, takes) };
  await context.choices.settle(SERVER_LISTS_WAIT_MS);
  return context.intake.start(
    {
      requester: request.requester,
      template: request.template,
      options: request.options,
      ...(Object.keys(uploads).length === 0 ? {} : { uploads }),
      origin: request.origin,
    },
    deferredReply(interaction, context),
  );
}

/** The job's reply: the interaction's deferral, saved before it is sent and marked once Discord took it. */
export function deferredReply(interaction: Deferrable, context: CommandContext): IntakeReply {
  const handle = replyHandleOf(interaction, context);
  return {
    handle: toStoredHandle(handle),
    async acknowledge() {
      await deferReplyWithRetry(interaction);
      return toStoredHandle({ ...handle, acknowledged: true });
    },
  };
}

/** A channel's (or its server's) setting wins; otherwise the config marks results outside age-restricted channels. */
function spoilerFor(interaction: Deferrable, context: CommandContext): boolean {
  const setting = context.settings.inPlace(interaction.channelId, interaction.guildId).settings.spoiler;
  if (setting !== undefined) return setting;
  return context.config.moderation.spoilerOutsideNsfw && !isAgeRestricted(interaction);
}

export function replyHandleOf(interaction: Deferrable, context: CommandContext): ReplyHandle {
  return {
    applicationId: interaction.applicationId,
    interactionId: interaction.id,
    token: interaction.token,
    acknowledged: false,
    channelId: interaction.channelId,
    messageId: null,
    createdAt: interaction.createdTimestamp,
    sizeLimit: Number.isFinite(interaction.attachmentSizeLimit) && interaction.attachmentSizeLimit > 0 ? interaction.attachmentSizeLimit : null,
    spoiler: spoilerFor(interaction, context),
    userId: interaction.user.id,
  };
}

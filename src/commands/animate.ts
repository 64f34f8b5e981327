import type { ChatInputCommandInteraction } from 'discord.js';
import type { Requester } from '../jobs/job-scope.ts';
import type { CommandContext } from './command-context.ts';
import { precheckAttachment } from './image-input.ts';
import { collectOptions } from './job-options.ts';
import { askedRoleTemplate } from './role-template.ts';
import { startJob } from './start-job.ts';

/**
 * /animate image prompt: the uploaded image becomes the first frame of a clip made by
 * the channel's animate template (workflows/animate.json unless `/settings` or
 * `template:` says otherwise). The attachment takes the /img2img path: checked here,
 * fetched and uploaded by startJob. The requester is found by the caller (src/commands/imagine.ts
 * builds the command), so this file needs nothing from the Discord adapter.
 */
export async function runAnimate(interaction: ChatInputCommandInteraction, context: CommandContext, requester: Requester): Promise<void> {
  const attachment = interaction.options.getAttachment('image', true);
  precheckAttachment(attachment, context.config.attachments.maxBytes, context.config.attachments.hosts);
  // Named explicitly so a channel's default (txt2img) template never takes an animate request.
  const template = askedRoleTemplate('animate', interaction.options.getString('template'), interaction, context);
  await startJob(
    interaction,
    { requester, template, options: collectOptions(interaction), imageUrl: attachment.url, origin: { kind: 'command', command: interaction.commandName } },
    context,
  );
}

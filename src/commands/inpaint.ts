import type { ChatInputCommandInteraction } from 'discord.js';
import { precheckMaskShape } from '../app/mask-precheck.ts';
import type { Requester } from '../jobs/job-scope.ts';
import type { CommandContext } from './command-context.ts';
import { precheckAttachment } from './image-input.ts';
import { collectOptions } from './job-options.ts';
import { askedRoleTemplate } from './role-template.ts';
import { startJob } from './start-job.ts';

/**
 * /inpaint image mask prompt: the channel's inpaint template (workflows/inpaint.json
 * unless `/settings` or `template:` says otherwise) repaints the part of `image` that
 * `mask` marks. Both attachments are checked here from what Discord says, so a file that
 * is no image, or a mask of another shape by the sizes Discord gives
 * (src/app/mask-precheck.ts), is refused before anything is public; JobIntake then keeps
 * both, checks the downloaded mask against the image (src/images/mask-check.ts) and
 * queues the job, so a mask that cannot be used is refused with its reason before any
 * GPU time is spent.
 */
export async function runInpaint(interaction: ChatInputCommandInteraction, context: CommandContext, requester: Requester): Promise<void> {
  const { maxBytes, hosts } = context.config.attachments;
  const image = interaction.options.getAttachment('image', true);
  const mask = interaction.options.getAttachment('mask', true);
  precheckAttachment(image, maxBytes, hosts);
  precheckAttachment(mask, maxBytes, hosts, 'The mask');
  precheckMaskShape(mask, image);
  // Named explicitly so a channel's default (txt2img) template never takes an inpaint request.
  const template = askedRoleTemplate('inpaint', interaction.options.getString('template'), interaction, context);
  await startJob(
    interaction,
    {
      requester,
      template,
      options: collectOptions(interaction),
      imageUrl: image.url,
      uploads: { mask: mask.url },
      origin: { kind: 'command', command: interaction.commandName },
    },
    context,
  );
}

import type { ChatInputCommandInteraction } from 'discord.js';
import type { Requester } from '../jobs/job-scope.ts';
import type { CommandContext } from './command-context.ts';
import { precheckAttachment } from './image-input.ts';
import { collectOptions } from './job-options.ts';
import { askedRoleTemplate } from './role-template.ts';
import { startJob } from './start-job.ts';

/** The attachment options of /edit, in the order they bind: each to the template option of the same name. */
const EDIT_IMAGE_OPTIONS = ['image', 'image2', 'image3'] as const;

/**
 * /edit prompt image [image2] [image3] [template]: an instruction edit. Every attachment
 * is checked before anything is deferred, then startJob downloads each, keeps it as its
 * own file and uploads it to its own LoadImage. The template is the one named (of role
 * edit), else this channel's edit template (`/settings set edit_template:`), else the
 * bot's. The requester is found by the caller (src/commands/imagine.ts builds the
 * command), so this file needs nothing from the Discord adapter.
 */
export async function runEdit(interaction: ChatInputCommandInteraction, context: CommandContext, requester: Requester): Promise<void> {
  const { maxBytes, hosts } = context.config.attachments;
  const uploads: Record<string, string> = {};
  for (const name of EDIT_IMAGE_OPTIONS) {
    const attachment = interaction.options.getAttachment(name, name === 'image');
    if (attachment === null) continue;
    precheckAttachment(attachment, maxBytes, hosts);
    uploads[name] = attachment.url;
  }
  // Named explicitly so a channel's default (txt2img) template never takes an edit.
  const template = askedRoleTemplate('edit', interaction.options.getString('template'), interaction, context);
  await startJob(
    interaction,
    { requester, template, options: collectOptions(interaction), imageUrl: null, uploads, origin: { kind: 'command', command: interaction.commandName } },
    context,
  );
}

import type { AutocompleteInteraction, ChatInputCommandInteraction } from 'discord.js';
import { requesterOf } from './caller.ts';
import { COMMAND_NAMES } from './command-definitions.ts';
import { runAnimate } from './animate.ts';
import { runInpaint } from './inpaint.ts';
import type { CommandContext, SlashCommand } from './command-context.ts';
import { runEdit } from './edit.ts';
import { autocompleteImageOptions } from './image-autocomplete.ts';
import { collectOptions } from './job-options.ts';
import { precheckAttachment } from './image-input.ts';
import { startJob } from './start-job.ts';

async function run(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
  const requester = await requesterOf(interaction, context);
  const attachment = interaction.options.getAttachment('image');
  if (attachment) precheckAttachment(attachment, context.config.attachments.maxBytes, context.config.attachments.hosts);
  await startJob(
    interaction,
    {
      requester,
      template: interaction.options.getString('template'),
      options: collectOptions(interaction),
      imageUrl: attachment?.url ?? null,
      origin: { kind: 'command', command: interaction.commandName },
    },
    context,
  );
}

export const imagineCommand: SlashCommand = {
  name: COMMAND_NAMES.imagine,
  execute: run,
  autocomplete: (interaction: AutocompleteInteraction, context: CommandContext) => autocompleteImageOptions(interaction, context),
};

/** /img2img is /imagine with the image required; the same options mean the same things. */
export const img2imgCommand: SlashCommand = {
  name: COMMAND_NAMES.img2img,
  execute: run,
  autocomplete: (interaction: AutocompleteInteraction, context: CommandContext) => autocompleteImageOptions(interaction, context),
};

/** /animate: an image and a prompt through the channel's animate template (src/commands/animate.ts). */
export const animateCommand: SlashCommand = {
  name: COMMAND_NAMES.animate,
  execute: async (interaction: ChatInputCommandInteraction, context: CommandContext) => runAnimate(interaction, context, await requesterOf(interaction, context)),
  autocomplete: (interaction: AutocompleteInteraction, context: CommandContext) => autocompleteImageOptions(interaction, context),
};

/** /inpaint: an image, a mask and a prompt through the channel's inpaint template (src/commands/inpaint.ts). */
export const inpaintCommand: SlashCommand = {
  name: COMMAND_NAMES.inpaint,
  execute: async (interaction: ChatInputCommandInteraction, context: CommandContext) => runInpaint(interaction, context, await requesterOf(interaction, context)),
  autocomplete: (interaction: AutocompleteInteraction, context: CommandContext) => autocompleteImageOptions(interaction, context),
};

/** /edit: an instruction edit with one to three images through the channel's edit template (src/commands/edit.ts). */
export const editCommand: SlashCommand = {
  name: COMMAND_NAMES.edit,
  execute: async (interaction: ChatInputCommandInteraction, context: CommandContext) => runEdit(interaction, context, await requesterOf(interaction, context)),
  autocomplete: (interaction: AutocompleteInteraction, context: CommandContext) => autocompleteImageOptions(interaction, context),
};

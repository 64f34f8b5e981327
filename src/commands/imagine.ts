import type { AutocompleteInteraction, ChatInputCommandInteraction } from 'discord.js';
import { requesterOf } from '../discord/caller.ts';
import { COMMAND_NAMES } from '../discord/command-definitions.ts';
import { runAnimate } from './animate.ts';
import type { CommandContext, SlashCommand } from './command-context.ts';
import { autocompleteImageOptions } from './image-autocomplete.ts';
import { precheckAttachment } from './image-input.ts';
import { parseSize } from './size-option.ts';
import { startJob } from './start-job.ts';

type Options = Record<string, string | number | boolean>;

/** Command options → template option values; only what the user set, templates supply the rest. */
function collectOptions(interaction: ChatInputCommandInteraction): Options {
  const get = interaction.options;
  const values: Options = {};
  const set = (name: string, value: string | number | boolean | null) => {
    if (value !== null) values[name] = value;
  };
  set('prompt', get.getString('prompt'));
  set('negative', get.getString('negative'));
  set('seed', get.getInteger('seed'));
  set('steps', get.getInteger('steps'));
  set('cfg', get.getNumber('cfg'));
  set('batch', get.getInteger('count'));
  set('denoise', get.getNumber('strength'));
  set('checkpoint', get.getString('checkpoint'));
  set('sampler', get.getString('sampler'));
  set('length', get.getInteger('length'));
  set('fps', get.getNumber('fps'));
  const size = get.getString('size');
  if (size !== null) Object.assign(values, parseSize(size));
  return values;
}

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

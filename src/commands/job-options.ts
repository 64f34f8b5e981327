import type { ChatInputCommandInteraction } from 'discord.js';
import { parseSize } from './size-option.ts';

type Options = Record<string, string | number | boolean>;

/**
 * A generating command's options → template option values; only what the user set, the
 * templates supply the rest. /imagine, /img2img, /animate and /inpaint share the names, and an option a
 * command does not declare reads as unset.
 */
export function collectOptions(interaction: ChatInputCommandInteraction): Options {
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
  set('grow', get.getInteger('grow'));
  const size = get.getString('size');
  if (size !== null) Object.assign(values, parseSize(size));
  return values;
}

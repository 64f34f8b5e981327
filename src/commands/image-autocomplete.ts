import type { ApplicationCommandOptionChoiceData, AutocompleteInteraction } from 'discord.js';
import { normaliseForMatching } from '../access/text-fold.ts';
import type { TemplateRole } from '../workflows/index.ts';
import type { CommandContext } from './command-context.ts';
import { SIZE_PRESETS, sizeLabel } from './size-option.ts';

const MAX_CHOICES = 25;

/** Keeps names containing what was typed (case- and width-insensitive), best matches first. */
export function filterChoices(names: readonly string[], typed: string): string[] {
  const needle = normaliseForMatching(typed.trim());
  const scored = names
    .map((name) => ({ name, at: normaliseForMatching(name).indexOf(needle) }))
    .filter((entry) => entry.at !== -1)
    .sort((a, b) => a.at - b.at || a.name.localeCompare(b.name));
  return scored.slice(0, MAX_CHOICES).map((entry) => entry.name);
}

function asChoices(names: string[]): ApplicationCommandOptionChoiceData<string>[] {
  return names.map((name) => ({ name: name.slice(0, 100), value: name.slice(0, 100) }));
}

/** Commands that run one role's templates only (askedRoleTemplate), so only those are offered. */
const ROLE_COMMANDS: Readonly<Record<string, TemplateRole>> = { animate: 'animate', edit: 'edit', inpaint: 'inpaint' };

const SERVER_LISTS: Record<string, { class: string; input: string }> = {
  checkpoint: { class: 'CheckpointLoaderSimple', input: 'ckpt_name' },
  sampler: { class: 'KSampler', input: 'sampler_name' },
  scheduler: { class: 'KSampler', input: 'scheduler' },
  lora: { class: 'LoraLoader', input: 'lora_name' },
};

/**
 * Suggestions for template, size and the server-backed options. Answers within
 * Discord's 3 s even when ComfyUI is slow: server lists come from the cache, and a
 * cold cache answers with nothing rather than waiting.
 */
export async function autocompleteImageOptions(interaction: AutocompleteInteraction, context: CommandContext): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const typed = focused.value;
  let names: string[] = [];
  if (focused.name === 'template' || focused.name === 'job') {
    const wantImage = interaction.commandName === 'img2img';
    const role = ROLE_COMMANDS[interaction.commandName];
    const templates = context.templates
      .list()
      .filter((template) => (role !== undefined ? template.role === role : !wantImage || template.options.some((option) => option.type === 'image')));
    names = filterChoices(templates.map((template) => template.name), typed);
  } else if (focused.name === 'size') {
    names = filterChoices(SIZE_PRESETS.map(sizeLabel), typed);
    if (/^\d+\s*[x×]\s*\d+$/.test(typed.trim())) names.unshift(typed.trim());
  } else if (SERVER_LISTS[focused.name]) {
    const list = SERVER_LISTS[focused.name]!;
    const cached = context.choices.peek(list.class, list.input);
    if (cached === undefined) void context.choices.get(list.class, list.input).catch(() => undefined);
    names = filterChoices(cached ?? [], typed);
  }
  await interaction.respond(asChoices(names.slice(0, MAX_CHOICES)));
}

import type { APIEmbed } from 'discord.js';
import { COMMAND_NAMES } from './command-definitions.ts';
import { DISCORD_LIMITS, escapeMarkdown, oneLine, truncate } from '../discord-limits.ts';
import { listOptions, type OptionListing, type Template } from '../workflows/index.ts';
import { fitEmbed } from './embed-fit.ts';

/**
 * What /templates shows, as plain embeds: the list of templates, or one template's
 * options with their types, defaults, ranges and choices. Template files are written
 * by admins but still shown literally (markdown escaped), and everything is fitted to
 * Discord's embed limits.
 */

const COLOR = 0x5865f2;

/** Which command option sets a template option from Discord; options not listed keep their default. */
const DISCORD_OPTIONS: Readonly<Record<string, string>> = {
  prompt: 'prompt',
  negative: 'negative',
  seed: 'seed',
  steps: 'steps',
  cfg: 'cfg',
  batch: 'count',
  denoise: 'strength',
  checkpoint: 'checkpoint',
  sampler: 'sampler',
  width: 'size',
  height: 'size',
  image: 'image',
};

const LINE_MAX = 300;

export function templateListEmbed(templates: readonly Template[]): APIEmbed {
  if (templates.length === 0) {
    return { title: 'Workflow templates', description: 'No templates are installed. An admin adds them to the workflows folder.', color: COLOR };
  }
  const lines: string[] = [];
  let length = 0;
  for (const [index, template] of templates.entries()) {
    const about = template.description.trim() === '' ? '' : ` — ${oneLine(template.description, LINE_MAX)}`;
    const line = `**${escapeMarkdown(template.name)}** · ${template.kind}${about}`;
    const left = templates.length - index - 1;
    const note = left > 0 ? `\n…and ${left} more`.length : 0;
    if (length + line.length + 1 + note > DISCORD_LIMITS.embedDescription) {
      lines.push(`…and ${templates.length - index} more`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return fitEmbed({
    title: `Workflow templates (${templates.length})`,
    description: lines.join('\n'),
    color: COLOR,
    footer: { text: `Details: /${COMMAND_NAMES.templates} template:<name> · pick one with /${COMMAND_NAMES.imagine} template:<name>` },
  });
}

export function templateDetailEmbed(template: Template): APIEmbed {
  const head = [
    `Kind: **${template.kind}** · role: **${template.role}**${template.source === 'detected' ? ' (bound automatically from a raw ComfyUI graph)' : ''}`,
    ...(template.description.trim() === '' ? [] : [escapeMarkdown(template.description.trim())]),
  ];
  const options = listOptions(template);
  return fitEmbed(
    {
      title: `Template ${template.name}`,
      description: head.join('\n'),
      color: COLOR,
      fields: options.map((option) => ({
        name: `${option.name}${option.required ? ' (required)' : ''}`,
        value: describeOption(option),
        inline: false,
      })),
      footer: { text: `${options.length} option${options.length === 1 ? '' : 's'} · options without a Discord option keep their default` },
    },
    `Run \`comfycord templates\` on the bot's host for the full list.`,
  );
}

/** "int · default 30 · 1 to 150 · set with `steps`", then the option's own description. */
export function describeOption(option: OptionListing): string {
  const facts: string[] = [option.type];
  if (option.default !== undefined) facts.push(`default ${formatDefault(option.default)}`);
  if (option.min !== undefined || option.max !== undefined) facts.push(`${option.min ?? '…'} to ${option.max ?? '…'}`);
  if (option.maxLength !== undefined && (option.type === 'text' || option.type === 'string')) facts.push(`up to ${option.maxLength} characters`);
  const discord = DISCORD_OPTIONS[option.name];
  facts.push(discord === undefined ? 'fixed from Discord' : `set with \`${discord}\``);
  const lines = [facts.join(' · ')];
  if (option.description.trim() !== '') lines.push(oneLine(option.description, 300));
  if (option.choicesFrom) lines.push(`Choices: from the server (${escapeMarkdown(`${option.choicesFrom.class}.${option.choicesFrom.input}`)})`);
  else if (option.choices && option.choices.length > 0) lines.push(choiceList(option.choices, DISCORD_LIMITS.fieldValue - lines.join('\n').length - 1));
  return truncate(lines.join('\n'), DISCORD_LIMITS.fieldValue);
}

function formatDefault(value: string | number | boolean): string {
  if (typeof value === 'string') return value === '' ? '(empty)' : `\`${truncate(value.replace(/`/g, "'").replace(/\s+/g, ' '), 80)}\``;
  return `\`${String(value)}\``;
}

/** "Choices: a, b, c …and 12 more", within `room` characters. */
export function choiceList(choices: readonly string[], room: number): string {
  const head = 'Choices: ';
  const shown: string[] = [];
  for (const [index, choice] of choices.entries()) {
    const more = choices.length - index - 1;
    const tail = more > 0 ? ` …and ${more} more` : '';
    const next = [...shown, escapeMarkdown(truncate(choice, 80))].join(', ');
    if (head.length + next.length + tail.length > room) {
      return `${head}${shown.join(', ')} …and ${choices.length - index} more`;
    }
    shown.push(escapeMarkdown(truncate(choice, 80)));
  }
  return head + shown.join(', ');
}

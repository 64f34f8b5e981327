import { ComponentType, TextInputStyle, type APIModalInteractionResponseCallbackData } from 'discord.js';
import { PROMPT_MAX_LENGTH } from '../workflows/index.ts';
import { PromptInvalidError, RemixModeInvalidError, StrengthInvalidError } from './command-errors.ts';

/**
 * The Remix modal as plain data, and the parsing of what comes back. The modal's
 * custom_id is `remix:<key>` (the key names a RemixStash entry); its text inputs are
 * `prompt` (required), `negative` and `strength` (optional), and a string select `mode`
 * offering what this channel can make (Animate only where it has an animate template).
 */
export const REMIX_MODAL_PREFIX = 'remix';
export const REMIX_FIELDS = { prompt: 'prompt', negative: 'negative', strength: 'strength', mode: 'mode' } as const;

/**
 * What the form does with the message: img2img on its image (the default), an instruction
 * edit of its images, or a short clip with the image as its first frame (the animate template).
 */
export const REMIX_MODES = ['remix', 'edit', 'animate'] as const;
export type RemixMode = (typeof REMIX_MODES)[number];

const MODE_CHOICES: ReadonlyArray<{ value: RemixMode; label: string; description: string }> = [
  { value: 'remix', label: 'Remix', description: 'Redraw the first image toward the prompt (uses Strength)' },
  { value: 'edit', label: 'Edit', description: "Follow the prompt as an instruction; the message's other images are references" },
  { value: 'animate', label: 'Animate', description: 'A short video that starts from this image (Strength not used)' },
];

/** What every form offers; Animate is added where the channel has an animate template. */
export const REMIX_BASE_MODES: readonly RemixMode[] = ['remix', 'edit'];

/** Discord's caps: modal title 45, label 45, label description 100, placeholder 100, value 4000. */
const TEXT_INPUT_MAX = 4000;

export function remixModalId(key: string): string {
  return `${REMIX_MODAL_PREFIX}:${key}`;
}

/** The stash key of a `remix:<key>` custom_id, or null for anything else. */
export function remixKeyOf(customId: string): string | null {
  const prefix = `${REMIX_MODAL_PREFIX}:`;
  if (!customId.startsWith(prefix)) return null;
  const key = customId.slice(prefix.length);
  return key.length > 0 && key.length <= 64 ? key : null;
}

/** `modes`: the choices the Mode select offers, in this order; Remix is the default. */
export function remixModal(key: string, prefill: { prompt: string }, modes: readonly RemixMode[] = REMIX_BASE_MODES): APIModalInteractionResponseCallbackData {
  const max = Math.min(PROMPT_MAX_LENGTH, TEXT_INPUT_MAX);
  const prompt = prefill.prompt.slice(0, max);
  return {
    custom_id: remixModalId(key),
    title: 'Remix this image',
    components: [
      {
        type: ComponentType.Label,
        label: 'Prompt',
        description: 'What the image should become',
        component: {
          type: ComponentType.TextInput,
          custom_id: REMIX_FIELDS.prompt,
          style: TextInputStyle.Paragraph,
          required: true,
          min_length: 1,
          max_length: max,
          ...(prompt.trim() === '' ? {} : { value: prompt }),
        },
      },
      {
        type: ComponentType.Label,
        label: 'Strength (optional)',
        description: 'How much to change it, 0 to 1 (e.g. 0.6). Empty: the template default. Remix only.',
        component: {
          type: ComponentType.TextInput,
          custom_id: REMIX_FIELDS.strength,
          style: TextInputStyle.Short,
          required: false,
          max_length: 10,
          placeholder: '0.6',
        },
      },
      {
        type: ComponentType.Label,
        label: 'Negative prompt (optional)',
        description: 'What to avoid',
        component: {
          type: ComponentType.TextInput,
          custom_id: REMIX_FIELDS.negative,
          style: TextInputStyle.Paragraph,
          required: false,
          max_length: max,
        },
      },
      {
        type: ComponentType.Label,
        label: 'Mode',
        description: modes.includes('animate')
          ? 'Remix redraws the image; Edit follows the prompt (up to 3 images); Animate makes a clip'
          : 'Remix redraws the image; Edit changes what the prompt says (up to 3 images)',
        component: {
          type: ComponentType.StringSelect,
          custom_id: REMIX_FIELDS.mode,
          required: false,
          min_values: 0,
          max_values: 1,
          options: MODE_CHOICES.filter((choice) => modes.includes(choice.value)).map((choice) => ({ ...choice, default: choice.value === 'remix' })),
        },
      },
    ],
  };
}

/** The picked mode; none picked is Remix. A value the form never offered (`offered`) is refused. */
export function parseRemixMode(picked: readonly string[], offered: readonly RemixMode[] = REMIX_MODES): RemixMode {
  const value = picked[0];
  if (value === undefined) return 'remix';
  const mode = offered.find((candidate) => candidate === value);
  if (mode === undefined || picked.length > 1) throw new RemixModeInvalidError(picked.join(','));
  return mode;
}

export interface RemixValues {
  prompt: string;
  negative: string | null;
  /** img2img denoise; null leaves the template default. */
  strength: number | null;
}

/**
 * The submitted text inputs (by custom_id) as validated values. Discord enforces the
 * lengths it was given, but a submit is untrusted input, so everything is checked again.
 */
export function parseRemixValues(fields: Readonly<Record<string, string | undefined>>): RemixValues {
  const prompt = (fields[REMIX_FIELDS.prompt] ?? '').trim();
  if (prompt === '') throw new PromptInvalidError('The prompt is empty: describe what the image should become.');
  if (prompt.length > PROMPT_MAX_LENGTH) throw new PromptInvalidError(`The prompt is ${prompt.length} characters; the limit is ${PROMPT_MAX_LENGTH}.`);
  const negative = (fields[REMIX_FIELDS.negative] ?? '').trim();
  if (negative.length > PROMPT_MAX_LENGTH) throw new PromptInvalidError(`The negative prompt is ${negative.length} characters; the limit is ${PROMPT_MAX_LENGTH}.`);
  return { prompt, negative: negative === '' ? null : negative, strength: parseStrength(fields[REMIX_FIELDS.strength] ?? '') };
}

/** `0.6`, `.6`, `0,6` or `60%` → 0.6; empty → null; anything else, or outside 0..1, is refused. */
export function parseStrength(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const percent = trimmed.endsWith('%');
  const digits = (percent ? trimmed.slice(0, -1).trim() : trimmed).replace(',', '.');
  const value = /^(\d+(\.\d*)?|\.\d+)$/.test(digits) ? Number(digits) / (percent ? 100 : 1) : Number.NaN;
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new StrengthInvalidError(trimmed);
  }
  return value;
}

import type { ChoicesFrom, OptionType } from './template.ts';

/**
 * Option names the CLI and Discord know by heart (`--steps`, `/imagine steps:`). A template
 * that uses one of these names must give it the type below, so a flag means the same thing
 * in every template. Bounds apply when a template does not set its own; they keep one job
 * from tying up a GPU (150 steps, 8 images, 4096 px).
 */
export interface CanonicalOption {
  readonly types: readonly OptionType[];
  readonly description: string;
  readonly min?: number;
  readonly max?: number;
  readonly maxLength?: number;
  readonly choicesFrom?: ChoicesFrom;
}

export const MAX_SEED = Number.MAX_SAFE_INTEGER;
export const PROMPT_MAX_LENGTH = 4000;

export const CANONICAL_OPTIONS = {
  prompt: { types: ['text', 'string'], description: 'What to make', maxLength: PROMPT_MAX_LENGTH },
  negative: { types: ['text', 'string'], description: 'What to avoid', maxLength: PROMPT_MAX_LENGTH },
  seed: { types: ['seed'], description: 'Noise seed, or "random"', min: 0, max: MAX_SEED },
  steps: { types: ['int'], description: 'Sampling steps', min: 1, max: 150 },
  cfg: { types: ['float'], description: 'Prompt strength (CFG)', min: 0, max: 30 },
  width: { types: ['int'], description: 'Image width in pixels', min: 64, max: 4096 },
  height: { types: ['int'], description: 'Image height in pixels', min: 64, max: 4096 },
  batch: { types: ['int'], description: 'Number of images', min: 1, max: 8 },
  length: { types: ['int'], description: 'Frames in the video', min: 1, max: 241 },
  fps: { types: ['float'], description: 'Frames per second', min: 1, max: 60 },
  denoise: { types: ['float'], description: 'How much to change (0 keeps, 1 replaces)', min: 0, max: 1 },
  image: { types: ['image'], description: 'Input image' },
  checkpoint: { types: ['choice'], description: 'Model checkpoint', choicesFrom: { class: 'CheckpointLoaderSimple', input: 'ckpt_name' } },
  sampler: { types: ['choice'], description: 'Sampler', choicesFrom: { class: 'KSampler', input: 'sampler_name' } },
  scheduler: { types: ['choice'], description: 'Noise schedule', choicesFrom: { class: 'KSampler', input: 'scheduler' } },
  upscale_model: { types: ['choice'], description: 'Upscale model', choicesFrom: { class: 'UpscaleModelLoader', input: 'model_name' } },
} as const satisfies Record<string, CanonicalOption>;

export type CanonicalOptionName = keyof typeof CANONICAL_OPTIONS;

export function canonicalOption(name: string): CanonicalOption | undefined {
  return Object.hasOwn(CANONICAL_OPTIONS, name) ? CANONICAL_OPTIONS[name as CanonicalOptionName] : undefined;
}

/** Default length caps when an option sets none: a prompt fits a Discord message; Discord caps options at 6000. */
export const DEFAULT_MAX_LENGTH: Partial<Record<OptionType, number>> = { text: PROMPT_MAX_LENGTH, string: 256, image: 255, choice: 255 };
export const LIMIT_MAX_LENGTH = 6000;

import { SizeInvalidError } from './command-errors.ts';

/** Named sizes offered by autocomplete; SDXL-friendly buckets, all multiples of 64. */
export const SIZE_PRESETS: readonly { name: string; width: number; height: number }[] = [
  { name: 'square', width: 1024, height: 1024 },
  { name: 'portrait', width: 832, height: 1216 },
  { name: 'landscape', width: 1216, height: 832 },
  { name: 'tall', width: 768, height: 1344 },
  { name: 'wide', width: 1344, height: 768 },
  { name: 'small', width: 512, height: 512 },
];

/** The whole text is a size: nothing may follow it (`256x256; DROP TABLE` is not a size). */
const SIZE_GRAMMAR = /^(\d{2,5})\s*[x×*]\s*(\d{2,5})$/u;

/**
 * `1024x768`, `1024×768`, `1024 x 768`, a preset name, or a preset as autocomplete
 * labels it (`square (1024x1024)`) → width and height (multiples of 8). Anything else,
 * trailing text included, is refused.
 */
export function parseSize(text: string): { width: number; height: number } {
  const trimmed = text.trim().toLowerCase();
  const preset = SIZE_PRESETS.find((candidate) => candidate.name === trimmed || sizeLabel(candidate) === trimmed);
  if (preset) return { width: preset.width, height: preset.height };
  const match = SIZE_GRAMMAR.exec(trimmed);
  if (!match) throw new SizeInvalidError(`size must look like 1024x768 or be one of ${SIZE_PRESETS.map((p) => p.name).join(', ')}; got '${text.slice(0, 40)}'`);
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width % 8 !== 0 || height % 8 !== 0) throw new SizeInvalidError(`width and height must be multiples of 8; got ${width}x${height}`);
  return { width, height };
}

export function sizeLabel(preset: { name: string; width: number; height: number }): string {
  return `${preset.name} (${preset.width}x${preset.height})`;
}

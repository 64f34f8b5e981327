import { OptionInvalidError } from './option-errors.ts';
import type { Template } from './template.ts';

/**
 * Zoom Out, Pan and Make Square as numbers: how far to pad each side of an image so
 * the outpaint template (ImagePadForOutpaint) fills a larger frame. Pure arithmetic on
 * sizes; the bot reads the image's size and, when the frame would pass the template's
 * largest side, shrinks the image first so the frame fits (the picture keeps its
 * framing; the zoom is what the user asked).
 */

export const PAN_DIRECTIONS = ['left', 'right', 'up', 'down'] as const;
export type PanDirection = (typeof PAN_DIRECTIONS)[number];

export type OutpaintAction =
  /** The image becomes 1/factor of the new frame, padded equally on opposite sides. */
  | { readonly kind: 'zoom'; readonly factor: number }
  /** One side grows by half the image's size in that direction. */
  | { readonly kind: 'pan'; readonly direction: PanDirection }
  /** The short sides grow to the long side. */
  | { readonly kind: 'square' };

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface Pads {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

export interface OutpaintPlan {
  /** The image's size as it goes into the pad node (smaller than the original only when capped). */
  readonly image: Size;
  readonly pads: Pads;
  /** image + pads: the result's size. */
  readonly frame: Size;
  /** True when the image was shrunk so the frame stays within the largest side. */
  readonly scaled: boolean;
}

/** Zoom factors a user may ask for (Custom Zoom, `--set zoom=`): more than 1, at most 4. */
export const MIN_ZOOM = 1;
export const MAX_ZOOM = 4;

/** The options an outpaint request names instead of pads; the bot turns them into pad_* values. */
export const OUTPAINT_PARAMS = ['zoom', 'pan', 'square'] as const;

const STEP = 8;
const round8 = (value: number): number => Math.round(value / STEP) * STEP;
const floor8 = (value: number): number => Math.floor(value / STEP) * STEP;

/** A total split over two opposite sides, each a multiple of 8, the first the smaller if they differ. */
function split(total: number): [number, number] {
  const first = floor8(total / 2);
  return [first, Math.max(0, round8(total - first))];
}

/** The pads of `action` on an image of `size`, every pad a multiple of 8 (ImagePadForOutpaint's step). */
export function padsFor(size: Size, action: OutpaintAction): Pads {
  const { width, height } = size;
  switch (action.kind) {
    case 'zoom': {
      const [left, right] = split(width * (action.factor - 1));
      const [top, bottom] = split(height * (action.factor - 1));
      return { left, top, right, bottom };
    }
    case 'pan': {
      const none = { left: 0, top: 0, right: 0, bottom: 0 };
      if (action.direction === 'left') return { ...none, left: round8(width / 2) };
      if (action.direction === 'right') return { ...none, right: round8(width / 2) };
      if (action.direction === 'up') return { ...none, top: round8(height / 2) };
      return { ...none, bottom: round8(height / 2) };
    }
    case 'square': {
      const [left, right] = split(Math.max(0, height - width));
      const [top, bottom] = split(Math.max(0, width - height));
      return { left, top, right, bottom };
    }
  }
}

function frameOf(size: Size, pads: Pads): Size {
  return { width: size.width + pads.left + pads.right, height: size.height + pads.top + pads.bottom };
}

/**
 * The plan for `action` on an image of `size` whose result may be at most `maxSide`
 * pixels on its long side. When the padded frame would be larger, the image is scaled
 * down (to multiples of 8) until image and pads fit.
 */
export function planOutpaint(size: Size, action: OutpaintAction, maxSide: number): OutpaintPlan {
  let pads = padsFor(size, action);
  let frame = frameOf(size, pads);
  const long = Math.max(frame.width, frame.height);
  if (long <= maxSide) return { image: size, pads, frame, scaled: false };
  let ratio = maxSide / long;
  // Rounding to 8 can push the frame a few pixels over: shrink a little more until it fits.
  for (let attempt = 0; attempt < 64; attempt += 1) {
    const image = { width: Math.max(STEP, floor8(size.width * ratio)), height: Math.max(STEP, floor8(size.height * ratio)) };
    pads = padsFor(image, action);
    frame = frameOf(image, pads);
    if (Math.max(frame.width, frame.height) <= maxSide) return { image, pads, frame, scaled: true };
    ratio *= 0.99;
  }
  const image = { width: STEP, height: STEP };
  return { image, pads: padsFor(image, action), frame: frameOf(image, padsFor(image, action)), scaled: true };
}

/**
 * The outpaint action named by a request's options (`zoom`, `pan` or `square`, exactly
 * one), and the other options without it. Values come from people (CLI `--set`, a
 * modal), so each is checked and refused with a reason.
 */
export function outpaintActionOf(options: Readonly<Record<string, unknown>>, template: string): { action: OutpaintAction; rest: Record<string, unknown> } | null {
  const named = OUTPAINT_PARAMS.filter((name) => options[name] !== undefined && options[name] !== null);
  if (named.length === 0) return null;
  const invalid = (message: string, option: string) => new OptionInvalidError(message, { template, option });
  if (named.length > 1) throw invalid(`give one of zoom, pan or square, not ${named.join(' and ')}`, named[1] as string);
  const rest = Object.fromEntries(Object.entries(options).filter(([name]) => !(OUTPAINT_PARAMS as readonly string[]).includes(name)));
  const name = named[0] as (typeof OUTPAINT_PARAMS)[number];
  const value = options[name];
  if (name === 'zoom') {
    const factor = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    if (!Number.isFinite(factor) || factor <= MIN_ZOOM || factor > MAX_ZOOM) throw invalid(`zoom must be a number above ${MIN_ZOOM} and at most ${MAX_ZOOM}, got ${String(value).slice(0, 40)}`, 'zoom');
    return { action: { kind: 'zoom', factor }, rest };
  }
  if (name === 'pan') {
    const direction = typeof value === 'string' ? value.trim().toLowerCase() : '';
    if (!(PAN_DIRECTIONS as readonly string[]).includes(direction)) throw invalid(`pan must be one of ${PAN_DIRECTIONS.join(', ')}, got ${String(value).slice(0, 40)}`, 'pan');
    return { action: { kind: 'pan', direction: direction as PanDirection }, rest };
  }
  if (value !== true && value !== 'true' && value !== 1 && value !== '1') throw invalid(`square takes true, got ${String(value).slice(0, 40)}`, 'square');
  return { action: { kind: 'square' }, rest };
}

/** The pads as the outpaint role's options. */
export function padOptions(pads: Pads): { pad_left: number; pad_top: number; pad_right: number; pad_bottom: number } {
  return { pad_left: pads.left, pad_top: pads.top, pad_right: pads.right, pad_bottom: pads.bottom };
}

/** How a reply names the action: "Zoom Out 2×", "Pan ⬅️", "Make Square". */
export function describeOutpaint(action: OutpaintAction): string {
  if (action.kind === 'zoom') return `Zoom Out ${String(action.factor)}×`;
  if (action.kind === 'square') return 'Make Square';
  const arrows: Record<PanDirection, string> = { left: '⬅️', right: '➡️', up: '⬆️', down: '⬇️' };
  return `Pan ${arrows[action.direction]}`;
}

/**
 * An outpaint request names `zoom`, `pan` or `square`; the pads follow from the image's
 * size, known only once the image is at hand. Checks made before that stand them in with
 * zeros (the action itself is checked here, with its reason).
 */
export function withPlaceholderPads(template: Pick<Template, 'name' | 'role'>, options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (template.role !== 'outpaint') return { ...options };
  const parsed = outpaintActionOf(options, template.name);
  return parsed === null ? { ...options } : { ...parsed.rest, ...padOptions({ left: 0, top: 0, right: 0, bottom: 0 }) };
}

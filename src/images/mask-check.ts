import type { Sharp } from 'sharp';
import { loadSharp } from './sharp-module.ts';
import { DEFAULT_MAX_INPUT_PIXELS } from './normalise-input.ts';
import { MASK_HOW_TO as HOW_TO, MaskRejectedError, undecodableMask } from './mask-errors.ts';
import { maskShapeRefusal, sameShape, type PixelSize } from './mask-shape.ts';

/**
 * The mask of an inpaint job (Vary (Region), /inpaint), checked against its image and
 * turned into what the inpaint template's LoadImageMask reads (workflows/inpaint.json,
 * channel red): a one-channel PNG at the image's size, white = change. A person marks
 * the region either in white on black, or by erasing it to transparency in an image
 * editor; a mask with any pixel at least half transparent is read the second way.
 */

export interface PreparedMask {
  png: Buffer;
  /** How the person marked the region. */
  markedBy: 'white' | 'transparent';
  /** Share of the image's pixels that will change (at least half white), 0–1. */
  coverage: number;
}

/** A pixel at or above this (out of 255) changes; the same cut decides "transparent". */
const HALF = 128;

/** 'error' as for images people send (normalise-input.ts): truncated data is refused, benign warnings are not. */
const FAIL_ON = 'error' as const;

async function decode(input: Buffer | string, maxPixels: number): Promise<{ source: Sharp; size: PixelSize; alpha: number | null }> {
  const sharp = await loadSharp();
  try {
    const source = sharp(input, { limitInputPixels: maxPixels, failOn: FAIL_ON, pages: 1 });
    const [metadata, stats] = await Promise.all([source.clone().metadata(), source.clone().stats()]);
    // The lowest alpha anywhere: stats() decodes every pixel, so a mask cut short is refused here.
    const alpha = metadata.hasAlpha ? (stats.channels.at(-1)?.min ?? 255) : null;
    return { source, size: { width: metadata.autoOrient.width, height: metadata.autoOrient.height }, alpha };
  } catch (cause) {
    throw undecodableMask(cause);
  }
}

/** Share of the one-channel pixels at or above HALF, counted on the bytes themselves (sharp's stats() reads the input, not the pipeline). */
function shareAtLeastHalf(levels: Buffer): number {
  let marked = 0;
  for (const level of levels) if (level >= HALF) marked += 1;
  return levels.length === 0 ? 0 : marked / levels.length;
}

/**
 * The mask as the template wants it, or a MaskRejectedError saying why it cannot be
 * used: not an image, another shape than the image, nothing marked, everything marked.
 */
export async function prepareMask(input: Buffer | string, image: PixelSize, options: { maxPixels?: number } = {}): Promise<PreparedMask> {
  const sharp = await loadSharp();
  const { source, size, alpha } = await decode(input, options.maxPixels ?? DEFAULT_MAX_INPUT_PIXELS);
  if (!sameShape(size, image)) throw maskShapeRefusal(size, image);
  const markedBy = alpha !== null && alpha < HALF ? 'transparent' : 'white';
  // One channel first (its own pass, so no later step sees the other channels), then scaled to the image.
  const oriented = source.clone().rotate();
  const region =
    markedBy === 'transparent'
      ? await oriented.extractChannel('alpha').raw().toBuffer({ resolveWithObject: true })
      : await oriented.flatten({ background: '#000000' }).greyscale().extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  let scaled = sharp(region.data, { raw: { width: region.info.width, height: region.info.height, channels: 1 } });
  if (markedBy === 'transparent') scaled = scaled.negate();
  // extractChannel again: sharp reads one-channel raw input as sRGB and would hand back three channels.
  const fitted = await scaled.resize(image.width, image.height, { fit: 'fill', kernel: 'lanczos3' }).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const coverage = shareAtLeastHalf(fitted.data);
  const png = await sharp(fitted.data, { raw: { width: fitted.info.width, height: fitted.info.height, channels: 1 } }).extractChannel(0).png().toBuffer();
  const context = { markedBy, mask: size, image };
  if (coverage === 0) throw new MaskRejectedError('empty', `The mask marks nothing to change. ${HOW_TO}`, { context });
  if (coverage === 1) {
    throw new MaskRejectedError('full', 'The mask covers the whole image: leave some of it unmarked, or use /imagine for a new picture.', { context });
  }
  return { png, markedBy, coverage };
}

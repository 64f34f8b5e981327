import { loadSharp } from './sharp-module.ts';
import { formatSize } from './format-size.ts';
import { ImageTooLargeError } from './image-errors.ts';
import { detectImageFormat } from './image-format.ts';
import type { FittedAv } from './fit-video.ts';

type Encoding = { format: 'gif'; colours: number } | { format: 'webp'; quality: number };

/** At full size: fewer colours (GIF) or lower quality (WebP) first, as the issue orders it. */
const GIF_COLOURS = [128, 64, 32];
const WEBP_QUALITIES = [75, 55, 40];
/** Once scaled down, the middle setting per size. */
const SCALED_GIF_COLOURS = 64;
const SCALED_WEBP_QUALITY = 55;
const MAX_SCALE_STEPS = 5;
const MIN_SHORT_SIDE = 64;
const SCALE_SAFETY = 0.9;

function encodingsAt(target: 'gif' | 'webp', scaled: boolean): Encoding[] {
  if (target === 'gif') return (scaled ? [SCALED_GIF_COLOURS] : GIF_COLOURS).map((colours) => ({ format: 'gif' as const, colours }));
  return (scaled ? [SCALED_WEBP_QUALITY] : WEBP_QUALITIES).map((quality) => ({ format: 'webp' as const, quality }));
}

async function encode(data: Buffer, width: number | null, encoding: Encoding): Promise<Buffer> {
  const sharp = await loadSharp();
  let pipeline = sharp(data, { animated: true, limitInputPixels: false });
  // Resizing an animation resizes each frame; the frame height follows the width.
  if (width !== null) pipeline = pipeline.resize({ width });
  if (encoding.format === 'gif') return pipeline.gif({ colours: encoding.colours, effort: 7 }).toBuffer();
  return pipeline.webp({ quality: encoding.quality, effort: 4 }).toBuffer();
}

/**
 * An animated image over `limitBytes` re-encoded with sharp, still animated: a GIF
 * stays a GIF (Discord animates it in the embed) with fewer colours; an animated WebP
 * or PNG becomes an animated WebP (sharp writes no APNG) at lower quality; then every
 * frame smaller. Throws ImageTooLargeError when even the smallest try is over.
 */
export async function fitAnimationToLimit(data: Buffer, limitBytes: number): Promise<FittedAv> {
  const sharp = await loadSharp();
  const target = detectImageFormat(data) === 'gif' ? 'gif' : 'webp';
  const meta = await sharp(data, { animated: true, limitInputPixels: false }).metadata();
  const fullWidth = meta.width;
  const frameHeight = meta.pageHeight ?? meta.height;
  let scale = 1;
  let smallest = Number.POSITIVE_INFINITY;
  for (let step = 0; step < MAX_SCALE_STEPS; step += 1) {
    const width = Math.max(1, Math.round(fullWidth * scale));
    if (step > 0 && Math.min(width, Math.round(frameHeight * scale)) < MIN_SHORT_SIDE) break;
    let smallestHere = Number.POSITIVE_INFINITY;
    for (const encoding of encodingsAt(target, step > 0)) {
      const out = await encode(data, step === 0 ? null : width, encoding);
      if (out.length <= limitBytes) return { data: out, extension: target, mime: `image/${target}` };
      smallestHere = Math.min(smallestHere, out.length);
    }
    smallest = Math.min(smallest, smallestHere);
    // Bytes follow pixels: aim the next size at the limit, but always at least a step down.
    scale *= Math.min(0.85, Math.max(0.4, Math.sqrt(limitBytes / smallestHere) * SCALE_SAFETY));
  }
  throw new ImageTooLargeError(`The animation is ${formatSize(data.length)} and could not be re-encoded under the ${formatSize(limitBytes)} upload limit here.`, {
    bytes: data.length,
    limitBytes,
    smallestBytes: smallest,
  });
}

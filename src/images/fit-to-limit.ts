import { loadSharp } from './sharp-module.ts';
import { formatSize } from './format-size.ts';
import { ImageRejectedError, ImageTooLargeError } from './image-errors.ts';
import { detectImageFormat, MIME_BY_FORMAT, withFormatExtension, type ImageFormat } from './image-format.ts';

/** Discord's per-file upload limit when the interaction carries no `attachment_size_limit`. */
export const DEFAULT_UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024;

const WEBP_QUALITIES = [90, 80, 70, 60];
const JPEG_QUALITIES = [85, 75];
/** Once scaled down, one WebP and one JPEG try per size: quality matters less than pixels now. */
const SCALED_WEBP_QUALITY = 80;
const SCALED_JPEG_QUALITY = 80;
/** WebP cannot encode a side longer than this. */
const WEBP_MAX_SIDE = 16_383;
/** An attempt this far over the limit skips the remaining qualities at that size: they will not close the gap. */
const HOPELESS_RATIO = 3;
const MAX_SCALE_STEPS = 8;
const DEFAULT_MIN_SIDE = 64;
/** Bytes scale roughly with pixels; aim a little under so the next size usually fits. */
const SCALE_SAFETY = 0.95;

export interface FitOptions {
  filename: string;
  /** Give up rather than shrink the shorter side below this. Default 64. */
  minSide?: number;
}

export interface FittedImage {
  data: Buffer;
  filename: string;
  mime: string;
  format: ImageFormat;
  /** false when `data` is the input, byte for byte. */
  reencoded: boolean;
  width: number;
  height: number;
}

interface RawImage {
  pixels: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

type Encoding = { format: 'webp' | 'jpeg'; quality: number };

function encodingsFor(width: number, height: number, scaled: boolean): Encoding[] {
  const webpFits = Math.max(width, height) <= WEBP_MAX_SIDE;
  const webp = (scaled ? [SCALED_WEBP_QUALITY] : WEBP_QUALITIES).map((quality) => ({ format: 'webp' as const, quality }));
  const jpeg = (scaled ? [SCALED_JPEG_QUALITY] : JPEG_QUALITIES).map((quality) => ({ format: 'jpeg' as const, quality }));
  return webpFits ? [...webp, ...jpeg] : jpeg;
}

async function encode(raw: RawImage, width: number, height: number, encoding: Encoding): Promise<Buffer> {
  const sharp = await loadSharp();
  let pipeline = sharp(raw.pixels, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
  if (width !== raw.width || height !== raw.height) pipeline = pipeline.resize(width, height, { fit: 'fill' });
  if (encoding.format === 'webp') return pipeline.webp({ quality: encoding.quality }).toBuffer();
  // JPEG has no alpha: transparent areas become white rather than whatever colour hid under them.
  return pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: encoding.quality }).toBuffer();
}

async function decodeOnce(image: Buffer): Promise<RawImage> {
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(image, { limitInputPixels: false }).raw().toBuffer({ resolveWithObject: true });
    return { pixels: data, width: info.width, height: info.height, channels: info.channels };
  } catch (cause) {
    throw new ImageRejectedError('undecodable', 'The generated image could not be read.', { cause });
  }
}

/**
 * An image ready to upload under `limitBytes`: the input itself when it fits (PNG stays
 * lossless), else WebP at falling quality, then JPEG, then smaller sizes. Never returns
 * more than `limitBytes`; throws ImageTooLargeError when even the smallest try is over.
 * The input is trusted (our own or ComfyUI's output), so no pixel limit is applied.
 */
export async function fitImageToLimit(image: Buffer, limitBytes: number, options: FitOptions): Promise<FittedImage> {
  const sharp = await loadSharp();
  const sourceFormat = detectImageFormat(image);
  if (sourceFormat === undefined) throw new ImageRejectedError('not-image', 'The generated file is not an image.');

  if (image.length <= limitBytes) {
    const { width, height } = await sharp(image, { limitInputPixels: false }).metadata();
    return {
      data: image,
      filename: withFormatExtension(options.filename, sourceFormat),
      mime: MIME_BY_FORMAT[sourceFormat],
      format: sourceFormat,
      reencoded: false,
      width,
      height,
    };
  }

  const raw = await decodeOnce(image);
  const minSide = options.minSide ?? DEFAULT_MIN_SIDE;
  let scale = 1;
  let smallest = Number.POSITIVE_INFINITY;
  for (let step = 0; step < MAX_SCALE_STEPS; step += 1) {
    const width = Math.max(1, Math.round(raw.width * scale));
    const height = Math.max(1, Math.round(raw.height * scale));
    if (step > 0 && Math.min(width, height) < minSide) break;

    let smallestHere = Number.POSITIVE_INFINITY;
    for (const encoding of encodingsFor(width, height, step > 0)) {
      const data = await encode(raw, width, height, encoding);
      if (data.length <= limitBytes) {
        return {
          data,
          filename: withFormatExtension(options.filename, encoding.format),
          mime: MIME_BY_FORMAT[encoding.format],
          format: encoding.format,
          reencoded: true,
          width,
          height,
        };
      }
      smallestHere = Math.min(smallestHere, data.length);
      if (data.length > limitBytes * HOPELESS_RATIO) break;
    }
    smallest = Math.min(smallest, smallestHere);
    scale *= Math.min(0.9, Math.max(0.5, Math.sqrt(limitBytes / smallestHere) * SCALE_SAFETY));
  }

  throw new ImageTooLargeError(`The image could not be made smaller than the ${formatSize(limitBytes)} upload limit.`, {
    limitBytes,
    smallestBytes: smallest,
    width: raw.width,
    height: raw.height,
  });
}

import { open } from 'node:fs/promises';
import type { Metadata, Sharp } from 'sharp';
import { loadSharp, type SharpFactory } from './sharp-module.ts';
import { ImageRejectedError } from './image-errors.ts';
import { detectImageFormat, looksLikeSvg, SNIFF_BYTES, type ImageFormat } from './image-format.ts';

/** 40 megapixels: a 48 MP phone photo is refused, anything a person sensibly sends is not. */
export const DEFAULT_MAX_INPUT_PIXELS = 40_000_000;

/**
 * Formats we decode from people. SVG is missing on purpose (sharp would render it);
 * HEIC is missing because sharp's prebuilt libvips has no HEVC decoder.
 */
export const ACCEPTED_INPUT_FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'webp', 'gif', 'avif', 'tiff'];

/** Decoder names sharp reports in `metadata().format` for each sniffed format. */
const SHARP_FORMAT: Readonly<Record<ImageFormat, Metadata['format']>> = {
  png: 'png',
  jpeg: 'jpeg',
  webp: 'webp',
  gif: 'gif',
  avif: 'heif',
  heif: 'heif',
  tiff: 'tiff',
};

/**
 * 'error' rather than sharp's default 'warning': truncated or corrupt pixel data is
 * refused, while benign decoder warnings that many real phone JPEGs and PNGs carry
 * (extraneous bytes, an "incorrect" sRGB profile) do not turn away a usable image.
 */
const FAIL_ON = 'error' as const;

export interface NormaliseOptions {
  /** The template's largest side; larger images are scaled down to fit, smaller ones are left alone. */
  maxSide: number;
  /** Refuse images with more pixels than this, judged from the header before decoding. */
  maxPixels?: number;
}

export interface NormalisedImage {
  png: Buffer;
  width: number;
  height: number;
  /** Size as displayed, i.e. after EXIF orientation, before scaling. */
  originalWidth: number;
  originalHeight: number;
  sourceFormat: ImageFormat;
}

const SUPPORTED_LIST = 'PNG, JPEG, WebP, GIF, AVIF or TIFF';

function megapixels(pixels: number): string {
  return `${Math.round((pixels / 1_000_000) * 10) / 10}`;
}

function sniff(data: Buffer): ImageFormat {
  const format = detectImageFormat(data);
  if (format === undefined) {
    if (looksLikeSvg(data)) {
      throw new ImageRejectedError('unsupported-format', `SVG images are not supported; send a ${SUPPORTED_LIST} image.`, { context: { format: 'svg' } });
    }
    throw new ImageRejectedError('not-image', `That file is not an image (or not one we can read: ${SUPPORTED_LIST}).`, {
      context: { bytes: data.length },
    });
  }
  if (!ACCEPTED_INPUT_FORMATS.includes(format)) {
    throw new ImageRejectedError('unsupported-format', `${format.toUpperCase()} images are not supported; send a ${SUPPORTED_LIST} image.`, {
      context: { format },
    });
  }
  return format;
}

/** Header only: the pixel limit is lifted here because nothing is decoded yet and we check it ourselves. */
async function readHeader(data: Buffer | string, format: ImageFormat): Promise<Metadata> {
  const sharp = await loadSharp();
  let metadata: Metadata;
  try {
    metadata = await sharp(data, { limitInputPixels: false, failOn: FAIL_ON }).metadata();
  } catch (cause) {
    throw new ImageRejectedError('undecodable', 'That image is damaged or incomplete and could not be read.', { context: { format }, cause });
  }
  // The decoder sharp picked must be the one we sniffed, so a polyglot cannot reach another decoder.
  if (metadata.format !== SHARP_FORMAT[format]) {
    throw new ImageRejectedError('unsupported-format', `That image format is not supported; send a ${SUPPORTED_LIST} image.`, {
      context: { sniffed: format, decoder: metadata.format },
    });
  }
  if (metadata.format === 'heif' && metadata.compression !== 'av1') {
    throw new ImageRejectedError('unsupported-format', `HEIC photos are not supported; send a ${SUPPORTED_LIST} image.`, {
      context: { compression: metadata.compression },
    });
  }
  return metadata;
}

/** The sniffed format and header of an acceptable input, or the reason it is refused; nothing decoded yet. */
async function checkInput(input: Buffer | string, head: Buffer, maxPixels: number): Promise<{ sourceFormat: ImageFormat; metadata: Metadata }> {
  const sourceFormat = sniff(head);
  const metadata = await readHeader(input, sourceFormat);
  const { width, height } = metadata;
  if (width * height > maxPixels) {
    throw new ImageRejectedError(
      'too-many-pixels',
      `The image is ${width}×${height}; the limit is ${megapixels(maxPixels)} megapixel${megapixels(maxPixels) === '1' ? '' : 's'}.`,
      { context: { width, height, maxPixels } },
    );
  }
  return { sourceFormat, metadata };
}

/**
 * Upright (EXIF orientation applied), no larger than `maxSide`, 8-bit sRGB PNG with its
 * alpha kept. limitInputPixels again: a second guard in case a decoder reads dimensions
 * the header call did not. pages: 1 takes the first frame of an animated GIF/WebP or
 * the first page of a TIFF. Sequential reading lets libvips stream a file a few lines at
 * a time instead of holding the decoded image (it only buffers when a rotation needs it).
 */
function pngPipeline(sharp: SharpFactory, input: Buffer | string, maxPixels: number, maxSide: number): Sharp {
  return sharp(input, { limitInputPixels: maxPixels, failOn: FAIL_ON, pages: 1, sequentialRead: true })
    .rotate()
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .png();
}

/** libvips says a full disk in words; the app knows it by its errno code (src/disk-full.ts). */
const NO_SPACE = /No space left on device|Disk quota exceeded/u;

/** The refusal (or disk-full error) for a failed decode or encode. */
function decodeFailure(cause: unknown, sourceFormat: ImageFormat, metadata: Metadata, maxPixels: number): Error {
  const { width, height } = metadata;
  if (cause instanceof Error && NO_SPACE.test(cause.message)) {
    return Object.assign(new Error(cause.message, { cause }), { code: cause.message.includes('quota') ? 'EDQUOT' : 'ENOSPC' });
  }
  if (cause instanceof Error && cause.message.includes('pixel limit')) {
    return new ImageRejectedError('too-many-pixels', `The image has more than ${megapixels(maxPixels)} megapixels, the limit.`, {
      context: { width, height, maxPixels },
      cause,
    });
  }
  return new ImageRejectedError('undecodable', 'That image is damaged or incomplete and could not be read.', {
    context: { format: sourceFormat, width, height },
    cause,
  });
}

/**
 * Turn an image a person sent into what a ComfyUI LoadImage node should get (see
 * pngPipeline). Decompression bombs are refused from the header, before decoding.
 */
export async function normaliseInputImage(data: Buffer, options: NormaliseOptions): Promise<NormalisedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const { sourceFormat, metadata } = await checkInput(data, data, maxPixels);
  try {
    const { data: png, info } = await pngPipeline(await loadSharp(), data, maxPixels, options.maxSide).toBuffer({ resolveWithObject: true });
    return { png, ...sizes(info, metadata), sourceFormat };
  } catch (cause) {
    throw decodeFailure(cause, sourceFormat, metadata, maxPixels);
  }
}

export interface NormalisedFile extends Omit<NormalisedImage, 'png'> {
  /** Size of the PNG written. */
  bytes: number;
}

/**
 * The same as normaliseInputImage from a file to a file: neither the upload nor its
 * decoded pixels are held in memory (the flood bench, bench/flood.ts, measures why).
 * A full disk comes back as an ENOSPC error, not as a refusal of the image.
 */
export async function normaliseInputFile(source: string, target: string, options: NormaliseOptions): Promise<NormalisedFile> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const { sourceFormat, metadata } = await checkInput(source, await readHead(source), maxPixels);
  try {
    const info = await pngPipeline(await loadSharp(), source, maxPixels, options.maxSide).toFile(target);
    return { bytes: info.size, ...sizes(info, metadata), sourceFormat };
  } catch (cause) {
    throw decodeFailure(cause, sourceFormat, metadata, maxPixels);
  }
}

async function readHead(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await file.read(head, 0, SNIFF_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function sizes(info: { width: number; height: number }, metadata: Metadata): Pick<NormalisedImage, 'width' | 'height' | 'originalWidth' | 'originalHeight'> {
  return { width: info.width, height: info.height, originalWidth: metadata.autoOrient.width, originalHeight: metadata.autoOrient.height };
}

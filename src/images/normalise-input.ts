import sharp, { type Metadata } from 'sharp';
import { ImageRejectedError } from './image-errors.ts';
import { detectImageFormat, looksLikeSvg, type ImageFormat } from './image-format.ts';

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
async function readHeader(data: Buffer, format: ImageFormat): Promise<Metadata> {
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

/**
 * Turn an image a person sent into what a ComfyUI LoadImage node should get: upright
 * (EXIF orientation applied), no larger than the template needs, 8-bit sRGB PNG with
 * its alpha kept. Decompression bombs are refused from the header, before decoding.
 */
export async function normaliseInputImage(data: Buffer, options: NormaliseOptions): Promise<NormalisedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const sourceFormat = sniff(data);
  const metadata = await readHeader(data, sourceFormat);

  const { width, height } = metadata;
  if (width * height > maxPixels) {
    throw new ImageRejectedError(
      'too-many-pixels',
      `The image is ${width}×${height}; the limit is ${megapixels(maxPixels)} megapixel${megapixels(maxPixels) === '1' ? '' : 's'}.`,
      { context: { width, height, maxPixels } },
    );
  }

  try {
    // limitInputPixels again: a second guard in case a decoder reads dimensions the header call did not.
    // pages: 1 takes the first frame of an animated GIF/WebP or the first page of a TIFF.
    const { data: png, info } = await sharp(data, { limitInputPixels: maxPixels, failOn: FAIL_ON, pages: 1 })
      .rotate()
      .resize({ width: options.maxSide, height: options.maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .png()
      .toBuffer({ resolveWithObject: true });
    return {
      png,
      width: info.width,
      height: info.height,
      originalWidth: metadata.autoOrient.width,
      originalHeight: metadata.autoOrient.height,
      sourceFormat,
    };
  } catch (cause) {
    if (cause instanceof Error && cause.message.includes('pixel limit')) {
      throw new ImageRejectedError('too-many-pixels', `The image has more than ${megapixels(maxPixels)} megapixels, the limit.`, {
        context: { width, height, maxPixels },
        cause,
      });
    }
    throw new ImageRejectedError('undecodable', 'That image is damaged or incomplete and could not be read.', {
      context: { format: sourceFormat, width, height },
      cause,
    });
  }
}

import sharp from 'sharp';
import { ImageRejectedError } from './image-errors.ts';
import { detectImageFormat } from './image-format.ts';

/** The name the progress embed refers to (`attachment://preview.jpg`). */
export const PREVIEW_FILENAME = 'preview.jpg';

export interface PreviewOptions {
  /** Longest side. Default 512, what ComfyUI sends anyway. */
  maxSide?: number;
  /** JPEGs at most this big and this small in pixels are passed through untouched. Default 200 kB. */
  passThroughBytes?: number;
  quality?: number;
}

export interface PreviewImage {
  data: Buffer;
  filename: typeof PREVIEW_FILENAME;
  mime: 'image/jpeg';
}

/** A preview frame never needs more than this; anything bigger is not a ComfyUI preview. */
const PREVIEW_PIXEL_LIMIT = 4_000_000;

/**
 * A live-preview frame as a small JPEG. ComfyUI's frames are usually ≤ 512 px JPEGs
 * already, so those are passed through without decoding; PNG frames (or oversized
 * ones) are re-encoded.
 */
export async function compactPreview(frame: Buffer, options: PreviewOptions = {}): Promise<PreviewImage> {
  const maxSide = options.maxSide ?? 512;
  const format = detectImageFormat(frame);
  if (format === undefined) throw new ImageRejectedError('not-image', 'The preview frame is not an image.');
  try {
    if (format === 'jpeg' && frame.length <= (options.passThroughBytes ?? 200_000)) {
      const { width, height } = await sharp(frame, { limitInputPixels: PREVIEW_PIXEL_LIMIT }).metadata();
      if (Math.max(width, height) <= maxSide) return { data: frame, filename: PREVIEW_FILENAME, mime: 'image/jpeg' };
    }
    const data = await sharp(frame, { limitInputPixels: PREVIEW_PIXEL_LIMIT })
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#000000' })
      .jpeg({ quality: options.quality ?? 80 })
      .toBuffer();
    return { data, filename: PREVIEW_FILENAME, mime: 'image/jpeg' };
  } catch (cause) {
    throw new ImageRejectedError('undecodable', 'The preview frame could not be read.', { context: { format }, cause });
  }
}

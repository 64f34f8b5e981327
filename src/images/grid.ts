import { loadSharp } from './sharp-module.ts';
import { ImageRejectedError } from './image-errors.ts';

export type GridFormat = 'png' | 'jpeg';

export interface GridOptions {
  /** Longest side of the whole sheet. Default 1024: it is a preview of the batch, whose images go as files of their own. */
  maxSide?: number;
  /** Pixels between cells. Default 8. */
  gap?: number;
  /**
   * 'auto' (default): PNG with transparent gaps while the sheet has at most
   * `pngMaxPixels` pixels (cheap and lossless there), else JPEG, which at 1024² is a
   * few hundred kB where a PNG of photo-like content is several MB and slow to encode.
   */
  format?: GridFormat | 'auto';
  /** Pixels up to which 'auto' picks PNG. Default 512 × 512. */
  pngMaxPixels?: number;
  /** JPEG quality, 1-100. Default 85. */
  quality?: number;
}

export interface Grid {
  data: Buffer;
  format: GridFormat;
  width: number;
  height: number;
  columns: number;
  rows: number;
  cellWidth: number;
  cellHeight: number;
}

const DEFAULT_MAX_SIDE = 1024;
const DEFAULT_GAP = 8;
const DEFAULT_PNG_MAX_PIXELS = 512 * 512;
const DEFAULT_JPEG_QUALITY = 85;
const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };
/** JPEG has no alpha: gaps and letterboxes become a dark neutral grey, quiet in Discord's light and dark themes. */
export const GRID_JPEG_BACKGROUND = { r: 48, g: 48, b: 48 };

/**
 * Columns × rows for `count` cells: two landscape images stack, two portrait or square
 * ones sit side by side; three or four make 2×2; more make the squarest grid.
 */
export function gridLayout(count: number, cellWidth: number, cellHeight: number): { columns: number; rows: number } {
  if (count <= 1) return { columns: 1, rows: 1 };
  if (count === 2) return cellWidth > cellHeight ? { columns: 1, rows: 2 } : { columns: 2, rows: 1 };
  const columns = count <= 4 ? 2 : Math.ceil(Math.sqrt(count));
  return { columns, rows: Math.ceil(count / columns) };
}

/**
 * A contact sheet of a batch, in order left to right, top to bottom. Every cell has the
 * size of the largest image (scaled down as a whole to fit `maxSide`); an image of a
 * different shape is centred in its cell rather than cropped, on transparency (PNG) or
 * on a neutral grey (JPEG).
 */
export async function makeGrid(images: readonly Buffer[], options: GridOptions = {}): Promise<Grid> {
  const sharp = await loadSharp();
  if (images.length === 0) throw new RangeError('makeGrid needs at least one image');
  const maxSide = options.maxSide ?? DEFAULT_MAX_SIDE;
  const gap = options.gap ?? DEFAULT_GAP;

  const sizes = await Promise.all(
    images.map(async (image, index) => {
      try {
        const { width, height } = await sharp(image).metadata();
        return { width, height };
      } catch (cause) {
        throw new ImageRejectedError('undecodable', 'One of the generated images could not be read.', { context: { index }, cause });
      }
    }),
  );
  const naturalWidth = Math.max(...sizes.map((size) => size.width));
  const naturalHeight = Math.max(...sizes.map((size) => size.height));
  const { columns, rows } = gridLayout(images.length, naturalWidth, naturalHeight);

  const scale = Math.min(
    1,
    (maxSide - (columns - 1) * gap) / (columns * naturalWidth),
    (maxSide - (rows - 1) * gap) / (rows * naturalHeight),
  );
  const cellWidth = Math.max(1, Math.floor(naturalWidth * scale));
  const cellHeight = Math.max(1, Math.floor(naturalHeight * scale));
  const width = columns * cellWidth + (columns - 1) * gap;
  const height = rows * cellHeight + (rows - 1) * gap;
  const requested = options.format ?? 'auto';
  const format: GridFormat = requested !== 'auto' ? requested : width * height <= (options.pngMaxPixels ?? DEFAULT_PNG_MAX_PIXELS) ? 'png' : 'jpeg';

  // Cells go to the compositor as raw pixels: encoding each to PNG only to decode it again cost more than the sheet.
  const cells = await Promise.all(
    images.map(async (image, index) => {
      const { data, info } = await sharp(image)
        .resize(cellWidth, cellHeight, { fit: 'contain', background: TRANSPARENT })
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return {
        input: data,
        raw: { width: info.width, height: info.height, channels: info.channels },
        left: (index % columns) * (cellWidth + gap),
        top: Math.floor(index / columns) * (cellHeight + gap),
      };
    }),
  );

  const sheet = sharp({ create: { width, height, channels: 4, background: format === 'png' ? TRANSPARENT : { ...GRID_JPEG_BACKGROUND, alpha: 1 } } }).composite(cells);
  const data =
    format === 'png'
      ? await sheet.png().toBuffer()
      : await sheet.flatten({ background: GRID_JPEG_BACKGROUND }).jpeg({ quality: options.quality ?? DEFAULT_JPEG_QUALITY }).toBuffer();
  return { data, format, width, height, columns, rows, cellWidth, cellHeight };
}

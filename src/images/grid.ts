import sharp from 'sharp';
import { ImageRejectedError } from './image-errors.ts';

export interface GridOptions {
  /** Longest side of the whole sheet. Default 2048. */
  maxSide?: number;
  /** Pixels between cells. Default 8. */
  gap?: number;
}

export interface Grid {
  png: Buffer;
  width: number;
  height: number;
  columns: number;
  rows: number;
  cellWidth: number;
  cellHeight: number;
}

const DEFAULT_MAX_SIDE = 2048;
const DEFAULT_GAP = 8;
const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };

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
 * different shape is centred in its cell on transparency rather than cropped.
 */
export async function makeGrid(images: readonly Buffer[], options: GridOptions = {}): Promise<Grid> {
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

  const cells = await Promise.all(
    images.map(async (image, index) => ({
      input: await sharp(image).resize(cellWidth, cellHeight, { fit: 'contain', background: TRANSPARENT }).png().toBuffer(),
      left: (index % columns) * (cellWidth + gap),
      top: Math.floor(index / columns) * (cellHeight + gap),
    })),
  );

  const png = await sharp({ create: { width, height, channels: 4, background: TRANSPARENT } })
    .composite(cells)
    .png()
    .toBuffer();
  return { png, width, height, columns, rows, cellWidth, cellHeight };
}

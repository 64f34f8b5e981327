import { loadSharp } from './sharp-module.ts';

/** An image's pixel size, as the outpaint arithmetic needs it. */
export async function imageSize(data: Buffer): Promise<{ width: number; height: number }> {
  const sharp = await loadSharp();
  const { width, height } = await sharp(data).metadata();
  return { width, height };
}

/**
 * The image shrunk to exactly `width`×`height` (a capped Zoom Out: the padded frame
 * must stay within the template's largest side), as PNG so nothing more is lost.
 */
export async function shrinkTo(data: Buffer, width: number, height: number): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(data).resize(width, height, { fit: 'fill', kernel: 'lanczos3' }).png().toBuffer();
}

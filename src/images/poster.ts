import { loadSharp } from './sharp-module.ts';

/**
 * The first frame of an animated image as a PNG, for an embed that cannot show the
 * animation itself (Discord animates a GIF in an embed, not an animated WebP or PNG).
 * Also turns a still (a live preview frame) into one. At most `maxSide` pixels on a
 * side: a poster only has to be recognisable.
 */
export async function firstFramePoster(data: Buffer, maxSide = 1024): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(data, { pages: 1 }).resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true }).png().toBuffer();
}


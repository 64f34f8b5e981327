import { loadSharp } from './sharp-module.ts';
import { ImageRejectedError } from './image-errors.ts';
import { detectImageFormat } from './image-format.ts';

/**
 * Decodes an image to its last pixel and throws unless that works: a PNG cut short
 * (a proxy or a dying server that ended the body early, with a Content-Length that
 * matched) or with damaged data must not be delivered as a file no viewer opens.
 * `stats()` makes libvips read every pixel without keeping the decoded image.
 */
export async function assertWholeImage(data: Buffer, label: string): Promise<void> {
  const sharp = await loadSharp();
  const format = detectImageFormat(data);
  if (format === undefined) {
    throw new ImageRejectedError('not-image', `ComfyUI sent something that is not an image for ${label}.`, { context: { bytes: data.length } });
  }
  try {
    await sharp(data, { failOn: 'truncated' }).stats();
  } catch (error) {
    throw new ImageRejectedError('incomplete', `ComfyUI sent an incomplete or damaged ${format.toUpperCase()} for ${label} (${data.length} bytes).`, {
      context: { bytes: data.length, format },
      cause: error,
    });
  }
}

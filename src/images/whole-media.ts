import { loadSharp } from './sharp-module.ts';
import { detectImageFormat, MIME_BY_FORMAT } from './image-format.ts';
import { MediaRejectedError, type MediaKind } from './media-errors.ts';
import { checkContainer } from './media-container.ts';
import { assertWholeImage } from './whole-image.ts';

/**
 * Throws unless `data` is a whole file of the kind ComfyUI said: a still image is
 * decoded to its last pixel (whole-image.ts), an animation to the last pixel of its
 * last frame, and a video or a sound is checked by its container's structure
 * (media-container.ts): the cheap checks there are without a decoder.
 */
export async function assertWholeFile(file: { kind: MediaKind; mime: string }, data: Buffer, label: string): Promise<void> {
  switch (file.kind) {
    case 'image':
      return assertWholeImage(data, label);
    case 'animated':
      return assertWholeAnimation(data, label);
    case 'video':
    case 'audio': {
      const check = checkContainer(data, file.mime);
      if (check.ok) return;
      const what = file.kind === 'video' ? 'video' : 'sound';
      throw new MediaRejectedError(
        check.problem,
        check.problem === 'incomplete'
          ? `ComfyUI sent an incomplete ${what} for ${label} (${data.length} bytes).`
          : `ComfyUI sent something that is not a ${file.mime.split('/')[1] ?? what} ${what} for ${label}.`,
        { context: { bytes: data.length, mime: file.mime, detail: check.detail } },
      );
    }
  }
}

async function assertWholeAnimation(data: Buffer, label: string): Promise<void> {
  const sharp = await loadSharp();
  const format = detectImageFormat(data);
  if (format !== 'gif' && format !== 'webp' && format !== 'png') {
    throw new MediaRejectedError('not-media', `ComfyUI sent something that is not an animated image for ${label}.`, {
      context: { bytes: data.length, format: format ?? null },
    });
  }
  try {
    // `animated` stacks every frame into one tall image, so stats() reads them all.
    await sharp(data, { animated: true, failOn: 'truncated' }).stats();
  } catch (error) {
    throw new MediaRejectedError('incomplete', `ComfyUI sent an incomplete or damaged animated ${MIME_BY_FORMAT[format].split('/')[1]?.toUpperCase() ?? format} for ${label} (${data.length} bytes).`, {
      context: { bytes: data.length, format },
      cause: error,
    });
  }
}

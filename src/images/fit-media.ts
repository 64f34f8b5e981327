import { formatSize } from './format-size.ts';
import { ImageTooLargeError } from './image-errors.ts';
import type { MediaKind } from './media-errors.ts';

/** An animation, video or sound as it goes to Discord: maybe re-encoded, with the extension its bytes now have. */
export interface FittedMedia {
  data: Buffer;
  extension: string;
  mime: string;
}

/**
 * Brings a non-still output file under `limitBytes`, or throws ImageTooLargeError
 * saying why. Still images are fitted by fit-to-limit.ts; this is the step for every
 * other kind, behind one signature so a re-encoder can take its place.
 */
export type FitMedia = (file: { kind: MediaKind; mime: string; extension: string; filename: string }, data: Buffer, limitBytes: number) => Promise<FittedMedia>;

const WHAT: Record<MediaKind, string> = { image: 'image', animated: 'animation', video: 'video', audio: 'sound' };

/** The file as it is when it fits; no re-encoding. */
export const keepMediaIfFits: FitMedia = (file, data, limitBytes) => {
  if (data.length <= limitBytes) return Promise.resolve({ data, extension: file.extension, mime: file.mime });
  return Promise.reject(
    new ImageTooLargeError(`The ${WHAT[file.kind]} is ${formatSize(data.length)}, over the ${formatSize(limitBytes)} upload limit here.`, {
      bytes: data.length,
      limitBytes,
      mime: file.mime,
    }),
  );
};

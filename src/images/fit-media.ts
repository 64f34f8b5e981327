import { fitAnimationToLimit } from './fit-animation.ts';
import { fitAudioToLimit, fitVideoToLimit } from './fit-video.ts';
import { formatSize } from './format-size.ts';
import { ImageTooLargeError } from './image-errors.ts';
import type { MediaKind } from './media-errors.ts';
import { TRANSCODES, type TranscodeGate } from './transcode-gate.ts';

/** An animation, video or sound as it goes to Discord: maybe re-encoded, with the extension its bytes now have. */
export interface FittedMedia {
  data: Buffer;
  extension: string;
  mime: string;
}

/**
 * Brings a non-still output file under `limitBytes`, or throws (ImageTooLargeError when
 * nothing tried fits, MediaToolError when the re-encoder failed or ran out of time)
 * saying why. Still images are fitted by fit-to-limit.ts; this is the step for every
 * other kind, behind one signature so a re-encoder can take its place.
 */
export type FitMedia = (
  file: { kind: MediaKind; mime: string; extension: string; filename: string },
  data: Buffer,
  limitBytes: number,
  options?: { signal?: AbortSignal },
) => Promise<FittedMedia>;

const WHAT: Record<MediaKind, string> = { image: 'image', animated: 'animation', video: 'video', audio: 'sound' };

/** The file as it is when it fits; no re-encoding. */
const keepMediaIfFits: FitMedia = (file, data, limitBytes) => {
  if (data.length <= limitBytes) return Promise.resolve({ data, extension: file.extension, mime: file.mime });
  return Promise.reject(
    new ImageTooLargeError(`The ${WHAT[file.kind]} is ${formatSize(data.length)}, over the ${formatSize(limitBytes)} upload limit here.`, {
      bytes: data.length,
      limitBytes,
      mime: file.mime,
    }),
  );
};

/** What names the re-encoder of each kind in a refusal ("The re-encoder (ffmpeg) is busy…"). */
const TOOL: Record<Exclude<MediaKind, 'image'>, string> = { animated: 'sharp', video: 'ffmpeg', audio: 'ffmpeg' };

/**
 * The file as it is when it fits, else re-encoded through `gate`, one at a time: an
 * animation with sharp (fit-animation.ts), a video or a sound with the packaged ffmpeg
 * (fit-video.ts). A full line, a wait too long or a run past its deadline is a
 * MediaToolError, so the output is noted as not attached and /show can post it later.
 */
export function fitMediaThrough(gate: TranscodeGate): FitMedia {
  return async (file, data, limitBytes, options = {}) => {
    if (data.length <= limitBytes) return { data, extension: file.extension, mime: file.mime };
    const { kind } = file;
    if (kind === 'image') return keepMediaIfFits(file, data, limitBytes);
    return gate.run(TOOL[kind], (signal) => reencode(kind, file.extension, data, limitBytes, signal), options.signal);
  };
}

function reencode(kind: Exclude<MediaKind, 'image'>, extension: string, data: Buffer, limitBytes: number, signal: AbortSignal): Promise<FittedMedia> {
  switch (kind) {
    case 'animated':
      return fitAnimationToLimit(data, limitBytes);
    case 'video':
      return fitVideoToLimit(data, extension, limitBytes, { signal });
    case 'audio':
      return fitAudioToLimit(data, extension, limitBytes, { signal });
  }
}

/** fitMediaThrough the process's one gate (transcode-gate.ts TRANSCODES). */
export const fitMediaToLimit: FitMedia = fitMediaThrough(TRANSCODES);

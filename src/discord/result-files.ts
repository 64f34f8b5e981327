import type { ComfyServer } from '../comfy/server.ts';
import type { OutputFile } from '../jobs/run-events.ts';
import { DEFAULT_UPLOAD_LIMIT_BYTES, fitImageToLimit } from '../images/fit-to-limit.ts';
import { fitMediaToLimit, type FitMedia, type FittedMedia } from '../images/fit-media.ts';
import { formatSize } from '../images/format-size.ts';
import { ImageTooLargeError } from '../images/image-errors.ts';
import { MediaToolError } from '../images/media-errors.ts';
import { makeGrid } from '../images/grid.ts';
import { EXTENSION_BY_FORMAT } from '../images/image-format.ts';
import { ImageRejectedError } from '../images/image-errors.ts';
import { MediaRejectedError } from '../images/media-errors.ts';
import { firstFramePoster } from '../images/poster.ts';
import { TRANSCODES } from '../images/transcode-gate.ts';
import { firstVideoFrame } from '../images/video-frame.ts';
import { assertWholeFile } from '../images/whole-media.ts';
import type { Job } from '../jobs/job.ts';
import type { ViewFile } from './message-view.ts';
import type { JobViewState } from './progress-view.ts';

/** Fetches of one file whose bytes are not whole, before the result counts as broken. */
export const WHOLE_IMAGE_TRIES = 3;

/** Discord's cap on one request's body; files of one edit share it. */
export const MAX_REQUEST_BYTES = 25 * 1024 * 1024;

/** The first frame of a video, where something can decode one; null when it cannot. */
export type VideoFrameGrabber = (data: Buffer, file: OutputFile) => Promise<Buffer | null>;

export interface ResultFiles {
  files: ViewFile[];
  /** The file the embed shows: a still, the grid of a batch, a GIF, or a poster; '' for none (a sound). */
  shown: string;
  /** Outputs left out because nothing made them fit the upload limit, each said in words. */
  notes: string[];
  /** How the time went, for logs and the delivery benchmark. */
  timings: { fetchMs: number; encodeMs: number };
}

export interface ResultFileOptions {
  sizeLimit: number | null;
  spoiler: boolean;
  signal?: AbortSignal;
  /** Fits animations, videos and sounds to the limit; default: re-encoded when over it (fit-media.ts). */
  fitMedia?: FitMedia;
  /** A video's poster is the last live preview of the run, when the bot saw one… */
  lastPreview?: Buffer | null;
  /** …else the video's first frame from this; default: decoded by ffmpeg, one at a time (videoFirstFrame). */
  videoFrame?: VideoFrameGrabber;
}

/**
 * A finished job's files for its final message, every kind, in node order. Still
 * images are fetched, decoded whole and kept as PNG when they fit the upload limit the
 * interaction reported (else re-encoded to fit), plus a grid for a batch; the request
 * as a whole stays under Discord's 25 MiB: the grid (a small JPEG, see makeGrid) is
 * made first and the stills share what it and the other files leave. Animations,
 * videos and sounds are checked whole (whole-media.ts) and go through `fitMedia`. When
 * there is no still, the embed shows a GIF itself, or a poster: an animation's first
 * frame, a video's last live preview (else its first frame); a sound shows none.
 */
export async function buildResultFiles(job: Job, server: ComfyServer, options: ResultFileOptions): Promise<ResultFiles> {
  const started = Date.now();
  const sources = job.images.map((image) => image.source);
  const originals = await Promise.all(sources.map((source, index) => fetchWholeFile(server, source, `output ${index + 1}`, options.signal)));
  const fetched = Date.now();
  const fileLimit = options.sizeLimit ?? DEFAULT_UPLOAD_LIMIT_BYTES;
  const requestBudget = Math.floor(MAX_REQUEST_BYTES * 0.95);
  const prefix = options.spoiler ? 'SPOILER_' : '';
  const fitMedia = options.fitMedia ?? fitMediaToLimit;
  const stills = sources.flatMap((source, index) => (source.kind === 'image' ? [index] : []));

  const media = new Map<number, ViewFile>();
  const notes: string[] = [];
  const leftOut = new Set<number>();
  for (const [index, source] of sources.entries()) {
    if (source.kind === 'image') continue;
    const original = originals[index] ?? Buffer.alloc(0);
    let fitted: FittedMedia;
    try {
      fitted = await fitMedia(source, original, fileLimit, options.signal ? { signal: options.signal } : {});
    } catch (error) {
      if (!(error instanceof ImageTooLargeError || error instanceof MediaToolError) || options.signal?.aborted === true) throw error;
      // One output that cannot fit costs only itself: the rest is delivered, and the job stays done so /show can post it again.
      leftOut.add(index);
      notes.push(notFittedNote(job.id, index, source, original.length, fileLimit, error));
      continue;
    }
    const name = `${prefix}${job.id}-${index + 1}.${fitted.extension}`;
    media.set(index, { name, data: fitted.data, id: `output:${job.id}:${index}:${fitted.data.length}`, kind: 'output' });
  }
  const mediaBytes = [...media.values()].reduce((sum, file) => sum + file.data.length, 0);

  let grid: ViewFile | null = null;
  if (stills.length > 1) {
    const sheet = await makeGrid(stills.map((index) => originals[index] ?? Buffer.alloc(0)));
    // Never more than a still's equal share, so the stills always keep at least theirs.
    const share = Math.min(fileLimit, Math.floor((requestBudget - mediaBytes) / (stills.length + 1)));
    const fitted = await fitImageToLimit(sheet.data, share, { filename: `${prefix}${job.id}-grid.${EXTENSION_BY_FORMAT[sheet.format]}` });
    grid = { name: fitted.filename, data: fitted.data, id: `grid:${job.id}:${fitted.data.length}`, kind: 'output' };
  }
  const { shown: posterShown, poster } = stills.length === 0 ? await posterOf(job, sources, originals, media, prefix, options) : { shown: '', poster: null };

  const left = requestBudget - mediaBytes - (grid?.data.length ?? 0) - (poster?.data.length ?? 0);
  const perImage = Math.min(fileLimit, Math.floor(left / Math.max(1, stills.length)));
  const files: ViewFile[] = [];
  for (const [index, data] of originals.entries()) {
    if (leftOut.has(index)) continue;
    const ready = media.get(index);
    if (ready !== undefined) {
      files.push(ready);
      continue;
    }
    const fitted = await fitImageToLimit(data, perImage, { filename: `${prefix}${job.id}-${index + 1}.png` });
    files.push({ name: fitted.filename, data: fitted.data, id: `output:${job.id}:${index}:${fitted.data.length}`, kind: 'output' });
  }
  if (grid !== null) files.push(grid);
  if (poster !== null) files.push(poster);
  const shown = grid?.name ?? (stills.length > 0 ? (files[stills[0] ?? 0]?.name ?? '') : posterShown);
  return { files, shown, notes, timings: { fetchMs: fetched - started, encodeMs: Date.now() - fetched } };
}

const KIND_WORD: Record<OutputFile['kind'], string> = { image: 'image', animated: 'animation', video: 'video', audio: 'sound' };

/** Why an output is not attached, and where it still is. */
function notFittedNote(jobId: string, index: number, source: OutputFile, bytes: number, limitBytes: number, error: ImageTooLargeError | MediaToolError): string {
  const why = error instanceof MediaToolError ? ` ${error.userMessage}` : '';
  return (
    `Output ${index + 1} (${KIND_WORD[source.kind]}, ${formatSize(bytes)}) is not attached: it could not be made to fit the ${formatSize(limitBytes)} upload limit here.${why} ` +
    `The original stays with the job; \`/show job:${jobId}\` posts it again where the limit allows.`
  );
}

/**
 * What the embed shows when the result has no still: the first GIF as it is (Discord
 * animates it there), else a poster PNG of the first animation or video.
 */
async function posterOf(
  job: Job,
  sources: OutputFile[],
  originals: Buffer[],
  media: Map<number, ViewFile>,
  prefix: string,
  options: ResultFileOptions,
): Promise<{ shown: string; poster: ViewFile | null }> {
  const index = sources.findIndex((source) => source.kind === 'animated' || source.kind === 'video');
  const source = sources[index];
  const ready = media.get(index);
  if (source === undefined || ready === undefined) return { shown: '', poster: null };
  if (source.kind === 'animated' && ready.name.endsWith('.gif')) return { shown: ready.name, poster: null };
  const original = originals[index] ?? Buffer.alloc(0);
  const grab = options.videoFrame ?? videoFirstFrame(options.signal);
  const frame = source.kind === 'animated' ? original : (options.lastPreview ?? (await grab(original, source)));
  if (frame === null) return { shown: '', poster: null };
  try {
    const data = await firstFramePoster(frame);
    const poster: ViewFile = { name: `${prefix}${job.id}-poster.png`, data, id: `poster:${job.id}:${data.length}`, kind: 'output' };
    return { shown: poster.name, poster };
  } catch {
    // A frame that does not decode leaves the embed without a picture, not the job without its result.
    return { shown: '', poster: null };
  }
}

/** A poster is not worth holding a delivery up for: behind another job's fit, it waits this long at most. */
const POSTER_WAIT_MS = 5_000;

/**
 * A video's first frame through the process's re-encode gate (no second ffmpeg beside a
 * fit); null when it cannot be had (no packaged ffmpeg, busy, undecodable): no poster.
 */
function videoFirstFrame(signal: AbortSignal | undefined): VideoFrameGrabber {
  return (data, file) =>
    TRANSCODES.run('ffmpeg', (slot) => firstVideoFrame(data, file.extension, { signal: slot }), signal, { maxWaitMs: POSTER_WAIT_MS }).catch(() => null);
}

/**
 * One output, checked whole for its kind before anything is built from it; bytes cut
 * short or damaged on the way are fetched again, up to WHOLE_IMAGE_TRIES times.
 */
async function fetchWholeFile(server: ComfyServer, source: OutputFile, label: string, signal: AbortSignal | undefined): Promise<Buffer> {
  for (let attempt = 1; ; attempt += 1) {
    const data = await server.view(source, signal);
    try {
      await assertWholeFile(source, data, label);
      return data;
    } catch (error) {
      const broken = error instanceof ImageRejectedError || error instanceof MediaRejectedError;
      if (!broken || attempt >= WHOLE_IMAGE_TRIES) throw error;
    }
  }
}

/** A finished job's view state from its fetched files: which are stills (for Vary/Upscale) and its texts. */
export function doneState(job: Job, result: ResultFiles, elapsedMs: number): JobViewState {
  return {
    kind: 'done',
    imageCount: job.images.length,
    elapsedMs,
    files: result.files,
    imageAttachmentName: result.shown,
    stills: job.images.flatMap((image, index) => (image.source.kind === 'image' ? [index] : [])),
    texts: job.texts.map((text) => text.text),
    ...(result.notes.length > 0 ? { notes: result.notes } : {}),
  };
}

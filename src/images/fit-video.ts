import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { formatSize } from './format-size.ts';
import { ImageTooLargeError } from './image-errors.ts';
import { probeMedia, type MediaFacts } from './media-probe.ts';
import { runMediaTool } from './media-tool.ts';
import { inTempDir } from './temp-dir.ts';

/** A fitted video or sound: its bytes and what they now are. */
export interface FittedAv {
  data: Buffer;
  extension: string;
  mime: string;
}

export interface AvFitOptions {
  /** Each ffmpeg run is killed after this; default 90 s. */
  runTimeoutMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_RUN_TIMEOUT_MS = 90_000;
/** The work folder's name prefix (src/images/temp-dir.ts). */
const FIT_FOLDER = 'comfycord-fit-';
/** Container overhead and the encoder's overshoot come out of this share of the limit. */
const BUDGET_SHARE = 0.9;
const AUDIO_BITS_PER_SECOND = 64_000;
/** Below this a video is mush; smaller sizes are tried instead of a lower rate. */
const MIN_VIDEO_BITS_PER_SECOND = 100_000;
/** Bits per pixel per frame under which H.264 looks blocky: the picture is made smaller first. */
const MIN_BITS_PER_PIXEL = 0.04;
const ASSUMED_FPS = 24;
const MAX_VIDEO_TRIES = 4;
/** Each try after the first: this much less rate and this much less width and height. */
const RATE_STEP = 0.85;
const SIDE_STEP = 0.75;
const MIN_SHORT_SIDE = 144;
/** A fitted file must last as long as the original, within this share. */
const DURATION_TOLERANCE = 0.05;
/** MPEG-1/2 layer III rates from 24 to 192 kbit/s; LAME rounds any other rate, sometimes up, so one of these is picked. */
const MAX_AUDIO_TRIES = 3;
const MP3_RATES = [24_000, 32_000, 40_000, 48_000, 56_000, 64_000, 80_000, 96_000, 112_000, 128_000, 160_000, 192_000];

function even(value: number): number {
  return Math.max(2, Math.floor(value / 2) * 2);
}

/** The picture size for a rate: the source's, or smaller until each pixel gets enough bits. */
function startScale(facts: MediaFacts, videoRate: number): number {
  const pixelsPerSecond = facts.width * facts.height * ASSUMED_FPS;
  if (pixelsPerSecond <= 0) return 1;
  return Math.min(1, Math.sqrt(videoRate / (pixelsPerSecond * MIN_BITS_PER_PIXEL)));
}

function tooLarge(what: string, bytes: number, limitBytes: number, context: Record<string, unknown>): ImageTooLargeError {
  return new ImageTooLargeError(`The ${what} is ${formatSize(bytes)} and could not be re-encoded under the ${formatSize(limitBytes)} upload limit here.`, {
    bytes,
    limitBytes,
    ...context,
  });
}

/**
 * A video over `limitBytes` as an H.264/AAC MP4 under it: the video bit rate is what
 * the limit leaves per second of the source's duration, the picture made smaller where
 * that rate would be too thin for it; a try that comes out over the limit, or shorter
 * than the original (cut off), is followed by one at a lower rate and size. Throws
 * ImageTooLargeError when no try fits.
 */
export async function fitVideoToLimit(data: Buffer, extension: string, limitBytes: number, options: AvFitOptions = {}): Promise<FittedAv> {
  const runTimeoutMs = options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  return inTempDir(FIT_FOLDER, data, extension, async (dir, input) => {
    const facts = await probeMedia(input, options.signal);
    const audioRate = facts.hasAudio ? AUDIO_BITS_PER_SECOND : 0;
    const budgetRate = (limitBytes * 8 * BUDGET_SHARE) / facts.durationSeconds;
    let videoRate = Math.floor(budgetRate - audioRate);
    if (videoRate < MIN_VIDEO_BITS_PER_SECOND) throw tooLarge('video', data.length, limitBytes, { durationSeconds: facts.durationSeconds, reason: 'too long for the limit' });
    let scale = startScale(facts, videoRate);
    let smallest = Number.POSITIVE_INFINITY;
    const output = join(dir, 'out.mp4');
    for (let attempt = 0; attempt < MAX_VIDEO_TRIES; attempt += 1) {
      const width = even(facts.width * scale);
      const height = even(facts.height * scale);
      if (attempt > 0 && Math.min(width, height) < MIN_SHORT_SIDE) break;
      const args = [
        '-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-i', input,
        '-map', '0:v:0', ...(facts.hasAudio ? ['-map', '0:a:0'] : []),
        '-vf', `scale=${width}:${height}`,
        '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-threads', '2',
        '-b:v', String(videoRate), '-maxrate', String(videoRate), '-bufsize', String(videoRate),
        ...(facts.hasAudio ? ['-c:a', 'aac', '-b:a', String(audioRate)] : []),
        '-movflags', '+faststart',
        // The encoder's output is bounded too: a runaway try stops a little past the limit.
        '-fs', String(Math.ceil(limitBytes * 1.1)),
        output,
      ];
      await runMediaTool('ffmpeg', args, { timeoutMs: runTimeoutMs, maxStdoutBytes: 64 * 1024, ...(options.signal ? { signal: options.signal } : {}) });
      const size = (await stat(output)).size;
      smallest = Math.min(smallest, size);
      if (size <= limitBytes) {
        const fitted = await probeMedia(output, options.signal);
        if (Math.abs(fitted.durationSeconds - facts.durationSeconds) <= facts.durationSeconds * DURATION_TOLERANCE) {
          return { data: await readFile(output), extension: 'mp4', mime: 'video/mp4' };
        }
      }
      videoRate = Math.floor(videoRate * RATE_STEP);
      scale *= SIDE_STEP;
    }
    throw tooLarge('video', data.length, limitBytes, { smallestBytes: smallest, durationSeconds: facts.durationSeconds });
  });
}

/** A sound over `limitBytes` as an MP3 at the rate the limit leaves per second of it. */
export async function fitAudioToLimit(data: Buffer, extension: string, limitBytes: number, options: AvFitOptions = {}): Promise<FittedAv> {
  const runTimeoutMs = options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  return inTempDir(FIT_FOLDER, data, extension, async (dir, input) => {
    const facts = await probeMedia(input, options.signal);
    const budget = (limitBytes * 8 * BUDGET_SHARE) / facts.durationSeconds;
    // Headers and frame padding weigh most in a short sound: a try over the limit is followed by the next rate down.
    const rates = MP3_RATES.filter((candidate) => candidate <= budget).reverse().slice(0, MAX_AUDIO_TRIES);
    if (rates.length === 0) throw tooLarge('sound', data.length, limitBytes, { durationSeconds: facts.durationSeconds, reason: 'too long for the limit' });
    const output = join(dir, 'out.mp3');
    let smallest = Number.POSITIVE_INFINITY;
    for (const rate of rates) {
      const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-i', input, '-map', '0:a:0', '-c:a', 'libmp3lame', '-b:a', String(rate), '-fs', String(Math.ceil(limitBytes * 1.1)), output];
      await runMediaTool('ffmpeg', args, { timeoutMs: runTimeoutMs, maxStdoutBytes: 64 * 1024, ...(options.signal ? { signal: options.signal } : {}) });
      const size = (await stat(output)).size;
      if (size <= limitBytes) return { data: await readFile(output), extension: 'mp3', mime: 'audio/mpeg' };
      smallest = Math.min(smallest, size);
    }
    throw tooLarge('sound', data.length, limitBytes, { smallestBytes: smallest });
  });
}

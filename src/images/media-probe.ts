import { z } from 'zod';
import { MediaRejectedError } from './media-errors.ts';
import { runMediaTool } from './media-tool.ts';

/** What fitting needs to know about a video or sound. */
export interface MediaFacts {
  durationSeconds: number;
  /** 0 × 0 for a sound. */
  width: number;
  height: number;
  hasVideo: boolean;
  hasAudio: boolean;
}

/** ffprobe's JSON for one file is a few kB; a file with thousands of streams is not ours. */
const MAX_PROBE_OUTPUT_BYTES = 256 * 1024;
const PROBE_TIMEOUT_MS = 15_000;

const probeSchema = z.object({
  format: z.object({ duration: z.string().optional() }).optional(),
  streams: z
    .array(z.object({ codec_type: z.string().optional(), width: z.number().optional(), height: z.number().optional(), duration: z.string().optional() }))
    .default([]),
});

/** Reads a file's duration, picture size and streams with ffprobe; refuses one without a duration. */
export async function probeMedia(path: string, signal?: AbortSignal): Promise<MediaFacts> {
  const out = await runMediaTool('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], {
    timeoutMs: PROBE_TIMEOUT_MS,
    maxStdoutBytes: MAX_PROBE_OUTPUT_BYTES,
    ...(signal ? { signal } : {}),
  });
  let parsed: z.infer<typeof probeSchema>;
  try {
    parsed = probeSchema.parse(JSON.parse(out.toString('utf8')));
  } catch (cause) {
    throw new MediaRejectedError('not-media', 'The file could not be read to fit it.', { cause });
  }
  const video = parsed.streams.find((stream) => stream.codec_type === 'video');
  const hasAudio = parsed.streams.some((stream) => stream.codec_type === 'audio');
  // A webm written as a stream may leave the container without a duration; its stream may have one.
  const duration = Number(parsed.format?.duration ?? video?.duration ?? parsed.streams.find((stream) => stream.duration !== undefined)?.duration);
  if (!Number.isFinite(duration) || duration <= 0) throw new MediaRejectedError('not-media', 'The file has no duration to fit it by.', { context: { duration } });
  return { durationSeconds: duration, width: video?.width ?? 0, height: video?.height ?? 0, hasVideo: video !== undefined, hasAudio };
}

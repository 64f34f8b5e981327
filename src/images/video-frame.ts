import { runMediaTool } from './media-tool.ts';
import { inTempDir } from './temp-dir.ts';

/** One decoded frame as PNG: a 4K frame is ~25 MB at most; anything past this is not a frame. */
const MAX_FRAME_BYTES = 32 * 1024 * 1024;
const FRAME_TIMEOUT_MS = 30_000;

/**
 * The first frame of a video as a PNG, decoded by the packaged ffmpeg: the embed's
 * poster when the run left no live preview (a /show, a delivery after a restart, a
 * server with previews off). Bounded like every tool run (media-tool.ts).
 */
export async function firstVideoFrame(data: Buffer, extension: string, options: { signal?: AbortSignal } = {}): Promise<Buffer> {
  return inTempDir('comfycord-frame-', data, extension, (_dir, input) =>
    runMediaTool('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', input, '-map', '0:v:0', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-'], {
      timeoutMs: FRAME_TIMEOUT_MS,
      maxStdoutBytes: MAX_FRAME_BYTES,
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
}

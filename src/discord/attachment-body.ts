import { open, type FileHandle } from 'node:fs/promises';
import type { Dispatcher } from 'undici';
import { formatSize } from '../images/format-size.ts';
import { detectImageFormat, looksLikeSvg, SNIFF_BYTES, type ImageFormat } from '../images/image-format.ts';
import { AttachmentRejectedError } from './attachment-errors.ts';

/** Where a downloaded body goes, a chunk at a time. */
export interface BodySink<T> {
  /** Takes the next chunk; `start` is its offset in the body. */
  write(chunk: Buffer, start: number): void | Promise<void>;
  /** The result once the whole body arrived (`received` bytes). */
  finish(received: number): T | Promise<T>;
  /** Releases what the sink holds, whether or not the body finished. */
  close(): Promise<void>;
}

/** A write the sink could not make (a full disk): surfaced as the file system's error, not as a bad download. */
export class SinkWriteError extends Error {
  override readonly cause: unknown;
  constructor(cause: unknown) {
    super('the downloaded bytes could not be written', { cause });
    this.cause = cause;
  }
}

/**
 * Into memory. With an honest Content-Length the bytes go straight into one buffer of
 * that size: no list of chunks and no concatenated copy beside it, so a download holds
 * its size once.
 */
export function memorySink(declaredLength: number | null): BodySink<Buffer> {
  const chunks: Buffer[] = [];
  const whole = declaredLength === null ? null : Buffer.allocUnsafe(declaredLength);
  return {
    write(chunk, start) {
      if (whole === null) chunks.push(chunk);
      else chunk.copy(whole, start);
    },
    finish: (received) => (whole === null ? Buffer.concat(chunks, received) : whole.subarray(0, received)),
    close: () => Promise.resolve(),
  };
}

/** Into a file at `path` (created at the first byte, truncated if it exists); the result is its size. */
export function fileSink(path: string): BodySink<number> {
  let file: Promise<FileHandle> | null = null;
  const handle = (): Promise<FileHandle> => (file ??= open(path, 'w'));
  return {
    async write(chunk) {
      await (await handle()).write(chunk);
    },
    async finish(received) {
      await handle(); // an empty body still makes its (empty) file
      return received;
    },
    async close() {
      if (file !== null) await (await file.catch(() => null))?.close();
    },
  };
}

export function checkMagic(head: Buffer, context: Record<string, unknown>): ImageFormat {
  const format = detectImageFormat(head);
  if (format !== undefined) return format;
  if (looksLikeSvg(head)) throw new AttachmentRejectedError('not-image', 'SVG images are not supported; send a PNG, JPEG or WebP.', { context });
  throw new AttachmentRejectedError('not-image', 'That file is not an image we can read (PNG, JPEG, WebP, GIF, AVIF or TIFF).', { context });
}

export interface BodyLimits {
  maxBytes: number;
  /** Content-Length when the server gave an honest one: more bytes than that is refused. */
  declaredLength: number | null;
  context: Record<string, unknown>;
}

/**
 * Reads the body into `sink`, stopping the moment it passes `maxBytes`, sends more than
 * it announced, or its first bytes turn out not to be an image.
 */
export async function readImageBody<T>(body: Dispatcher.ResponseData['body'], limits: BodyLimits, sink: BodySink<T>): Promise<{ result: T; format: ImageFormat }> {
  const { maxBytes, declaredLength, context } = limits;
  const head = Buffer.alloc(SNIFF_BYTES);
  let received = 0;
  let format: ImageFormat | undefined;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const start = received;
      received += chunk.length;
      if (received > maxBytes) {
        throw new AttachmentRejectedError('too-large', `The file is over the ${formatSize(maxBytes)} limit.`, {
          context: { ...context, maxBytes, bytesRead: received },
        });
      }
      if (declaredLength !== null && received > declaredLength) {
        throw new AttachmentRejectedError('network', 'Download failed: the file server sent more than it announced.', {
          context: { ...context, declaredLength, bytesRead: received },
        });
      }
      if (start < SNIFF_BYTES) chunk.copy(head, start, 0, SNIFF_BYTES - start);
      if (format === undefined && received >= SNIFF_BYTES) format = checkMagic(head, { ...context, bytesRead: received });
      await writeTo(sink, chunk, start);
    }
    format ??= checkMagic(head.subarray(0, received), { ...context, bytesRead: received });
    return { result: await sink.finish(received), format };
  } finally {
    // Leaving early (a throw above, or an abort) must close the connection instead of draining it.
    discard(body);
    await sink.close();
  }
}

async function writeTo<T>(sink: BodySink<T>, chunk: Buffer, start: number): Promise<void> {
  try {
    await sink.write(chunk, start);
  } catch (error) {
    throw new SinkWriteError(error);
  }
}

/**
 * Close the connection without reading the rest. undici reports a destroyed, unfinished
 * body as an 'error' event; nobody is listening any more, so swallow it here rather
 * than let it surface as an uncaught exception.
 */
export function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  if (!body.destroyed) body.destroy();
}

import { request, type Dispatcher } from 'undici';
import { formatSize } from '../images/format-size.ts';
import type { ImageFormat } from '../images/image-format.ts';
import { discard, fileSink, memorySink, readImageBody, SinkWriteError, type BodySink } from './attachment-body.ts';
import { AttachmentRejectedError } from './attachment-errors.ts';
import { checkAttachmentUrl, DEFAULT_ATTACHMENT_HOSTS } from './attachment-url.ts';

export { DEFAULT_ATTACHMENT_HOSTS };

export const DEFAULT_ATTACHMENT_MAX_BYTES = 20_000_000;
export const DEFAULT_ATTACHMENT_TIMEOUT_MS = 15_000;
const MAX_REDIRECTS = 3;

export interface DownloadOptions {
  /** Exact host names we fetch from. Default: Discord's CDN hosts. */
  allowedHosts?: readonly string[];
  /** Refuse anything bigger; enforced from Content-Length and again while streaming. Default 20 MB. */
  maxBytes?: number;
  /** For the whole download, headers and body together. Default 15 s. */
  timeoutMs?: number;
  /** The type Discord's attachment object claims (`attachment.contentType`): a non-image is refused before any request. */
  contentTypeHint?: string | null;
  signal?: AbortSignal;
  /** Transport override (a proxy agent, or undici's MockAgent). */
  dispatcher?: Dispatcher;
}

export interface DownloadedImage {
  data: Buffer;
  /** From the bytes themselves, whatever the server said. */
  format: ImageFormat;
  contentType: string | undefined;
  /** Where the bytes came from after any redirects. */
  url: string;
}

/** The media type without parameters, lower-cased ("image/png; x=y" → "image/png"). */
function mediaType(value: string | string[] | undefined | null): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  const type = first?.split(';')[0]?.trim().toLowerCase();
  return type === undefined || type === '' ? undefined : type;
}

/** Refuses a declared type that is not a raster image. octet-stream says nothing either way. */
function checkDeclaredType(type: string | undefined, source: 'hint' | 'header'): void {
  if (type === undefined || type === 'application/octet-stream') return;
  if (type === 'image/svg+xml' || type.includes('svg')) {
    throw new AttachmentRejectedError('not-image', 'SVG images are not supported; send a PNG, JPEG or WebP.', { context: { type, source } });
  }
  if (!type.startsWith('image/')) {
    throw new AttachmentRejectedError('not-image', `That file is not an image (${type}).`, { context: { type, source } });
  }
}


function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function expiredHint(status: number): string {
  return status === 403 || status === 404 || status === 410 ? ' (the link may have expired; upload the image again)' : '';
}

/**
 * Fetch an image a person attached, trusting nothing about it: only from allowed hosts
 * (redirects included), never more than `maxBytes`, only if the bytes are a raster image
 * we can decode. Every refusal is an AttachmentRejectedError with a message for the user.
 */
export async function downloadAttachment(url: string, options: DownloadOptions = {}): Promise<DownloadedImage> {
  const { result, format, contentType, url: from } = await fetchAttachment(url, options, memorySink);
  return { data: result, format, contentType, url: from };
}

export interface DownloadedFile {
  /** Where the bytes are: the `path` asked for. */
  path: string;
  bytes: number;
  format: ImageFormat;
  contentType: string | undefined;
  url: string;
}

/**
 * downloadAttachment straight into a file at `path`, a chunk at a time: the upload is
 * never held in memory. Under the same checks; a failed write (a full disk) comes back
 * as the file system's own error. A partial file may be left behind: the caller, who
 * chose the path, removes it.
 */
export async function downloadAttachmentTo(url: string, path: string, options: DownloadOptions = {}): Promise<DownloadedFile> {
  const { result, format, contentType, url: from } = await fetchAttachment(url, options, () => fileSink(path));
  return { path, bytes: result, format, contentType, url: from };
}

async function fetchAttachment<T>(url: string, options: DownloadOptions, makeSink: (declaredLength: number | null) => BodySink<T>) {
  const allowedHosts = (options.allowedHosts ?? DEFAULT_ATTACHMENT_HOSTS).map((host) => host.toLowerCase());
  const maxBytes = options.maxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_ATTACHMENT_TIMEOUT_MS;

  let current = checkAttachmentUrl(url, allowedHosts);
  checkDeclaredType(mediaType(options.contentTypeHint), 'hint');

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onCallerAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (options.signal?.aborted === true) controller.abort();

  try {
    for (let redirects = 0; ; redirects += 1) {
      const context = { host: current.hostname, redirects };
      const response = await request(current, {
        method: 'GET',
        headers: { accept: 'image/*' },
        signal: controller.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
      });
      const status = response.statusCode;
      const location = headerValue(response.headers.location);

      if (status >= 300 && status < 400 && location !== undefined) {
        discard(response.body);
        if (redirects >= MAX_REDIRECTS) throw new AttachmentRejectedError('redirect', 'Download failed: too many redirects.', { context });
        current = checkAttachmentUrl(URL.parse(location, current.href)?.href ?? location, allowedHosts, 'redirect');
        continue;
      }
      if (status < 200 || status >= 300) {
        discard(response.body);
        throw new AttachmentRejectedError('http-status', `Download failed: HTTP ${status}${expiredHint(status)}.`, { context: { ...context, status } });
      }

      const declaredLength = Number(headerValue(response.headers['content-length']));
      if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
        discard(response.body);
        throw new AttachmentRejectedError('too-large', `The file is ${formatSize(declaredLength)}; the limit is ${formatSize(maxBytes)}.`, {
          context: { ...context, declaredLength, maxBytes },
        });
      }
      const contentType = mediaType(response.headers['content-type']);
      try {
        checkDeclaredType(contentType, 'header');
      } catch (error) {
        discard(response.body);
        throw error;
      }

      const announced = Number.isSafeInteger(declaredLength) && declaredLength >= 0 ? declaredLength : null;
      const { result, format } = await readImageBody(response.body, { maxBytes, declaredLength: announced, context: { ...context, contentType } }, makeSink(announced));
      return { result, format, contentType, url: current.href };
    }
  } catch (error) {
    if (error instanceof AttachmentRejectedError) throw error;
    if (error instanceof SinkWriteError) throw error.cause;
    const code = (error as { code?: unknown } | null)?.code;
    // timedOut is set by the timer's callback, which TypeScript's narrowing does not see.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      throw new AttachmentRejectedError('timeout', `Download failed: no complete response within ${Math.round(timeoutMs / 100) / 10} s.`, {
        context: { host: current.hostname, timeoutMs },
        cause: error,
      });
    }
    if (controller.signal.aborted) {
      throw new AttachmentRejectedError('cancelled', 'The download was cancelled.', { context: { host: current.hostname }, cause: error });
    }
    throw new AttachmentRejectedError('network', 'Download failed: could not reach the file server.', {
      context: { host: current.hostname, code },
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
}

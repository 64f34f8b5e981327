import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { describeNetworkError } from '../network-errors.ts';
import type { Redactor } from '../redact/redactor.ts';
import { readBounded, ResponseTooLarge } from './bounded-body.ts';
import type { ComfyEndpoint } from './endpoint.ts';
import { ComfyBadResponseError, ComfyHttpError, ComfyUnavailableError, ComfyUploadTooLargeError } from './errors.ts';
import type { MultipartBody } from './multipart.ts';

/**
 * One request to a ComfyUI server and what comes back, for ComfyHttp's routes (http.ts):
 * the deadline, the body limits both ways, the endpoint's headers, and the errors every
 * route shares (unreachable, non-2xx, not JSON). Error bodies have the server's own
 * credentials cut out as soon as they arrive.
 */

export interface SendOptions {
  query?: Record<string, string>;
  json?: unknown;
  multipart?: MultipartBody;
  /** The server's request body limit: a larger encoded body is refused before anything is sent. */
  maxBodyBytes?: { limit: number; payloadBytes: number };
  timeoutMs?: number;
  signal?: AbortSignal;
  /** A response body past this many bytes is cut off and `onTooLarge` thrown (by Content-Length, or while reading). */
  maxResponseBytes?: { limit: number; onTooLarge: (declared: number | null) => Error };
}

export interface RawResponse {
  status: number;
  body: Buffer;
}

export interface TransportOptions {
  endpoint: ComfyEndpoint;
  timeoutMs: number;
  dispatcher: Dispatcher | undefined;
  log: Logger;
  clock: Clock;
  redactor: Redactor;
}

export class HttpTransport {
  readonly #endpoint: ComfyEndpoint;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #redactor: Redactor;

  constructor(options: TransportOptions) {
    this.#endpoint = options.endpoint;
    this.#timeoutMs = options.timeoutMs;
    this.#dispatcher = options.dispatcher;
    this.#log = options.log;
    this.#clock = options.clock;
    this.#redactor = options.redactor;
  }

  bodyText(response: RawResponse): string {
    return this.#redactor.scrub(response.body.toString('utf8'));
  }

  async send(method: Dispatcher.HttpMethod, path: string, options: SendOptions = {}): Promise<RawResponse> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const deadline = new AbortController();
    const timeout = deadline.signal;
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    const headers: Record<string, string> = { ...this.#endpoint.headers };
    let body: string | Readable | undefined;
    let length = 0;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
      length = Buffer.byteLength(body);
    } else if (options.multipart !== undefined) {
      length = options.multipart.length;
    }
    const max = options.maxBodyBytes;
    if (max !== undefined && length > max.limit) throw new ComfyUploadTooLargeError(this.#endpoint.label, max.payloadBytes, max.limit);
    if (options.multipart !== undefined) {
      // A stream of known length, not a FormData body: the kept file is streamed, never held
      // whole, and undici's request() has been seen (7.30, in an ES-module process such as the
      // bot's own entry) to send a FormData body's headers and never its bytes.
      headers['content-type'] = options.multipart.contentType;
      headers['content-length'] = String(length);
      body = options.multipart.stream();
    }
    const started = this.#clock.now();
    const cancelDeadline = this.#clock.after(timeoutMs, () => deadline.abort(new Error(`timed out after ${timeoutMs} ms`)));
    try {
      const response = await request(this.#endpoint.url(path, options.query), {
        method: method,
        headers,
        body: body ?? null,
        signal,
        ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
      });
      const bytes = options.maxResponseBytes === undefined ? Buffer.from(await response.body.arrayBuffer()) : await readBounded(response, options.maxResponseBytes);
      this.#log.debug({ method, path, status: response.statusCode, ms: this.#clock.now() - started }, 'comfy http');
      return { status: response.statusCode, body: bytes };
    } catch (error) {
      if (error instanceof ResponseTooLarge) throw error.error;
      if (options.signal?.aborted) throw options.signal.reason;
      const detail = timeout.aborted ? `no answer to ${method} ${path} within ${timeoutMs} ms` : describeNetworkError(error);
      this.#log.debug({ method, path, err: detail, ms: this.#clock.now() - started }, 'comfy http failed');
      throw new ComfyUnavailableError(this.#endpoint.label, detail, { cause: error, context: { method, path } });
    } finally {
      cancelDeadline();
    }
  }

  expectOk(method: string, path: string, response: RawResponse): RawResponse {
    if (response.status >= 200 && response.status < 300) return response;
    throw new ComfyHttpError(this.#endpoint.label, method, path, response.status, this.bodyText(response));
  }

  json(method: string, path: string, response: RawResponse): unknown {
    this.expectOk(method, path, response);
    try {
      return JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new ComfyBadResponseError(this.#endpoint.label, method, path, 'not JSON');
    }
  }
}

import type { Dispatcher } from 'undici';
import { systemClock, type Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import type { OutputImage } from './messages.ts';
import { COMFY_DEFAULTS } from './defaults.ts';
import { HttpTransport } from './http-transport.ts';
import { createEndpoint, type ComfyEndpoint, type EndpointOptions } from './endpoint.ts';
import { ComfyBadResponseError, ComfyFileTooLargeError } from './errors.ts';
import { multipartBody } from './multipart.ts';
import { parseHistory, parseQueue, type HistoryEntry, type QueueSnapshot } from './history.ts';
import { isJobNotFound, parseJob, type JobLookup } from './jobs-api.ts';
import type { ApiGraph } from '../workflows/graph.ts';
import { describeNodeErrors, promptRejection } from './prompt-errors.ts';
import { credentialsInBasic, redactorFor } from '../redact/config-secrets.ts';
import type { Redactor } from '../redact/redactor.ts';

/**
 * ComfyUI's HTTP routes, each one request through HttpTransport (http-transport.ts,
 * undici). Every request has a timeout; a server that
 * cannot be reached becomes ComfyUnavailableError, any other non-2xx a
 * ComfyHttpError (or PromptValidationError for a refused prompt). Headers are
 * never logged: they may carry the proxy's credentials. Error bodies have this
 * server's own credentials cut out as soon as they arrive, before anything shortens
 * them (a secret cut in half would no longer be recognised further on).
 */

export interface ComfyHttpOptions extends EndpointOptions {
  baseUrl: string;
  /**
   * Per-request timeout in ms, connect to last body byte.
   * @default COMFY_DEFAULTS.requestTimeoutMs (15000)
   */
  timeoutMs?: number;
  /**
   * Timeout for uploads and image downloads, which can be large.
   * @default COMFY_DEFAULTS.transferTimeoutMs (60000)
   */
  transferTimeoutMs?: number;
  /** undici dispatcher (custom TLS, proxies, tests). Default: undici's global one. */
  dispatcher?: Dispatcher;
  logger?: Logger;
  /** Request deadlines and timings. Default: the system clock. */
  clock?: Clock;
}

export interface PromptRequest {
  prompt: ApiGraph;
  client_id: string;
  prompt_id: string;
  extra_data?: Record<string, unknown>;
  front?: boolean;
}

export interface PromptAccepted {
  promptId: string;
  number: number;
  nodeErrors: Record<string, unknown>;
}

export interface UploadedImage {
  name: string;
  subfolder: string;
  type: string;
}

export interface SystemStats {
  system: Record<string, unknown>;
  devices: Array<Record<string, unknown>>;
}

export class ComfyHttp {
  readonly endpoint: ComfyEndpoint;
  readonly #transferTimeoutMs: number;
  readonly #log: Logger;
  readonly #redactor: Redactor;
  readonly #transport: HttpTransport;

  constructor(options: ComfyHttpOptions) {
    this.endpoint = createEndpoint(options.baseUrl, options);
    const auth = credentialsInBasic(this.endpoint.headers['authorization']);
    this.#redactor = redactorFor({ servers: [{ auth, headers: options.headers ?? {} }] }).redactor;
    this.#transferTimeoutMs = options.transferTimeoutMs ?? COMFY_DEFAULTS.transferTimeoutMs;
    this.#log = options.logger ?? silentLogger();
    this.#transport = new HttpTransport({
      endpoint: this.endpoint,
      timeoutMs: options.timeoutMs ?? COMFY_DEFAULTS.requestTimeoutMs,
      dispatcher: options.dispatcher,
      log: this.#log,
      clock: options.clock ?? systemClock,
      redactor: this.#redactor,
    });
  }

  get host(): string {
    return this.endpoint.host;
  }

  /** The server as user messages name it (endpoint.ts). */
  get label(): string {
    return this.endpoint.label;
  }

  /** `text` (from this server) without this server's credentials and header values. */
  scrub(text: string): string {
    return this.#redactor.scrub(text);
  }

  /** POST /prompt. A 400 becomes PromptValidationError with a readable message. */
  async postPrompt(body: PromptRequest, signal?: AbortSignal): Promise<PromptAccepted> {
    const response = await this.#transport.send('POST', '/prompt', { json: body, ...(signal ? { signal } : {}) });
    if (response.status < 200 || response.status >= 300) {
      throw promptRejection(this.label, response.status, this.#transport.bodyText(response), body.prompt);
    }
    const json = this.#transport.json('POST', '/prompt', response) as Record<string, unknown>;
    const nodeErrors = typeof json['node_errors'] === 'object' && json['node_errors'] !== null ? (json['node_errors'] as Record<string, unknown>) : {};
    if (Object.keys(nodeErrors).length > 0) {
      this.#log.warn(
        { promptId: body.prompt_id, problems: describeNodeErrors(nodeErrors, body.prompt) },
        'ComfyUI accepted the prompt but some outputs failed validation and will not run',
      );
    }
    return {
      promptId: typeof json['prompt_id'] === 'string' ? json['prompt_id'] : body.prompt_id,
      number: typeof json['number'] === 'number' ? json['number'] : 0,
      nodeErrors,
    };
  }

  /** GET /history/{id}; null when the server does not know the prompt (yet, or any more). */
  async history(promptId: string, signal?: AbortSignal): Promise<HistoryEntry | null> {
    const path = `/history/${encodeURIComponent(promptId)}`;
    const response = await this.#transport.send('GET', path, signal ? { signal } : {});
    const entry = parseHistory(this.#transport.json('GET', path, response), promptId);
    // A node's exception text is shown to users; it is untrusted like any error body.
    return entry === null ? null : { ...entry, messages: this.#redactor.scrubDeep(entry.messages) };
  }

  /**
   * GET /api/jobs?limit=1: whether this server has the jobs API (newer ComfyUI). A 404
   * or 405 says no; anything else that is not a job list is an error (ask again later).
   */
  async hasJobsApi(): Promise<boolean> {
    const path = '/api/jobs';
    const response = await this.#transport.send('GET', path, { query: { limit: '1' } });
    if (response.status === 404 || response.status === 405) return false;
    const json = this.#transport.json('GET', path, response);
    if (typeof json !== 'object' || json === null || !Array.isArray((json as { jobs?: unknown }).jobs)) {
      throw new ComfyBadResponseError(this.label, 'GET', path, 'not a job list');
    }
    return true;
  }

  /** GET /api/jobs/{id} (newer servers only): the job's state, and its history record once finished. */
  async job(promptId: string, signal?: AbortSignal): Promise<JobLookup> {
    const path = `/api/jobs/${encodeURIComponent(promptId)}`;
    const response = await this.#transport.send('GET', path, signal ? { signal } : {});
    if (isJobNotFound(response.status, response.body.toString('utf8'))) return { kind: 'unknown' };
    const job = parseJob(this.#transport.json('GET', path, response), promptId);
    if (job === null) throw new ComfyBadResponseError(this.label, 'GET', path, 'not a job of this prompt');
    // A node's exception text is shown to users; it is untrusted like any error body.
    if (job.kind === 'known' && job.entry !== null) return { ...job, entry: { ...job.entry, messages: this.#redactor.scrubDeep(job.entry.messages) } };
    return job;
  }

  /** POST /api/jobs/{id}/cancel (newer servers only): dequeues or interrupts it, atomically; false when it was no longer pending or running. */
  async cancelJob(promptId: string): Promise<boolean> {
    const path = `/api/jobs/${encodeURIComponent(promptId)}/cancel`;
    const json = this.#transport.json('POST', path, await this.#transport.send('POST', path, { json: {} }));
    return typeof json === 'object' && json !== null && (json as { cancelled?: unknown }).cancelled === true;
  }

  async queue(signal?: AbortSignal): Promise<QueueSnapshot> {
    return parseQueue(this.#transport.json('GET', '/queue', await this.#transport.send('GET', '/queue', signal ? { signal } : {})));
  }

  /** POST /queue {delete}: removes pending prompts; running ones are untouched. */
  async deleteQueued(promptIds: string[]): Promise<void> {
    this.#transport.expectOk('POST', '/queue', await this.#transport.send('POST', '/queue', { json: { delete: promptIds } }));
  }

  /** POST /interrupt; with a prompt id only that prompt is stopped, and only if it is running. */
  async interrupt(promptId?: string): Promise<void> {
    const json = promptId === undefined ? {} : { prompt_id: promptId };
    this.#transport.expectOk('POST', '/interrupt', await this.#transport.send('POST', '/interrupt', { json }));
  }

  /** GET /prompt: `queue_remaining` (running + pending, all clients). */
  async queueRemaining(signal?: AbortSignal): Promise<number> {
    const json = this.#transport.json('GET', '/prompt', await this.#transport.send('GET', '/prompt', signal ? { signal } : {})) as { exec_info?: { queue_remaining?: unknown } };
    const remaining = json.exec_info?.queue_remaining;
    return typeof remaining === 'number' ? remaining : 0;
  }

  /** GET /view: the bytes of an output (or input/temp) file, at most `maxBytes` (COMFY_DEFAULTS.maxViewBytes). */
  async view(image: OutputImage, signal?: AbortSignal, maxBytes: number = COMFY_DEFAULTS.maxViewBytes): Promise<Buffer> {
    const query = { filename: image.filename, subfolder: image.subfolder, type: image.type };
    const maxResponseBytes = { limit: maxBytes, onTooLarge: (declared: number | null) => new ComfyFileTooLargeError(this.label, image.filename, maxBytes, declared) };
    const response = await this.#transport.send('GET', '/view', { query, timeoutMs: this.#transferTimeoutMs, maxResponseBytes, ...(signal ? { signal } : {}) });
    return this.#transport.expectOk('GET', '/view', response).body;
  }

  /**
   * POST /upload/image (multipart). A name clash without overwrite comes back renamed.
   * With `maxUploadBytes` (the server's `max_upload_size`) a body over it is refused
   * with ComfyUploadTooLargeError instead of being sent to get a 413.
   */
  async uploadImage(
    data: Buffer | Blob,
    filename: string,
    options: { subfolder?: string; overwrite?: boolean; type?: 'input' | 'temp' | 'output'; maxUploadBytes?: number | null } = {},
  ): Promise<UploadedImage> {
    const fields: Array<[string, string]> = [['type', options.type ?? 'input']];
    if (options.subfolder) fields.push(['subfolder', options.subfolder]);
    if (options.overwrite) fields.push(['overwrite', 'true']);
    const multipart = multipartBody(fields, { field: 'image', filename, data });
    const limit = options.maxUploadBytes ?? null;
    const size = Buffer.isBuffer(data) ? data.length : data.size;
    const maxBodyBytes = limit === null ? {} : { maxBodyBytes: { limit, payloadBytes: size } };
    const response = await this.#transport.send('POST', '/upload/image', { multipart, timeoutMs: this.#transferTimeoutMs, ...maxBodyBytes });
    const json = this.#transport.json('POST', '/upload/image', response) as Record<string, unknown>;
    if (typeof json['name'] !== 'string') throw new ComfyBadResponseError(this.label, 'POST', '/upload/image', 'no file name');
    return {
      name: json['name'],
      subfolder: typeof json['subfolder'] === 'string' ? json['subfolder'] : '',
      type: typeof json['type'] === 'string' ? json['type'] : 'input',
    };
  }

  /** GET /object_info or /object_info/{class}; an unknown class gives `{}`. */
  async objectInfo(classType?: string): Promise<Record<string, unknown>> {
    const path = classType === undefined ? '/object_info' : `/object_info/${encodeURIComponent(classType)}`;
    const json = this.#transport.json('GET', path, await this.#transport.send('GET', path, { timeoutMs: this.#transferTimeoutMs }));
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  }

  /**
   * GET /node_replacements (newer servers): old class → the class the server rewrites it
   * to before validation (the first registered, as the server uses). `{}` from a server
   * without the route (404).
   */
  async nodeReplacements(): Promise<Record<string, string>> {
    const response = await this.#transport.send('GET', '/node_replacements');
    if (response.status === 404) return {};
    const json = this.#transport.json('GET', '/node_replacements', response);
    const out: Record<string, string> = {};
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return out;
    for (const [oldClass, entries] of Object.entries(json as Record<string, unknown>)) {
      const first: unknown = Array.isArray(entries) ? entries[0] : undefined;
      const target = typeof first === 'object' && first !== null ? (first as { new_node_id?: unknown }).new_node_id : undefined;
      if (typeof target === 'string' && target !== '') out[oldClass] = target;
    }
    return out;
  }

  /** GET /features: the server's feature flags; `{}` from a server without the route (404). */
  async features(): Promise<Record<string, unknown>> {
    const response = await this.#transport.send('GET', '/features');
    if (response.status === 404) return {};
    const json = this.#transport.json('GET', '/features', response);
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  }

  async systemStats(): Promise<SystemStats> {
    const json = this.#transport.json('GET', '/system_stats', await this.#transport.send('GET', '/system_stats')) as Record<string, unknown>;
    return {
      system: typeof json['system'] === 'object' && json['system'] !== null ? (json['system'] as Record<string, unknown>) : {},
      devices: Array.isArray(json['devices']) ? (json['devices'] as Array<Record<string, unknown>>) : [],
    };
  }
}

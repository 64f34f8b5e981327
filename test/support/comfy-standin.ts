import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Catalogue, type InputBounds, type ModelLists } from './comfy-standin/catalogue.ts';
import { Controls, type BenchKnobs } from './comfy-standin/controls.ts';
import { FileStore } from './comfy-standin/files.ts';
import { recordRequest, refusal, type RecordedRequest } from './comfy-standin/access.ts';
import { BodyTooLarge, readBody, sendServerError, sendText } from './comfy-standin/http-util.ts';
import { ComfyProcess } from './comfy-standin/process.ts';
import { handleRoute, type RouteHost } from './comfy-standin/routes.ts';
import { ResponseInjector, sendInjected, type InjectedResponse, type InjectionMatcher } from './comfy-standin/injections.ts';
import type { RunStatus } from './comfy-standin/run-prompt.ts';
import { ViewFaults, type ViewFault } from './comfy-standin/view-faults.ts';
import { Dialect, type StandinVersion } from './comfy-standin/dialect.ts';

export type { RecordedRequest } from './comfy-standin/access.ts';
export type { RunStatus } from './comfy-standin/run-prompt.ts';
export type { BenchKnobs, OutputTexture } from './comfy-standin/controls.ts';
export type { InjectedResponse, InjectionMatcher } from './comfy-standin/injections.ts';
export type { ViewFault } from './comfy-standin/view-faults.ts';
export { STANDIN_VERSIONS, type StandinVersion } from './comfy-standin/dialect.ts';

/**
 * A ComfyUI stand-in for tests: real HTTP and WebSocket on 127.0.0.1, the message
 * order, field names, frame layouts and HTTP bodies of the captured 0.3.64
 * transcripts in test/fixtures/comfy-protocol, plus fault and timing controls. With
 * `version: 'newer'` it plays a current server instead (comfy-standin/dialect.ts).
 */

export interface StandinOptions {
  /** Which ComfyUI to play (default '0.3.64'): see comfy-standin/dialect.ts. */
  version?: StandinVersion;
  /** `--max-upload-size` in bytes (default 100 MiB): larger request bodies get 413. */
  maxUploadBytes?: number;
  /** Newer servers only: `--disable-assets` when false (default true: outputs carry asset ids). */
  assets?: boolean;
  /** Delay between sampler steps (default 20). */
  stepDelayMs?: number;
  /** Steps for a sampler without a `steps` input (default 3). */
  defaultSteps?: number;
  /** Patched into object_info choice lists (ckpt_name, lora_name, model_name, vae_name). */
  models?: ModelLists;
  /** Node inputs' min/max overridden, e.g. `{'KSampler.seed': {max: 4294967295}}` (a custom node's own range). */
  inputBounds?: InputBounds;
  /** 401 on HTTP and on the ws upgrade without this header value. */
  requireAuth?: { header: string; value: string };
  /** e.g. '/comfy': every route is served under it. */
  pathPrefix?: string;
  /** When true, sampler steps wait for step() calls instead of timers. */
  manualSteps?: boolean;
  /** For benchmarks: sampler pacing, preview rate, photo-like outputs (see BenchKnobs). */
  bench?: BenchKnobs;
  /**
   * The `--preview-method` ComfyUI was started with. When set, the per-prompt
   * `extra_data.preview_method` is ignored, as 0.3.64 does ('none' is its default: no
   * preview frames at all). Unset: the prompt's field decides, as newer versions do.
   */
  launchPreviewMethod?: 'none' | 'auto' | 'latent2rgb' | 'taesd';
  /**
   * When true, each preview frame of a sampler is a different shade (its step number
   * shifts the colour of a flat preview), as a real sampler's previews change while it
   * denoises; default false: one frame repeated for every step.
   */
  previewsChange?: boolean;
}

export type StandinEvents = {
  /** An accepted POST /prompt. */
  prompt: [promptId: string, body: unknown];
  'executing-start': [promptId: string];
  /** After the history entry, the status broadcast and the final `executing`. */
  done: [promptId: string, status: RunStatus];
  /** A sampler step, just before its `progress` message is sent. */
  progress: [promptId: string, node: string, value: number, max: number];
  /** A preview frame sent (its image bytes, without the frame header). */
  preview: [promptId: string, node: string, image: Buffer];
};

const EVENT_LOG_SIZE = 1000;

export class ComfyStandin extends EventEmitter<StandinEvents> {
  readonly requests: RecordedRequest[] = [];
  readonly files = new FileStore();
  /** Input folder: key `subfolder/name` or `name`. */
  readonly uploads = this.files.input;
  /** Output folder (SaveImage, /view?type=output): key `subfolder/name` or `name`. */
  readonly outputs = this.files.output;
  /** Temp folder (PreviewImage): emptied by restart(). */
  readonly temp = this.files.temp;
  history = new Map<string, unknown>();
  readonly #options: StandinOptions;
  readonly #dialect: Dialect;
  readonly #controls: Controls;
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #openSockets = new Set<WebSocket>();
  #catalogue!: Catalogue;
  #process!: ComfyProcess;
  #port = 0;
  #down = false;
  #failNextPost: { status: number; body: string } | null = null;
  #echoingRuns = 0;
  readonly #injector = new ResponseInjector();
  readonly #viewFaults = new ViewFaults();
  readonly #eventLog: Array<{ event: keyof StandinEvents; args: unknown[] }> = [];

  private constructor(options: StandinOptions) {
    super();
    this.#options = options;
    this.#dialect = new Dialect(options);
    this.#controls = new Controls({
      stepDelayMs: options.stepDelayMs ?? 20,
      defaultSteps: options.defaultSteps ?? 3,
      manualSteps: options.manualSteps ?? false,
      launchPreviewMethod: options.launchPreviewMethod ?? null,
      previewsChange: options.previewsChange ?? false,
      ...options.bench,
    });
    this.#server = createServer((req, res) => void this.#onRequest(req, res));
    this.#server.on('connection', (socket: Socket) => {
      if (this.#down) socket.destroy();
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.#onUpgrade(req, socket, head));
  }

  static async start(options: StandinOptions = {}): Promise<ComfyStandin> {
    const standin = new ComfyStandin(options);
    standin.#catalogue = await Catalogue.load(options.models ?? {}, () => standin.files.topLevelInputs(), options.inputBounds);
    standin.#process = standin.#newProcess();
    await standin.#listen(0);
    return standin;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}${this.#prefix}`;
  }

  get version(): StandinVersion {
    return this.#dialect.version;
  }

  get catalogue(): Catalogue {
    return this.#catalogue;
  }

  /** Open ws connections (including ones ComfyUI no longer routes to). */
  sockets(): number {
    return this.#openSockets.size;
  }

  pause(): void {
    this.#controls.setPaused(true);
  }

  resume(): void {
    this.#controls.setPaused(false);
  }

  /** With manualSteps: lets the running sampler advance `n` steps. */
  step(n = 1): void {
    this.#controls.addSteps(n);
  }

  dropSockets(): void {
    for (const ws of this.#openSockets) ws.terminate();
  }

  /** Connections are reset and ws upgrades refused while down; open sockets are dropped. */
  setDown(down: boolean): void {
    this.#down = down;
    if (down) {
      this.dropSockets();
      this.#server.closeAllConnections();
    }
  }

  /**
   * Like `kill -9` of the ComfyUI process: sockets dropped, the port closed (new
   * connections are refused), the prompt that was running never finishes. Only
   * close() follows.
   */
  async kill(): Promise<void> {
    this.#process.kill();
    this.dropSockets();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  /**
   * Like a process restart: sockets closed, port refused for `downMs`, queue,
   * history, cache, prompt counter, feature flags, temp files and unused step()
   * credits lost; input and output files kept. pause() survives it.
   */
  async restart(opts: { downMs?: number } = {}): Promise<void> {
    this.#process.kill();
    this.dropSockets();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    this.history.clear();
    this.files.wipeTemp();
    this.#controls.resetSteps();
    if ((opts.downMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, opts.downMs));
    this.#process = this.#newProcess();
    await this.#listen(this.#port);
  }

  failNextPost(status: number, body: string): void {
    this.#failNextPost = { status, body };
  }

  /**
   * Fault hook (not ComfyUI behaviour): the next `times` requests matching `matcher`
   * get `response` (any status, content type and body, e.g. garbage JSON) instead of
   * the real route. They are still recorded in `requests`.
   */
  injectResponse(matcher: InjectionMatcher, response: InjectedResponse, options: { times?: number } = {}): void {
    this.#injector.add(matcher, response, options.times ?? 1);
  }

  /** Drops every injected response not used up yet. */
  clearInjections(): void {
    this.#injector.clear();
  }

  /**
   * Fault hook (not ComfyUI behaviour): the next `times` accepted prompts fail in their
   * first node with an `execution_error` whose exception_message repeats the headers
   * of the POST /prompt that queued them (header-echo.ts).
   */
  failRunsEchoingHeaders(times = 1): void {
    this.#echoingRuns += times;
  }

  /**
   * Fault hook (not ComfyUI behaviour): the next `times` GET /view requests never get an answer ('hang'), get its first half with an honest
   * Content-Length ('truncate'), or the file's full length with bytes overwritten ('corrupt').
   */
  faultViews(fault: ViewFault, options: { times?: number } = {}): void {
    this.#viewFaults.add(fault, options.times ?? 1);
  }

  /**
   * Fault hook (not ComfyUI behaviour): sends `payload` as one WebSocket frame, exactly
   * as given — a string as a text frame, a Buffer as a binary frame — to the socket of
   * `clientId`, or to every socket when null. Returns how many sockets it went to.
   */
  sendRawFrame(payload: string | Buffer, clientId: string | null = null): number {
    return this.#process.sockets.sendRaw(payload, clientId);
  }

  /**
   * Resolves with the arguments of an `event` matching `predicate`. With a
   * predicate, events that already happened count too (a run often finishes
   * before the test gets to ask); without one, only the next event does.
   */
  waitFor<K extends keyof StandinEvents>(
    event: K,
    predicate?: (...args: StandinEvents[K]) => boolean,
    timeoutMs = 5000,
  ): Promise<StandinEvents[K]> {
    if (predicate !== undefined) {
      const past = this.#eventLog.find((entry) => entry.event === event && predicate(...(entry.args as StandinEvents[K])));
      if (past !== undefined) return Promise.resolve(past.args as StandinEvents[K]);
    }
    const matches = predicate ?? (() => true);
    return new Promise((resolve, reject) => {
      const listener = (...args: StandinEvents[K]): void => {
        if (!matches(...args)) return;
        cleanup();
        resolve(args);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`ComfyStandin: no '${event}' event within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off(event, listener as never);
      };
      this.on(event, listener as never);
    });
  }

  #publish<K extends keyof StandinEvents>(event: K, ...args: StandinEvents[K]): void {
    this.#eventLog.push({ event, args });
    if (this.#eventLog.length > EVENT_LOG_SIZE) this.#eventLog.shift();
    (this.emit as (name: string, ...values: unknown[]) => boolean)(event, ...args);
  }

  async close(): Promise<void> {
    this.#process.kill();
    this.dropSockets();
    this.#wss.close();
    await new Promise<void>((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  get #prefix(): string {
    return (this.#options.pathPrefix ?? '').replace(/\/+$/, '');
  }

  #newProcess(): ComfyProcess {
    return new ComfyProcess({
      catalogue: this.#catalogue,
      files: this.files,
      controls: this.#controls,
      dialect: this.#dialect,
      history: () => this.history,
      emitStart: (promptId) => this.#publish('executing-start', promptId),
      emitDone: (promptId, status) => this.#publish('done', promptId, status),
      emitProgress: (promptId, node, value, max) => this.#publish('progress', promptId, node, value, max),
      emitPreview: (promptId, node, image) => this.#publish('preview', promptId, node, image),
    });
  }

  #routeHost(): RouteHost {
    return {
      catalogue: this.#catalogue,
      dialect: this.#dialect,
      files: this.files,
      history: this.history,
      process: () => this.#process,
      takeFailNextPost: () => {
        const failure = this.#failNextPost;
        this.#failNextPost = null;
        return failure;
      },
      emitPrompt: (promptId, body) => this.#publish('prompt', promptId, body),
      takeViewFault: () => this.#viewFaults.take(),
      takeEchoingRun: () => {
        if (this.#echoingRuns === 0) return false;
        this.#echoingRuns -= 1;
        return true;
      },
    };
  }

  #listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** The path below the prefix, `/api` kept (the jobs routes exist only under it). */
  #unprefixed(pathname: string): string {
    return pathname.slice(this.#prefix.length) || '/';
  }

  /** The ComfyUI route for a raw URL, or null when it is outside the path prefix. */
  #route(pathname: string): string | null {
    const prefix = this.#prefix;
    if (prefix !== '' && pathname !== prefix && !pathname.startsWith(`${prefix}/`)) return null;
    const rest = pathname.slice(prefix.length) || '/';
    return rest === '/api' ? '/' : rest.startsWith('/api/') ? rest.slice(4) : rest;
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#down) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = this.#route(url.pathname);
    let body: Buffer;
    try {
      body = await readBody(req, this.#dialect.maxUploadBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendText(res, 413, `413: ${error.message}`);
      throw error;
    }
    this.requests.push(recordRequest(req, url, route ?? url.pathname, body));
    const refused = refusal(req, this.#options.requireAuth, this.#dialect.newer);
    if (refused !== null) return sendText(res, refused.status, refused.text);
    if (route === null) return sendText(res, 404, '404: Not Found');
    const injected = this.#injector.take(req.method ?? 'GET', route);
    if (injected !== null) return sendInjected(res, injected, { method: req.method ?? 'GET', path: url.pathname, headers: req.headers });
    try {
      await handleRoute(this.#routeHost(), { method: req.method ?? 'GET', route, raw: this.#unprefixed(url.pathname), query: url.searchParams, headers: req.headers, body }, res);
    } catch {
      if (!res.headersSent) sendServerError(res);
    }
  }

  #onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    // Handed to 'upgrade', the socket has no error listener of the HTTP server's any more:
    // a client's reset while a refusal is written would be an uncaught exception.
    socket.on('error', () => socket.destroy());
    if (this.#down) {
      socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = this.#route(url.pathname);
    this.requests.push(recordRequest(req, url, route ?? url.pathname, Buffer.alloc(0)));
    const refused = refusal(req, this.#options.requireAuth, this.#dialect.newer) ?? (route === '/ws' ? null : { status: 404, text: '404: Not Found' });
    if (refused !== null) {
      const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[refused.status];
      const head = `HTTP/1.1 ${refused.status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\n`;
      socket.end(`${head}Content-Length: ${Buffer.byteLength(refused.text)}\r\nConnection: close\r\n\r\n${refused.text}`);
      return;
    }
    const process = this.#process;
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#openSockets.add(ws);
      ws.on('close', () => this.#openSockets.delete(ws));
      if (process.dead) {
        ws.terminate();
        return;
      }
      process.attachSocket(ws, url.searchParams.get('clientId') ?? '');
    });
  }
}

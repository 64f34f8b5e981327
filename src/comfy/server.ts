import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { systemClock, type CancelTimer, type Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { COMFY_DEFAULTS } from './defaults.ts';
import { createEndpoint } from './endpoint.ts';
import type { ComfyServerEvents, ComfyServerOptions, PreviewMethod, RunHandle, RunOptions } from './server-types.ts';
import { AbandonedPrompts } from './abandoned-prompts.ts';
import { cancelOnServer } from './cancel-run.ts';
import { ComfyCancelledError, ComfyUnavailableError } from './errors.ts';
import { ComfyHttp, type PromptAccepted, type SystemStats, type UploadedImage } from './http.ts';
import type { QueueSnapshot } from './history.ts';
import type { ComfyBinaryMessage, ComfyMessage, OutputImage } from './messages.ts';
import type { ApiGraph } from '../workflows/graph.ts';
import { RunRecovery } from './run-recovery.ts';
import { ServerFeatures } from './server-features.ts';
import { ComfySocket, type SocketState } from './socket.ts';
import { TrackedRun } from './tracked-run.ts';

/**
 * One ComfyUI server: its HTTP routes, its one shared socket, and every prompt this
 * client has in flight there. Socket messages are routed by prompt_id to the run
 * that owns them; a run is registered before its POST /prompt so a fully cached
 * prompt cannot finish unseen. Reconnects, polling and resubmission live in
 * RunRecovery.
 */

export type { ComfyServerEvents, ComfyServerOptions, PreviewMethod, RunHandle, RunOptions } from './server-types.ts';

export class ComfyServer extends EventEmitter<ComfyServerEvents> {
  readonly clientId: string;
  readonly http: ComfyHttp;
  readonly #socket: ComfySocket;
  readonly #log: Logger;
  readonly #previewMethod: PreviewMethod;
  readonly #connectTimeoutMs: number;
  readonly #routes = new Map<string, TrackedRun>();
  readonly #recovery: RunRecovery;
  readonly #abandoned: AbandonedPrompts;
  readonly #features: ServerFeatures;
  #queueRemaining: number | null = null;
  /** The prompt running on the server right now, as far as our messages tell. */
  #executing: string | null = null;
  #closed = false;
  readonly #detachCheckMs: number;
  readonly #clock: Clock;
  /**
   * Frames received on the socket, counted. The detach check compares counts, not
   * times: a reply within the same millisecond as the POST must still count as news.
   */
  #framesSeen = 0;
  #detachCheck: CancelTimer | null = null;

  constructor(options: ComfyServerOptions) {
    super();
    this.clientId = options.clientId ?? randomUUID();
    // The base without credentials labels every line this server logs.
    this.#log = (options.logger ?? silentLogger()).child({ comfy: createEndpoint(options.url).base });
    this.#previewMethod = options.previewMethod ?? COMFY_DEFAULTS.previewMethod;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? COMFY_DEFAULTS.connectTimeoutMs;
    this.#clock = options.clock ?? systemClock;
    this.http = new ComfyHttp({
      baseUrl: options.url,
      logger: this.#log,
      clock: this.#clock,
      ...definedOnly({
        headers: options.headers,
        auth: options.auth,
        label: options.label,
        timeoutMs: options.requestTimeoutMs,
        transferTimeoutMs: options.transferTimeoutMs,
        dispatcher: options.dispatcher,
      }),
    });
    this.#socket = new ComfySocket({
      endpoint: this.http.endpoint,
      clientId: this.clientId,
      logger: this.#log,
      clock: this.#clock,
      ...definedOnly({
        minDelayMs: options.minDelayMs,
        maxDelayMs: options.maxDelayMs,
        pingIntervalMs: options.pingIntervalMs,
        pongTimeoutMs: options.pongTimeoutMs,
      }),
      handshakeTimeoutMs: this.#connectTimeoutMs,
    });
    this.#features = new ServerFeatures(this.http, this.#log);
    this.#recovery = new RunRecovery({
      http: this.http,
      features: this.#features,
      routes: this.#routes,
      log: this.#log,
      clock: this.#clock,
      pollIntervalMs: options.pollIntervalMs ?? COMFY_DEFAULTS.pollIntervalMs,
      resyncIntervalMs: options.resyncIntervalMs ?? COMFY_DEFAULTS.resyncIntervalMs,
      resubmit: (run) => this.#post(run),
      setExecuting: (promptId) => {
        this.#executing = promptId;
      },
      suspectDetached: () => this.#socket.reconnect('a run finished unseen on an open socket'),
    });
    this.#abandoned = new AbandonedPrompts(this.http, this.#features, this.#log);
    this.#socket.on('state', (state, previous) => this.#onSocketState(state, previous));
    this.#socket.on('message', (message) => this.#onMessage(message));
    this.#socket.on('binary', (message) => this.#onBinary(message));
    this.#detachCheckMs = options.detachCheckMs ?? COMFY_DEFAULTS.detachCheckMs;
  }

  get state(): SocketState {
    return this.#socket.state;
  }
  get host(): string {
    return this.http.host;
  }
  /** Last `queue_remaining` the server broadcast; null before the first status. */
  get queueRemaining(): number | null {
    return this.#queueRemaining;
  }
  /** Runs submitted through this instance that have not settled yet. */
  get inFlight(): number {
    return new Set(this.#routes.values()).size;
  }

  /** Opens the socket; rejects with ComfyUnavailableError after connectTimeoutMs. Keeps retrying in the background until close(). */
  async connect(): Promise<void> {
    if (this.#closed) throw new ComfyUnavailableError(this.http.label, 'the client was closed');
    await this.#socket.waitReady(this.#connectTimeoutMs);
  }

  /** Closes the socket and stops all timers; runs still in flight reject with ComfyUnavailableError. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#recovery.stop();
    this.#detachCheck?.();
    this.#detachCheck = null;
    await this.#socket.close();
    for (const run of new Set(this.#routes.values())) run.fail(new ComfyUnavailableError(this.http.label, 'the client was closed'));
    this.#routes.clear();
  }

  /**
   * Gives up on every run in flight (they reject with ComfyUnavailableError) while
   * the connection keeps retrying: for a server gone so long that its jobs should run
   * elsewhere. New runs are still accepted once it is back; the abandoned prompts it
   * may still hold are taken off it then (AbandonedPrompts).
   */
  abandonInFlight(reason: string): number {
    const runs = [...new Set(this.#routes.values())];
    this.#routes.clear();
    this.#abandoned.add(runs.flatMap((run) => run.promptIds));
    for (const run of runs) run.fail(new ComfyUnavailableError(this.http.label, reason));
    if (runs.length > 0) this.#log.warn({ runs: runs.length, reason }, 'comfy runs abandoned');
    return runs.length;
  }

  /** Takes prompts given up on by abandonInFlight off the server, if it still holds them (it answers again). */
  cleanAbandoned(): Promise<void> {
    return this.#abandoned.clean();
  }

  /** Submits a graph and follows it to the end. See RunHandle. */
  run(graph: ApiGraph, options: RunOptions = {}): RunHandle {
    const run = new TrackedRun(randomUUID(), graph, options.onEvent ?? (() => undefined), this.#log);
    run.previewMethod = options.previewMethod ?? this.#previewMethod;
    const accepted = this.#submit(run, options.signal);
    accepted.catch(() => undefined);
    return {
      get promptId() {
        return run.promptId;
      },
      accepted,
      done: run.done,
    };
  }

  /**
   * Follows a prompt submitted earlier (by this client id, e.g. before the bot
   * restarted): history and queue are read at once, so a prompt that finished
   * meanwhile completes, one still queued or running is tracked, and one the server
   * lost is submitted again once from `graph`.
   */
  resume(promptId: string, graph: ApiGraph, options: RunOptions = {}): Omit<RunHandle, 'accepted'> {
    const run = new TrackedRun(promptId, graph, options.onEvent ?? (() => undefined), this.#log);
    run.previewMethod = options.previewMethod ?? this.#previewMethod;
    run.accepted();
    this.#routes.set(promptId, run);
    if (options.signal) {
      const signal = options.signal;
      const onAbort = (): void => this.#requestCancel(run);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      void run.done.catch(() => undefined).finally(() => signal.removeEventListener('abort', onAbort));
    }
    this.#log.info({ promptId }, 'comfy prompt resumed');
    this.#recovery.resyncSoon();
    return {
      get promptId() {
        return run.promptId;
      },
      done: run.done,
    };
  }

  async #submit(run: TrackedRun, signal: AbortSignal | undefined): Promise<PromptAccepted> {
    try {
      if (signal?.aborted) throw new ComfyCancelledError(run.promptId, 'before-submit');
      if (signal) {
        const onAbort = (): void => this.#requestCancel(run);
        signal.addEventListener('abort', onAbort, { once: true });
        void run.done.catch(() => undefined).finally(() => signal.removeEventListener('abort', onAbort));
      }
      await this.connect();
      if (run.cancelRequested) throw new ComfyCancelledError(run.promptId, 'before-submit');
      const generation = this.#socket.generation;
      const accepted = await this.#post(run);
      // A reconnect during the POST may have eaten the first messages of this prompt.
      if (generation !== this.#socket.generation) this.#recovery.resyncSoon();
      return accepted;
    } catch (error) {
      run.fail(error);
      throw error;
    }
  }

  /** Registers the route, then POSTs; used for the first submission and the resubmission. */
  async #post(run: TrackedRun): Promise<PromptAccepted> {
    this.#routes.set(run.promptId, run);
    const framesBefore = this.#framesSeen;
    try {
      const accepted = await this.http.postPrompt({
        prompt: run.graph,
        client_id: this.clientId,
        prompt_id: run.promptId,
        extra_data: { preview_method: run.previewMethod },
      });
      run.accepted();
      this.#log.info({ promptId: run.promptId, number: accepted.number }, 'comfy prompt queued');
      this.#armDetachCheck(framesBefore);
      if (run.cancelRequested) await this.#cancelOnServer(run);
      else this.#recovery.refreshQueuePositions();
      return accepted;
    } catch (error) {
      this.#routes.delete(run.promptId);
      throw error;
    }
  }

  /** `framesBefore`: the frame count read just before the POST went out. */
  #armDetachCheck(framesBefore: number): void {
    if (this.#detachCheckMs <= 0 || this.#detachCheck !== null) return;
    this.#detachCheck = this.#clock.after(this.#detachCheckMs, () => {
      this.#detachCheck = null;
      if (this.#framesSeen === framesBefore) this.#socket.reconnect('no status broadcast after POST /prompt');
    });
  }

  #requestCancel(run: TrackedRun): void {
    if (run.settled || run.cancelRequested) return;
    run.cancelRequested = true;
    // Not posted yet: #submit / #post act on the flag once they can.
    if (run.posted) void this.#cancelOnServer(run);
  }

  /** Pending → deleted from the queue; running → interrupted by prompt id. Then `done` rejects. */
  async #cancelOnServer(run: TrackedRun): Promise<void> {
    const promptId = run.promptId;
    const phase = await cancelOnServer(this.http, this.#features, promptId, run.phase === 'running', this.#log);
    this.#routes.delete(promptId);
    run.fail(new ComfyCancelledError(promptId, phase));
  }

  #onSocketState(state: SocketState, previous: SocketState): void {
    if (state === 'ready') {
      if (previous === 'reconnecting') this.#features.forget();
      this.#recovery.socketUp(previous === 'reconnecting');
      void this.cleanAbandoned();
    }
    else if (state === 'reconnecting' && previous === 'ready') this.#recovery.socketDown();
    this.emit('state', state, previous);
  }

  #runFor(promptId: string | null): TrackedRun | undefined {
    return this.#routes.get(promptId ?? this.#executing ?? '');
  }

  #onMessage(received: ComfyMessage): void {
    this.#framesSeen += 1;
    // A node's exception text reaches users: this server's credentials are cut out first.
    const message: ComfyMessage =
      received.type === 'execution_error' ? { ...received, exceptionMessage: this.http.scrub(received.exceptionMessage) } : received;
    switch (message.type) {
      case 'status':
        this.#queueRemaining = message.queueRemaining;
        this.emit('queue', message.queueRemaining);
        this.#recovery.refreshQueuePositions();
        return;
      case 'execution_start':
        this.#executing = message.promptId;
        break;
      case 'executing':
        if (message.promptId !== null) this.#executing = message.node === null ? null : message.promptId;
        break;
      case 'feature_flags':
        this.#features.setFlags(message.flags);
        return;
      case 'unknown':
      case 'malformed':
        return;
      default:
        break;
    }
    const promptId = 'promptId' in message ? message.promptId : null;
    const run = this.#runFor(promptId);
    if (run === undefined || run.settled) return;
    if (run.handle(message)) void this.#recovery.finish(run);
  }

  /** Previews without a prompt id (legacy type 1) and progress text belong to whatever runs now. */
  #onBinary(message: ComfyBinaryMessage): void {
    this.#framesSeen += 1;
    const promptId = message.type === 'preview' ? message.promptId : null;
    this.#runFor(promptId)?.handleBinary(message);
  }

  /** Refused before sending (ComfyUploadTooLargeError) when the server's `max_upload_size` flag says it is too large. */
  async uploadImage(data: Buffer | Blob, filename: string, options: { subfolder?: string; overwrite?: boolean } = {}): Promise<UploadedImage> {
    return this.http.uploadImage(data, filename, { ...options, maxUploadBytes: await this.#features.maxUploadSize() });
  }
  /** At most `maxBytes` (default COMFY_DEFAULTS.maxViewBytes); more is ComfyFileTooLargeError. */
  view(image: OutputImage, signal?: AbortSignal, maxBytes?: number): Promise<Buffer> {
    return this.http.view(image, signal, maxBytes);
  }
  objectInfo(classType?: string): Promise<Record<string, unknown>> {
    return this.http.objectInfo(classType);
  }
  /** Deprecated node classes the server rewrites before validating (newer servers; `{}` otherwise). */
  nodeReplacements(): Promise<Record<string, string>> {
    return this.http.nodeReplacements();
  }
  systemStats(): Promise<SystemStats> {
    return this.http.systemStats();
  }
  getQueue(): Promise<QueueSnapshot> {
    return this.http.queue();
  }
  /** Interrupts `promptId` if it is running, or whatever runs when omitted (any client's!). */
  interrupt(promptId?: string): Promise<void> {
    return this.http.interrupt(promptId);
  }
}

/** Drops undefined values, for options typed with exactOptionalPropertyTypes. */
function definedOnly<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

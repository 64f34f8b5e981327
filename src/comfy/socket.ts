import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { systemClock, type CancelTimer, type Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { retryDelay } from '../retry.ts';
import { COMFY_DEFAULTS } from './defaults.ts';
import { silentLogger } from '../log.ts';
import { describeNetworkError } from '../network-errors.ts';
import type { ComfyEndpoint } from './endpoint.ts';
import { ComfyUnavailableError } from './errors.ts';
import { parseBinaryMessage, parseTextMessage, type ComfyBinaryMessage, type ComfyMessage } from './messages.ts';

/**
 * The one WebSocket to a ComfyUI server. It owns the connection lifecycle:
 * `idle → connecting → ready ⇄ reconnecting → closed`, exponential backoff with
 * jitter, and a ping/pong heartbeat. ComfyUI sends nothing while it loads a model
 * for minutes, so silence is normal; an unanswered ping is not.
 *
 * Reconnects only ever start from the old socket's 'close' event, so the old
 * socket is gone before the new one opens with the same clientId (the server
 * drops the clientId's route when an old socket closes late, docs/comfy-protocol.md).
 */

export type SocketState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'closed';

export interface ComfySocketOptions {
  endpoint: ComfyEndpoint;
  clientId: string;
  /** First reconnect delay; doubles per failed attempt, with jitter. @default COMFY_DEFAULTS.minDelayMs (500) */
  minDelayMs?: number;
  /** Cap of the reconnect delay. @default COMFY_DEFAULTS.maxDelayMs (30000) */
  maxDelayMs?: number;
  /** WebSocket opening handshake timeout. @default COMFY_DEFAULTS.connectTimeoutMs (10000) */
  handshakeTimeoutMs?: number;
  /** Ping the server this often. @default COMFY_DEFAULTS.pingIntervalMs (15000) */
  pingIntervalMs?: number;
  /** Terminate and reconnect when a ping gets no pong (or any frame) within this. @default COMFY_DEFAULTS.pongTimeoutMs (10000) */
  pongTimeoutMs?: number;
  logger?: Logger;
  /** Every wait (backoff, heartbeat, deadlines) is asked of this. Default: the system clock. */
  clock?: Clock;
}

export interface ComfySocketEvents {
  state: [state: SocketState, previous: SocketState];
  message: [message: ComfyMessage];
  binary: [message: ComfyBinaryMessage];
  /** A socket opened and the feature flags went out; `generation` counts opens. */
  open: [info: { generation: number; reconnect: boolean }];
  close: [info: { code: number; reason: string }];
}

const FEATURE_FLAGS = JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } });

export class ComfySocket extends EventEmitter<ComfySocketEvents> {
  readonly clientId: string;
  readonly #endpoint: ComfyEndpoint;
  readonly #log: Logger;
  readonly #minDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #handshakeTimeoutMs: number;
  readonly #pingIntervalMs: number;
  readonly #pongTimeoutMs: number;
  readonly #clock: Clock;

  #state: SocketState = 'idle';
  #ws: WebSocket | null = null;
  #failures = 0;
  #generation = 0;
  #lastError: string | null = null;
  #reconnectTimer: CancelTimer | null = null;
  #pingTimer: CancelTimer | null = null;
  #pongTimer: CancelTimer | null = null;

  constructor(options: ComfySocketOptions) {
    super();
    this.#endpoint = options.endpoint;
    this.clientId = options.clientId;
    this.#log = options.logger ?? silentLogger();
    this.#minDelayMs = options.minDelayMs ?? COMFY_DEFAULTS.minDelayMs;
    this.#maxDelayMs = options.maxDelayMs ?? COMFY_DEFAULTS.maxDelayMs;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? COMFY_DEFAULTS.connectTimeoutMs;
    this.#pingIntervalMs = options.pingIntervalMs ?? COMFY_DEFAULTS.pingIntervalMs;
    this.#pongTimeoutMs = options.pongTimeoutMs ?? COMFY_DEFAULTS.pongTimeoutMs;
    this.#clock = options.clock ?? systemClock;
  }

  get state(): SocketState {
    return this.#state;
  }

  /** Increments every time a socket opens; lets callers notice a reconnect they slept through. */
  get generation(): number {
    return this.#generation;
  }

  /** Why the last attempt failed, safe to show (no URL, no headers). */
  get lastError(): string | null {
    return this.#lastError;
  }

  /** Starts connecting (idempotent); keeps reconnecting until close(). */
  start(): void {
    if (this.#state === 'idle') this.#open();
  }

  /**
   * Resolves once ready. Rejects with ComfyUnavailableError after `timeoutMs`, on
   * close(), or at once when the very first connection attempt failed: a server that
   * was never reached is reported now, not after the timeout. A socket that was up
   * before gets the whole timeout to come back.
   */
  waitReady(timeoutMs: number): Promise<void> {
    if (this.#state === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const fail = (detail: string): void => {
        cleanup();
        reject(new ComfyUnavailableError(this.#endpoint.label, detail, { context: { clientId: this.clientId } }));
      };
      const neverReached = (): boolean => this.#generation === 0 && this.#lastError !== null;
      const onState = (state: SocketState): void => {
        if (state === 'ready') {
          cleanup();
          resolve();
        } else if (state === 'closed') {
          fail('the connection was closed');
        } else if (state === 'reconnecting' && neverReached()) {
          fail(this.#lastError ?? 'connection failed');
        }
      };
      const cancelTimer = this.#clock.after(timeoutMs, () => fail(this.#lastError ?? `no WebSocket connection within ${timeoutMs} ms`));
      const cleanup = (): void => {
        cancelTimer();
        this.off('state', onState);
      };
      this.on('state', onState);
      if (this.#state === 'closed') fail('the connection was closed');
      else if (this.#state === 'reconnecting' && neverReached()) fail(this.#lastError ?? 'connection failed');
      else this.start();
    });
  }

  /**
   * Drops a socket that is open but no longer trusted (the server stopped routing
   * to it) and reconnects with the same clientId, old socket first.
   */
  reconnect(reason: string): void {
    const ws = this.#ws;
    if (this.#state !== 'ready' || ws === null) return;
    this.#log.warn({ host: this.#endpoint.host, reason }, 'comfy socket: forcing a reconnect');
    this.#lastError = reason;
    ws.terminate();
  }

  /** Closes for good: no reconnect after this. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#setState('closed');
    this.#clearTimers();
    const ws = this.#ws;
    this.#ws = null;
    if (ws === null || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const cancelForce = this.#clock.after(1_000, () => ws.terminate());
      ws.once('close', () => {
        cancelForce();
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'client closing');
    });
  }

  #setState(state: SocketState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#emitSafely('state', state, previous);
  }

  /** A throwing listener is a bug elsewhere; it must not kill the connection. */
  #emitSafely<K extends keyof ComfySocketEvents>(event: K, ...args: ComfySocketEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: ComfySocketEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      this.#log.error({ err: error, event }, 'comfy socket listener threw');
    }
  }

  #open(): void {
    if (this.#state === 'closed') return;
    this.#setState(this.#generation === 0 && this.#failures === 0 ? 'connecting' : 'reconnecting');
    const ws = new WebSocket(this.#endpoint.socketUrl(this.clientId), {
      headers: { ...this.#endpoint.headers },
      handshakeTimeout: this.#handshakeTimeoutMs,
    });
    this.#ws = ws;
    ws.on('open', () => this.#onOpen(ws));
    ws.on('message', (data, isBinary) => this.#onMessage(ws, data, isBinary));
    ws.on('pong', () => this.#clearPongTimer());
    ws.on('error', (error) => {
      this.#lastError = describeSocketError(error);
      this.#log.debug({ host: this.#endpoint.host, err: this.#lastError }, 'comfy socket error');
    });
    ws.on('close', (code, reason) => this.#onClose(ws, code, reason.toString('utf8')));
  }

  #onOpen(ws: WebSocket): void {
    if (ws !== this.#ws) return;
    // Flags belong to the socket and only count as its first message.
    ws.send(FEATURE_FLAGS);
    const reconnect = this.#generation > 0;
    this.#generation += 1;
    this.#failures = 0;
    this.#lastError = null;
    this.#startHeartbeat(ws);
    this.#log.info({ host: this.#endpoint.host, clientId: this.clientId, reconnect }, 'comfy socket connected');
    this.#setState('ready');
    this.#emitSafely('open', { generation: this.#generation, reconnect });
  }

  #onMessage(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    if (ws !== this.#ws) return;
    this.#clearPongTimer(); // any frame proves the peer is alive
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      const message = parseBinaryMessage(buffer);
      if (message.type === 'malformed') this.#log.debug({ reason: message.reason }, 'comfy socket: malformed binary frame');
      else this.#emitSafely('binary', message);
      return;
    }
    const message = parseTextMessage(buffer.toString('utf8'));
    if (message.type === 'malformed') this.#log.debug({ reason: message.reason }, 'comfy socket: malformed text frame');
    else this.#emitSafely('message', message);
  }

  #onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.#ws) return;
    this.#ws = null;
    this.#stopHeartbeat();
    if (this.#state === 'closed') return;
    if (this.#state === 'ready') {
      this.#log.warn({ host: this.#endpoint.host, code, reason }, 'comfy socket disconnected');
      this.#emitSafely('close', { code, reason });
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    this.#failures += 1;
    const delayMs = retryDelay({ baseMs: this.#minDelayMs, maxMs: this.#maxDelayMs, jitter: 0.5 }, this.#failures);
    this.#setState('reconnecting');
    this.#log.info({ host: this.#endpoint.host, attempt: this.#failures, delayMs, lastError: this.#lastError }, 'comfy socket reconnecting');
    this.#reconnectTimer = this.#clock.after(delayMs, () => {
      this.#reconnectTimer = null;
      this.#open();
    });
  }

  #startHeartbeat(ws: WebSocket): void {
    this.#stopHeartbeat();
    this.#pingTimer = this.#clock.every(this.#pingIntervalMs, () => {
      if (this.#pongTimer !== null || ws.readyState !== WebSocket.OPEN) return;
      this.#pongTimer = this.#clock.after(this.#pongTimeoutMs, () => {
        this.#pongTimer = null;
        this.#log.warn({ host: this.#endpoint.host, pongTimeoutMs: this.#pongTimeoutMs }, 'comfy socket: no pong, terminating');
        this.#lastError = 'heartbeat timed out';
        ws.terminate();
      });
      ws.ping();
    });
  }

  #clearPongTimer(): void {
    this.#pongTimer?.();
    this.#pongTimer = null;
  }

  #stopHeartbeat(): void {
    this.#pingTimer?.();
    this.#pingTimer = null;
    this.#clearPongTimer();
  }

  #clearTimers(): void {
    this.#stopHeartbeat();
    this.#reconnectTimer?.();
    this.#reconnectTimer = null;
  }
}

function describeSocketError(error: Error): string {
  const status = /Unexpected server response: (\d+)/.exec(error.message)?.[1];
  if (status !== undefined) return `the WebSocket upgrade was answered with HTTP ${status}`;
  if (error.message.includes('Opening handshake has timed out')) return 'the WebSocket handshake timed out';
  return describeNetworkError(error);
}

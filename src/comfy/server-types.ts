import type { Dispatcher } from 'undici';
import type { RunEvent, RunResult } from '../jobs/run-events.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { EndpointOptions } from './endpoint.ts';
import type { PromptAccepted } from './http.ts';
import type { SocketState } from './socket.ts';

/** What ComfyServer takes and gives: its options, a run's handle, its events. */

export type PreviewMethod = 'auto' | 'latent2rgb' | 'taesd' | 'none' | 'default';

export interface ComfyServerOptions extends EndpointOptions {
  /** Base URL, http(s), may carry a path prefix. */
  url: string;
  /** Stable id for the socket and every prompt. Default: a random UUID per instance. */
  clientId?: string;
  /**
   * `extra_data.preview_method` sent with each prompt.
   * @default COMFY_DEFAULTS.previewMethod ('auto')
   */
  previewMethod?: PreviewMethod;
  logger?: Logger;
  /** Every timer and timestamp of the transport comes from this. Default: the system clock. */
  clock?: Clock;
  /**
   * connect() and run() give up waiting for the socket after this.
   * @default COMFY_DEFAULTS.connectTimeoutMs (10000)
   */
  connectTimeoutMs?: number;
  /**
   * Per HTTP request.
   * @default COMFY_DEFAULTS.requestTimeoutMs (15000)
   */
  requestTimeoutMs?: number;
  /**
   * Uploads, /view and /object_info.
   * @default COMFY_DEFAULTS.transferTimeoutMs (60000)
   */
  transferTimeoutMs?: number;
  /**
   * First reconnect delay.
   * @default COMFY_DEFAULTS.minDelayMs (500)
   */
  minDelayMs?: number;
  /**
   * Cap of the reconnect delay.
   * @default COMFY_DEFAULTS.maxDelayMs (30000)
   */
  maxDelayMs?: number;
  /**
   * Heartbeat: ping interval.
   * @default COMFY_DEFAULTS.pingIntervalMs (15000)
   */
  pingIntervalMs?: number;
  /**
   * Heartbeat: pong deadline.
   * @default COMFY_DEFAULTS.pongTimeoutMs (10000)
   */
  pongTimeoutMs?: number;
  /**
   * While the socket is down, /history is polled for in-flight runs this often.
   * @default COMFY_DEFAULTS.pollIntervalMs (2000)
   */
  pollIntervalMs?: number;
  /**
   * While connected, in-flight runs are checked against /queue and /history this often (0: never).
   * @default COMFY_DEFAULTS.resyncIntervalMs (30000)
   */
  resyncIntervalMs?: number;
  /**
   * ComfyUI broadcasts `status` to every socket when a prompt is queued. No frame
   * at all this long after a POST /prompt means the server no longer routes to our
   * socket (docs/comfy-protocol.md, "Silent detach"), so it is replaced. 0 disables.
   * @default COMFY_DEFAULTS.detachCheckMs (5000)
   */
  detachCheckMs?: number;
  dispatcher?: Dispatcher;
}

export interface RunOptions {
  onEvent?: (event: RunEvent) => void;
  signal?: AbortSignal;
  previewMethod?: PreviewMethod;
}

export interface RunHandle {
  /** The current prompt id; changes if the server lost the prompt and it was resubmitted. */
  readonly promptId: string;
  /** Resolves when POST /prompt accepted the graph; rejects with PromptValidationError & co. */
  readonly accepted: Promise<PromptAccepted>;
  /** Resolves with the outputs from /history; rejects with ComfyExecutionError, ComfyInterruptedError, ComfyCancelledError… */
  readonly done: Promise<RunResult>;
}

export interface ComfyServerEvents {
  state: [state: SocketState, previous: SocketState];
  /** `queue_remaining` from the server's status broadcasts (all clients, running + pending). */
  queue: [queueRemaining: number];
}

import type { Dispatcher } from 'undici';
import type { RunEvent, RunResult } from '../jobs/run-events.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { ComfyAuthOptions } from './endpoint.ts';
import type { PromptAccepted } from './http.ts';
import type { SocketState } from './socket.ts';

/** What ComfyServer takes and gives: its options, a run's handle, its events. */

export type PreviewMethod = 'auto' | 'latent2rgb' | 'taesd' | 'none' | 'default';

export interface ComfyServerOptions extends ComfyAuthOptions {
  /** Base URL, http(s), may carry a path prefix. */
  url: string;
  /** Stable id for the socket and every prompt. Default: a random UUID per instance. */
  clientId?: string;
  /** `extra_data.preview_method` sent with each prompt. Default 'auto'. */
  previewMethod?: PreviewMethod;
  logger?: Logger;
  /** Every timer and timestamp of the transport comes from this. Default: the system clock. */
  clock?: Clock;
  /** connect() and run() give up waiting for the socket after this. Default 10000. */
  connectTimeoutMs?: number;
  /** Per HTTP request. Default 15000. */
  requestTimeoutMs?: number;
  /** Uploads, /view and /object_info. Default 60000. */
  transferTimeoutMs?: number;
  /** Reconnect backoff bounds. Defaults 500 / 30000. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Heartbeat: ping interval and pong deadline. Defaults 15000 / 10000. */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** While the socket is down, /history is polled for in-flight runs this often. Default 2000. */
  pollIntervalMs?: number;
  /** While connected, in-flight runs are checked against /queue and /history this often (0: never). Default 30000. */
  resyncIntervalMs?: number;
  /**
   * ComfyUI broadcasts `status` to every socket when a prompt is queued. No frame
   * at all this long after a POST /prompt means the server no longer routes to our
   * socket (docs/comfy-protocol.md, "Silent detach"), so it is replaced. Default 5000; 0 disables.
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

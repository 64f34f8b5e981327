import type { Logger } from '../log.ts';
import type { RouteLimits } from './route-limits.ts';

/** Settings of a ReplyEditor; every one has a default suited to Discord's observed limits. */
export interface ReplyEditorOptions {
  /**
   * Floor between two progress edits of one message, whatever Discord would allow.
   * The pace itself is learned per route from Discord's rate-limit headers. Default 250 ms.
   */
  minIntervalMs?: number;
  /** Bot-token edits per second across all messages (interaction-webhook edits are not counted). Default 40. */
  editsPerSecond?: number;
  /** A final held longer than this by one route (429 retry_after, lasting 5xx) takes another. Default 30 000 ms. */
  maxRetryAfterMs?: number;
  /** Shared with the routes' response observers; default: a new one. */
  routeLimits?: RouteLimits;
  /** Between two preview uploads on one message. Default 4000 ms. */
  previewIntervalMs?: number;
  /** First retry delay, doubled per attempt up to retryMaxMs, with jitter. Default 500 / 30 000 ms. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Attempts for a final state before it is reported undeliverable. Default 10. */
  finalMaxAttempts?: number;
  /** Attempts for one progress state (a newer state replaces it anyway). Default 3. */
  progressMaxAttempts?: number;
  /** How long close() waits for finals. Default 15 000 ms. */
  closeTimeoutMs?: number;
  now?: () => number;
  /** 0..1, for retry jitter. */
  random?: () => number;
  logger?: Logger;
}

export interface ReplyEditorStats {
  editsSent: number;
  editsFailed: number;
  droppedSuperseded: number;
  skippedUnchanged: number;
  retries: number;
  previewsUploaded: number;
  finalsDelivered: number;
  finalsFailed: number;
  /** Finals moved to another route because Discord held them on theirs. */
  finalsRerouted: number;
}

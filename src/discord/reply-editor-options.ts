import type { Logger } from '../log.ts';

/** Settings of a ReplyEditor; every one has a default suited to Discord's observed limits. */
export interface ReplyEditorOptions {
  /** Between two progress edits of one message. Default 1500 ms. */
  minIntervalMs?: number;
  /** Sustained edits per second across all messages. Default 5. */
  editsPerSecond?: number;
  /** Edits that may start back to back. Default: editsPerSecond. */
  burst?: number;
  /** Between two preview uploads on one message. Default 4000 ms. */
  previewIntervalMs?: number;
  /** First retry delay, doubled per attempt up to retryMaxMs, with jitter. Default 1000 / 30 000 ms. */
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
}

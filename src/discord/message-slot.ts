import type { MessageView, ViewFile } from './message-view.ts';
import type { ReplySink } from './reply-target.ts';

/** Everything the reply editor knows about one message it keeps up to date. */

export interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface QueuedState {
  view: MessageView;
  final: boolean;
  waiters: Waiter[];
  attempts: number;
}

export interface MessageSlot {
  key: string;
  sink: ReplySink;
  pending: QueuedState | null;
  inFlight: QueuedState | null;
  /** A final was requested: progress states no longer apply. */
  sealed: boolean;
  lastSentAt: number;
  /** 429 / transient backoff: no edit of any kind before this. */
  retryAt: number;
  /** After refused progress edits: no progress edit before this. */
  penaltyUntil: number;
  previewDueAt: number;
  permanentFailures: number;
  deliveredFingerprint: string | null;
  attached: ViewFile[];
  lastPreviewUploadAt: number | null;
  forgetWhenIdle: boolean;
}

export function newSlot(key: string, sink: ReplySink): MessageSlot {
  return {
    key,
    sink,
    pending: null,
    inFlight: null,
    sealed: false,
    lastSentAt: Number.NEGATIVE_INFINITY,
    retryAt: 0,
    penaltyUntil: 0,
    previewDueAt: 0,
    permanentFailures: 0,
    deliveredFingerprint: null,
    attached: [],
    lastPreviewUploadAt: null,
    forgetWhenIdle: false,
  };
}

/** Resolves (error null) or rejects everyone waiting for this state, once. */
export function settle(state: QueuedState, error: Error | null): void {
  for (const waiter of state.waiters.splice(0)) {
    if (error === null) waiter.resolve();
    else waiter.reject(error);
  }
}

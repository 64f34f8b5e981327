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
  /** Tries on the current route. */
  attempts: number;
  /** When this state first failed on its current route; null while it has not. */
  failingSince: number | null;
}

/** A state nobody has tried to send yet. */
export function freshState(view: MessageView, final: boolean, waiters: Waiter[] = []): QueuedState {
  return { view, final, waiters, attempts: 0, failingSince: null };
}

export interface MessageSlot {
  key: string;
  sink: ReplySink;
  pending: QueuedState | null;
  inFlight: QueuedState | null;
  /** A final was requested: progress states no longer apply. */
  sealed: boolean;
  /** The newest progress state said the final is near: progress leaves its route's last request to it. */
  finalSoon: boolean;
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
    finalSoon: false,
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

/**
 * The slots that have a state waiting to be sent, in the order each began waiting
 * (a state replaced by a newer one keeps its place). Every write to a slot's
 * `pending` goes through `set`, so the editor can look at these alone, not at every
 * message it tracks, and knows without looking whether any final waits.
 */
export class WaitingSlots implements Iterable<MessageSlot> {
  readonly #slots = new Set<MessageSlot>();
  #finals = 0;

  get size(): number {
    return this.#slots.size;
  }

  /** How many of the waiting states are finals. */
  get finals(): number {
    return this.#finals;
  }

  set(slot: MessageSlot, state: QueuedState | null): void {
    if (slot.pending?.final === true) this.#finals -= 1;
    if (state?.final === true) this.#finals += 1;
    slot.pending = state;
    if (state === null) this.#slots.delete(slot);
    else this.#slots.add(slot);
  }

  [Symbol.iterator](): Iterator<MessageSlot> {
    return this.#slots.values();
  }
}

/** Sending order: finals before progress; then the message whose last edit is oldest (never edited first). */
export function servedFirst(a: MessageSlot, b: MessageSlot): number {
  const finalA = a.pending?.final === true;
  const finalB = b.pending?.final === true;
  if (finalA !== finalB) return finalA ? -1 : 1;
  if (a.lastSentAt === b.lastSentAt) return 0;
  return a.lastSentAt < b.lastSentAt ? -1 : 1;
}

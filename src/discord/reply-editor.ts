import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { EditBudget } from './edit-budget.ts';
import { classifyEditError, ReplyDeliveryError } from './edit-errors.ts';
import { planEdit, type EditPlan } from './edit-plan.ts';
import { RetryPolicy } from './edit-retry.ts';
import type { ReplyEditorOptions, ReplyEditorStats } from './reply-editor-options.ts';
import type { MessageView } from './message-view.ts';
import { newSlot, settle, type MessageSlot, type QueuedState } from './message-slot.ts';
import type { ReplySink } from './reply-target.ts';

export type { ReplySink } from './reply-target.ts';
export type { ReplyEditorOptions, ReplyEditorStats } from './reply-editor-options.ts';

/**
 * Keeps many Discord replies up to date without drawing 429s (shared/platform.md A2).
 * Per message: at most one edit in flight, only the newest state is kept (older ones
 * are dropped), a minimum interval between edits, previews uploaded at most every
 * `previewIntervalMs`, and edits that would change nothing skipped. Across messages:
 * one token bucket. A final state skips the per-message interval, goes first for the
 * budget, retries transient failures with backoff (a 429's retry-after respected),
 * and settles its promise only when delivered or when every route has failed.
 * After a final is requested, progress states for that message are ignored.
 */

export class ReplyEditor {
  readonly #messages = new Map<string, MessageSlot>();
  readonly #budget: EditBudget;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #retry: RetryPolicy;
  readonly #o: { minIntervalMs: number; previewIntervalMs: number; closeTimeoutMs: number };
  readonly #stats: ReplyEditorStats = {
    editsSent: 0,
    editsFailed: 0,
    droppedSuperseded: 0,
    skippedUnchanged: 0,
    retries: 0,
    previewsUploaded: 0,
    finalsDelivered: 0,
    finalsFailed: 0,
  };
  readonly #finals = new Set<Promise<void>>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #pumping = false;
  #closing: Promise<void> | null = null;
  #closed = false;

  constructor(options: ReplyEditorOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#log = options.logger ?? silentLogger();
    const rate = options.editsPerSecond ?? 5;
    this.#budget = new EditBudget({ ratePerSecond: rate, burst: options.burst ?? rate, now: this.#now });
    this.#retry = new RetryPolicy({
      baseMs: options.retryBaseMs ?? 1000,
      maxMs: options.retryMaxMs ?? 30_000,
      finalMaxAttempts: options.finalMaxAttempts ?? 10,
      progressMaxAttempts: options.progressMaxAttempts ?? 3,
      random: options.random ?? Math.random,
    });
    this.#o = {
      minIntervalMs: options.minIntervalMs ?? 1500,
      previewIntervalMs: options.previewIntervalMs ?? 4000,
      closeTimeoutMs: options.closeTimeoutMs ?? 15_000,
    };
  }

  /** Starts (or re-targets) the edits of one message. */
  track(messageKey: string, sink: ReplySink): void {
    const known = this.#messages.get(messageKey);
    if (known !== undefined) {
      known.sink = sink;
      known.forgetWhenIdle = false;
      return;
    }
    this.#messages.set(messageKey, newSlot(messageKey, sink));
  }

  /** Forgets a message once its final (if any) has settled; pending progress is dropped. */
  untrack(messageKey: string): void {
    const message = this.#messages.get(messageKey);
    if (message === undefined) return;
    if (message.pending !== null && !message.pending.final) this.#drop(message);
    message.forgetWhenIdle = true;
    this.#forgetIfIdle(message);
  }

  isTracked(messageKey: string): boolean {
    return this.#messages.has(messageKey);
  }

  /** A progress state: may be merged with later ones or dropped. */
  update(messageKey: string, view: MessageView, options?: { final?: false }): void;
  /** A final state: resolves once delivered, rejects with ReplyDeliveryError when it cannot be. */
  update(messageKey: string, view: MessageView, options: { final: true }): Promise<void>;
  update(messageKey: string, view: MessageView, options: { final?: boolean } = {}): Promise<void> | void {
    const message = this.#messages.get(messageKey);
    if (options.final !== true) {
      if (message === undefined || message.sealed || this.#closing !== null) {
        this.#stats.droppedSuperseded += 1;
        return;
      }
      if (message.pending !== null) this.#drop(message);
      message.pending = { view, final: false, waiters: [], attempts: 0 };
      message.previewDueAt = 0;
      this.#pump();
      return;
    }
    if (message === undefined || this.#closing !== null) {
      const reason = message === undefined ? 'message not tracked' : 'editor closed';
      const refused = Promise.reject(new ReplyDeliveryError(reason, { messageKey }));
      refused.catch(() => undefined);
      return refused;
    }
    const delivered = new Promise<void>((resolve, reject) => {
      const waiters = message.pending?.final === true ? message.pending.waiters : [];
      if (message.pending !== null) this.#stats.droppedSuperseded += 1;
      message.pending = { view, final: true, waiters: [...waiters, { resolve, reject }], attempts: 0 };
    });
    message.sealed = true;
    // Marked handled so a caller that forgets to await cannot crash the process; failures are logged here.
    delivered.catch(() => undefined);
    const settled = delivered.then(
      () => undefined,
      () => undefined,
    );
    this.#finals.add(settled);
    void settled.then(() => this.#finals.delete(settled));
    this.#pump();
    return delivered;
  }

  stats(): ReplyEditorStats {
    return { ...this.#stats };
  }

  /** Delivers pending finals (up to closeTimeoutMs), drops progress states, stops the timer. */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    for (const message of this.#messages.values()) {
      if (message.pending !== null && !message.pending.final) this.#drop(message);
    }
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timeout = setTimeout(() => resolve('expired'), this.#o.closeTimeoutMs);
    });
    const outcome = await Promise.race([Promise.all([...this.#finals]), expired]);
    clearTimeout(timeout);
    if (outcome === 'expired') {
      for (const message of this.#messages.values()) {
        for (const state of [message.pending, message.inFlight]) {
          if (state?.final !== true) continue;
          settle(state, new ReplyDeliveryError('editor closed before delivery', { messageKey: message.key }));
        }
        message.pending = null;
      }
    }
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #drop(message: MessageSlot): void {
    message.pending = null;
    this.#stats.droppedSuperseded += 1;
  }

  #pump(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    try {
      for (;;) {
        const now = this.#now();
        const message = this.#nextReady(now);
        if (message === null || message.pending === null) break;
        const plan = planEdit(message.pending.view, message, now, this.#o.previewIntervalMs);
        if (plan.fingerprint === message.deliveredFingerprint) {
          if (plan.previewDueAt !== null && !message.pending.final) {
            message.previewDueAt = plan.previewDueAt;
          } else {
            this.#stats.skippedUnchanged += 1;
            settle(message.pending, null);
            message.pending = null;
          }
          continue;
        }
        if (!this.#budget.tryTake()) break;
        this.#send(message, message.pending, plan, now);
      }
    } finally {
      this.#pumping = false;
    }
    this.#scheduleWake();
  }

  #notBefore(message: MessageSlot, state: QueuedState): number {
    if (state.final) return message.retryAt;
    return Math.max(message.lastSentAt + this.#o.minIntervalMs, message.retryAt, message.penaltyUntil, message.previewDueAt);
  }

  /** Finals first, then whichever message has waited longest since its last edit. */
  #nextReady(now: number): MessageSlot | null {
    let best: MessageSlot | null = null;
    for (const message of this.#messages.values()) {
      const state = message.pending;
      if (state === null || message.inFlight !== null || this.#notBefore(message, state) > now) continue;
      if (best === null || best.pending === null) {
        best = message;
        continue;
      }
      const better = state.final !== best.pending.final ? state.final : message.lastSentAt < best.lastSentAt;
      if (better) best = message;
    }
    return best;
  }

  #scheduleWake(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const now = this.#now();
    let wake = Number.POSITIVE_INFINITY;
    let waitingForBudget = false;
    for (const message of this.#messages.values()) {
      if (message.pending === null || message.inFlight !== null) continue;
      const at = this.#notBefore(message, message.pending);
      if (at <= now) waitingForBudget = true;
      else wake = Math.min(wake, at);
    }
    if (waitingForBudget) wake = Math.min(wake, this.#budget.nextAvailableAt());
    if (!Number.isFinite(wake)) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#pump();
    }, Math.max(1, Math.ceil(wake - now)));
  }

  #send(message: MessageSlot, state: QueuedState, plan: EditPlan, startedAt: number): void {
    message.pending = null;
    message.inFlight = state;
    message.lastSentAt = startedAt;
    message.previewDueAt = 0;
    state.attempts += 1;
    const sink = message.sink;
    Promise.resolve()
      .then(() => sink.edit(plan.payload))
      .then(
        () => this.#delivered(message, state, plan, startedAt),
        (error: unknown) => this.#failed(message, state, error),
      )
      .catch((bug: unknown) => this.#log.error({ err: bug, messageKey: message.key }, 'reply editor bug'))
      .finally(() => {
        message.inFlight = null;
        this.#forgetIfIdle(message);
        this.#pump();
      });
  }

  #delivered(message: MessageSlot, state: QueuedState, plan: EditPlan, startedAt: number): void {
    this.#stats.editsSent += 1;
    message.deliveredFingerprint = plan.fingerprint;
    message.attached = plan.payload.resultingFiles;
    message.permanentFailures = 0;
    message.penaltyUntil = 0;
    if (plan.uploadsPreview) {
      message.lastPreviewUploadAt = startedAt;
      this.#stats.previewsUploaded += 1;
    }
    if (state.final) {
      this.#stats.finalsDelivered += 1;
      settle(state, null);
    } else if (plan.previewDueAt !== null && message.pending === null && !message.sealed && this.#closing === null) {
      // The newest preview was held back; show it when due even if no new state arrives.
      message.pending = { view: state.view, final: false, waiters: [], attempts: 0 };
    }
  }

  #failed(message: MessageSlot, state: QueuedState, error: unknown): void {
    const failure = classifyEditError(error);
    this.#stats.editsFailed += 1;
    if (failure.kind !== 'rate_limited' && failure.kind !== 'transient') message.permanentFailures += 1;
    const decision = this.#retry.decide(failure, state.attempts, state.final, message.permanentFailures, this.#now());
    if (decision.retryAt !== null) message.retryAt = decision.retryAt;
    if (decision.penaltyUntil !== null) message.penaltyUntil = decision.penaltyUntil;
    if (decision.pauseAllUntil !== null) this.#budget.pauseUntil(decision.pauseAllUntil);
    const context = { messageKey: message.key, attempt: state.attempts, status: failure.status, code: failure.code, kind: failure.kind, final: state.final };
    if (decision.retry) {
      this.#log.warn({ ...context, err: error }, 'reply edit failed; will retry');
      this.#requeue(message, state);
    } else if (!state.final) {
      this.#log.warn({ ...context, err: error }, 'reply edit failed; progress state dropped');
    } else {
      this.#stats.finalsFailed += 1;
      this.#log.error({ ...context, err: error }, 'final reply edit failed');
      settle(state, new ReplyDeliveryError(failure.kind, context, error));
    }
  }

  #requeue(message: MessageSlot, state: QueuedState): void {
    const newer = message.pending;
    if (!state.final && this.#closing !== null) {
      this.#stats.droppedSuperseded += 1;
    } else if (newer === null) {
      message.pending = state;
      this.#stats.retries += 1;
    } else if (state.final && newer.final) {
      newer.waiters.unshift(...state.waiters);
      this.#stats.droppedSuperseded += 1;
    } else if (state.final) {
      message.pending = state;
      this.#stats.retries += 1;
      this.#stats.droppedSuperseded += 1;
    } else {
      this.#stats.droppedSuperseded += 1;
    }
  }

  #forgetIfIdle(message: MessageSlot): void {
    if (message.forgetWhenIdle && message.inFlight === null && message.pending === null) this.#messages.delete(message.key);
  }
}

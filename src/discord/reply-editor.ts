import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { EditBudget } from './edit-budget.ts';
import { classifyEditError, ReplyDeliveryError } from './edit-errors.ts';
import { planEdit, type EditPlan } from './edit-plan.ts';
import { RetryPolicy } from './edit-retry.ts';
import type { ReplyEditorOptions, ReplyEditorStats } from './reply-editor-options.ts';
import type { MessageView } from './message-view.ts';
import { newSlot, servedFirst, settle, WaitingSlots, type MessageSlot, type QueuedState } from './message-slot.ts';
import type { ReplySink } from './reply-target.ts';

export type { ReplySink } from './reply-target.ts';
export type { ReplyEditorOptions, ReplyEditorStats } from './reply-editor-options.ts';

/**
 * Keeps many Discord replies up to date without drawing 429s (shared/platform.md A2).
 * Per message: at most one edit in flight, only the newest state is kept (older ones
 * are dropped), a minimum interval between edits, previews uploaded at most every
 * `previewIntervalMs`, and edits that would change nothing skipped. Across messages:
 * one token bucket for progress edits. A final state skips the per-message interval and
 * does not wait for the budget (it is charged to it, so progress makes way), retries
 * transient failures with backoff (a 429's retry-after respected), and settles its
 * promise only when delivered or when every route has failed. After a final is
 * requested, progress states for that message are ignored.
 *
 * Cost: a burst of updates (e.g. a queue-position redraw of hundreds of messages) is
 * handled by one pass per tick, and a pass looks only at messages with a state waiting,
 * not at every message tracked.
 */

export class ReplyEditor {
  readonly #messages = new Map<string, MessageSlot>();
  readonly #waiting = new WaitingSlots();
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
  #timerAt = Number.POSITIVE_INFINITY;
  #pumpQueued = false;
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
      // Replaced in place: the message keeps its turn among those waiting.
      if (message.pending !== null) this.#stats.droppedSuperseded += 1;
      this.#setPending(message, { view, final: false, waiters: [], attempts: 0 });
      message.previewDueAt = 0;
      this.#requestPump();
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
      this.#setPending(message, { view, final: true, waiters: [...waiters, { resolve, reject }], attempts: 0 });
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
    this.#requestPump();
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
    for (const message of [...this.#waiting]) {
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
        this.#setPending(message, null);
      }
    }
    this.#closed = true;
    this.#clearTimer();
  }

  #drop(message: MessageSlot): void {
    this.#setPending(message, null);
    this.#stats.droppedSuperseded += 1;
  }

  /** Every write to `pending` goes through here, so `#waiting` holds exactly the messages with one. */
  #setPending(message: MessageSlot, state: QueuedState | null): void {
    this.#waiting.set(message, state);
  }

  /** Any number of calls in one tick make one pass, after the caller's synchronous work. */
  #requestPump(): void {
    if (this.#pumpQueued || this.#closed) return;
    this.#pumpQueued = true;
    queueMicrotask(() => this.#pump());
  }

  /**
   * One pass: sends what may go now, finals first, then whichever message has waited
   * longest since its last edit, and sets the timer for the next thing that comes due.
   */
  #pump(): void {
    this.#pumpQueued = false;
    if (this.#closed) return;
    if (this.#waiting.finals === 0 && !this.#budget.canTake()) {
      // Nothing can be sent before the budget refills, so there is nothing to look at until then:
      // with hundreds of messages waiting (a long queue), most passes end here.
      this.#armTimer(this.#waiting.size > 0 ? this.#budget.nextAvailableAt() : Number.POSITIVE_INFINITY, this.#now());
      return;
    }
    const now = this.#now();
    let wake = Number.POSITIVE_INFINITY;
    const ready: MessageSlot[] = [];
    for (const message of this.#waiting) {
      if (message.pending === null || message.inFlight !== null) continue;
      const at = this.#notBefore(message, message.pending);
      if (at > now) wake = Math.min(wake, at);
      else ready.push(message);
    }
    ready.sort(servedFirst);
    let budgetSpent = false;
    for (const message of ready) {
      const state = message.pending;
      if (state === null) continue;
      if (!state.final && budgetSpent) continue;
      const plan = planEdit(state.view, message, now, this.#o.previewIntervalMs);
      if (plan.fingerprint === message.deliveredFingerprint) {
        if (plan.previewDueAt !== null && !state.final) {
          message.previewDueAt = plan.previewDueAt;
          wake = Math.min(wake, this.#notBefore(message, state));
        } else {
          this.#stats.skippedUnchanged += 1;
          settle(state, null);
          this.#setPending(message, null);
        }
        continue;
      }
      if (state.final ? this.#budget.takeUrgent() : this.#budget.tryTake()) {
        this.#send(message, state, plan, now);
      } else if (state.final) {
        wake = Math.min(wake, this.#budget.urgentAvailableAt());
      } else {
        budgetSpent = true;
        wake = Math.min(wake, this.#budget.nextAvailableAt());
      }
    }
    this.#armTimer(wake, now);
  }

  #notBefore(message: MessageSlot, state: QueuedState): number {
    if (state.final) return message.retryAt;
    return Math.max(message.lastSentAt + this.#o.minIntervalMs, message.retryAt, message.penaltyUntil, message.previewDueAt);
  }

  /** Keeps the timer if it is already set for `wake`: a pass per tick must not churn timers. */
  #armTimer(wake: number, now: number): void {
    if (wake === this.#timerAt && this.#timer !== null) return;
    this.#clearTimer();
    if (!Number.isFinite(wake)) return;
    this.#timerAt = wake;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, Math.max(1, Math.ceil(wake - now)));
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #send(message: MessageSlot, state: QueuedState, plan: EditPlan, startedAt: number): void {
    this.#setPending(message, null);
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
        this.#requestPump();
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
      this.#setPending(message, { view: state.view, final: false, waiters: [], attempts: 0 });
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
      this.#setPending(message, state);
      this.#stats.retries += 1;
    } else if (state.final && newer.final) {
      newer.waiters.unshift(...state.waiters);
      this.#stats.droppedSuperseded += 1;
    } else if (state.final) {
      this.#setPending(message, state);
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

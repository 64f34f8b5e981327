import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { ReplyDeliveryError } from './edit-errors.ts';
import { EditFailures } from './edit-failures.ts';
import { planEdit, type EditPlan } from './edit-plan.ts';
import { RetryPolicy } from './edit-retry.ts';
import type { ReplyEditorOptions, ReplyEditorStats } from './reply-editor-options.ts';
import type { MessageView } from './message-view.ts';
import { freshState, newSlot, settle, WaitingSlots, type MessageSlot, type QueuedState } from './message-slot.ts';
import type { ReplySink, RouteRef } from './reply-target.ts';
import { RouteLimits } from './route-limits.ts';
import { routeOf, RoutePacer } from './route-pacer.ts';

export type { ReplySink } from './reply-target.ts';
export type { ReplyEditorOptions, ReplyEditorStats } from './reply-editor-options.ts';

/**
 * Keeps many Discord replies up to date, each as fast as its route allows and no faster
 * (docs/discord-limits.md, "Rate limits"). Per message: at most one edit in flight, only the newest
 * state kept (older ones are dropped), edits that would change nothing skipped,
 * previews uploaded at most every `previewIntervalMs`. When each edit may start is
 * decided by RoutePacer (route-pacer.ts, through EditGates): the route's own limits as
 * Discord's headers describe them, and, for bot-token routes only, the bot's share of
 * the global limit. What a failed edit leads to is EditFailures' (edit-failures.ts). A final state
 * goes before any progress, skips the per-message interval and the even spread of the
 * route's window, retries transient failures, and when Discord holds it (a 429 longer
 * than `maxRetryAfterMs`, 5xx for longer than that) it leaves the route for the next
 * one (ReplySink.fallBack). It settles its promise only when delivered or when every
 * route has failed. Once a final is requested, progress for that message is ignored,
 * so no progress edit can be sent after it.
 *
 * Cost: a burst of updates (e.g. a queue-position redraw of hundreds of messages) is
 * handled by one pass per tick, and a pass looks only at messages with a state waiting,
 * not at every message tracked, and reads the clock once.
 */

export class ReplyEditor {
  readonly #messages = new Map<string, MessageSlot>();
  readonly #waiting = new WaitingSlots();
  readonly #pacer: RoutePacer;
  readonly #failures: EditFailures;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #o: { previewIntervalMs: number; closeTimeoutMs: number };
  readonly #stats: ReplyEditorStats = {
    editsSent: 0,
    editsFailed: 0,
    droppedSuperseded: 0,
    skippedUnchanged: 0,
    retries: 0,
    previewsUploaded: 0,
    finalsDelivered: 0,
    finalsFailed: 0,
    finalsRerouted: 0,
  };
  readonly #finals = new Set<Promise<void>>();
  #pumpQueued = false;
  #closing: Promise<void> | null = null;
  #closed = false;

  constructor(options: ReplyEditorOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#log = options.logger ?? silentLogger();
    this.#pacer = new RoutePacer({
      limits: options.routeLimits ?? new RouteLimits({ now: this.#now }),
      editsPerSecond: options.editsPerSecond ?? 40,
      minIntervalMs: options.minIntervalMs ?? 250,
      onDue: () => this.#pump(),
    });
    const retry = new RetryPolicy({
      baseMs: options.retryBaseMs ?? 500,
      maxMs: options.retryMaxMs ?? 30_000,
      finalMaxAttempts: options.finalMaxAttempts ?? 10,
      progressMaxAttempts: options.progressMaxAttempts ?? 3,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
      random: options.random ?? Math.random,
    });
    this.#failures = new EditFailures({
      retry,
      pacer: this.#pacer,
      stats: this.#stats,
      log: this.#log,
      now: this.#now,
      setPending: (message, state) => this.#setPending(message, state),
      closing: () => this.#closing !== null,
    });
    this.#o = {
      previewIntervalMs: options.previewIntervalMs ?? 4000,
      closeTimeoutMs: options.closeTimeoutMs ?? 15_000,
    };
  }

  /** What Discord's headers said about each route; the routes' response observers write to it. */
  get routeLimits(): RouteLimits {
    return this.#pacer.limits;
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

  /**
   * A progress state: may be merged with later ones or dropped. `finalSoon`: the job is
   * about to end (its last sampler second, collecting its images), so its route's last
   * request in a window is kept for the final (RouteLimits.progressReadyAt).
   */
  update(messageKey: string, view: MessageView, options?: { final?: false; finalSoon?: boolean }): void;
  /** A final state: resolves once delivered, rejects with ReplyDeliveryError when it cannot be. */
  update(messageKey: string, view: MessageView, options: { final: true }): Promise<void>;
  update(messageKey: string, view: MessageView, options: { final?: boolean; finalSoon?: boolean } = {}): Promise<void> | void {
    const message = this.#messages.get(messageKey);
    if (options.final !== true) {
      if (message === undefined || message.sealed || this.#closing !== null) {
        this.#stats.droppedSuperseded += 1;
        return;
      }
      // Replaced in place: the message keeps its turn among those waiting.
      if (message.pending !== null) this.#stats.droppedSuperseded += 1;
      this.#setPending(message, freshState(view, false));
      message.previewDueAt = 0;
      message.finalSoon = options.finalSoon === true;
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
      this.#setPending(message, freshState(view, true, [...waiters, { resolve, reject }]));
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
    this.#pacer.stop();
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
   * longest since its last edit; the pacer's timer wakes the next pass.
   */
  #pump(): void {
    this.#pumpQueued = false;
    if (this.#closed) return;
    const now = this.#now();
    const ready = this.#pacer.due(this.#waiting, now, (message, state) => this.#failures.avoidHeldRoute(message, state, now));
    for (const message of ready) {
      const state = message.pending;
      if (state === null) continue;
      const plan = planEdit(state.view, message, now, this.#o.previewIntervalMs);
      if (plan.fingerprint === message.deliveredFingerprint) {
        if (plan.previewDueAt !== null && !state.final) {
          message.previewDueAt = plan.previewDueAt;
          this.#pacer.waitFor(message, state, now);
        } else {
          this.#stats.skippedUnchanged += 1;
          settle(state, null);
          this.#setPending(message, null);
        }
        continue;
      }
      const route = routeOf(message);
      if (this.#pacer.budgetAllows(route, state.final, now)) this.#send(message, state, plan, route, now);
    }
    this.#pacer.arm(now);
  }

  #send(message: MessageSlot, state: QueuedState, plan: EditPlan, route: RouteRef, startedAt: number): void {
    this.#setPending(message, null);
    message.inFlight = state;
    message.lastSentAt = startedAt;
    message.previewDueAt = 0;
    state.attempts += 1;
    this.#pacer.started(route, startedAt);
    const sink = message.sink;
    Promise.resolve()
      .then(() => sink.edit(plan.payload))
      .then(
        () => this.#delivered(message, state, plan, startedAt),
        (error: unknown) => this.#failures.failed(message, state, route, error),
      )
      .catch((bug: unknown) => this.#log.error({ err: bug, messageKey: message.key }, 'reply editor bug'))
      .finally(() => {
        this.#pacer.finished(route);
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
      this.#setPending(message, freshState(state.view, false));
    }
  }

  #forgetIfIdle(message: MessageSlot): void {
    if (!message.forgetWhenIdle || message.inFlight !== null || message.pending !== null) return;
    this.#messages.delete(message.key);
    const route = routeOf(message);
    // A webhook route belongs to this message alone; a channel's is shared with others in it.
    if (!route.botToken) this.#pacer.limits.forget(route.key);
  }
}

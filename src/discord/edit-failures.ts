import type { Logger } from '../log.ts';
import { classifyEditError, ReplyDeliveryError } from './edit-errors.ts';
import type { RetryPolicy } from './edit-retry.ts';
import { settle, type MessageSlot, type QueuedState } from './message-slot.ts';
import type { ReplyEditorStats } from './reply-editor-options.ts';
import type { RouteRef } from './reply-target.ts';
import { routeOf, type RoutePacer } from './route-pacer.ts';

export interface EditFailuresOptions {
  retry: RetryPolicy;
  pacer: RoutePacer;
  stats: ReplyEditorStats;
  log: Logger;
  now: () => number;
  /** The reply editor's one writer of `pending`. */
  setPending: (message: MessageSlot, state: QueuedState | null) => void;
  /** close() was called: progress is no longer retried. */
  closing: () => boolean;
}

/**
 * What the reply editor does when Discord refuses or holds an edit: the retry policy
 * decides (edit-retry.ts), the route is held as a 429 said, a final Discord holds
 * leaves its route for the next (ReplySink.fallBack), and a state worth another try
 * goes back in line unless a newer one has taken its place. A final is settled here
 * only when no route is left or the failure is permanent.
 */
export class EditFailures {
  readonly #o: EditFailuresOptions;

  constructor(options: EditFailuresOptions) {
    this.#o = options;
  }

  failed(message: MessageSlot, state: QueuedState, route: RouteRef, error: unknown): void {
    const { retry, stats, log } = this.#o;
    const failure = classifyEditError(error);
    const now = this.#o.now();
    stats.editsFailed += 1;
    if (failure.kind !== 'rate_limited' && failure.kind !== 'transient') message.permanentFailures += 1;
    state.failingSince ??= now;
    const decision = retry.decide(failure, {
      attempts: state.attempts,
      final: state.final,
      refusals: message.permanentFailures,
      failingSince: state.failingSince,
      now,
    });
    this.#o.pacer.refused(route, failure, decision, now);
    if (decision.retryAt !== null) message.retryAt = decision.retryAt;
    if (decision.penaltyUntil !== null) message.penaltyUntil = decision.penaltyUntil;
    const context = { messageKey: message.key, attempt: state.attempts, status: failure.status, code: failure.code, kind: failure.kind, final: state.final };
    const stranded = decision.fallBack && !this.#fallBack(message, state, failure.kind);
    if (stranded && (failure.kind !== 'transient' || state.attempts >= retry.finalMaxAttempts)) {
      stats.finalsFailed += 1;
      log.error({ ...context, err: error }, 'final reply held by Discord and no other route is left');
      settle(state, new ReplyDeliveryError(`${failure.kind}; no other route`, context, error));
    } else if (decision.retry) {
      // A 5xx with no other route: keep trying this one, with backoff, up to the attempt cap.
      if (stranded) message.retryAt = now + retry.backoff(state.attempts);
      log.warn({ ...context, err: error }, 'reply edit failed; will retry');
      this.#requeue(message, state);
    } else if (!state.final) {
      log.warn({ ...context, err: error }, 'reply edit failed; progress state dropped');
    } else {
      stats.finalsFailed += 1;
      log.error({ ...context, err: error }, 'final reply edit failed');
      settle(state, new ReplyDeliveryError(failure.kind, context, error));
    }
  }

  /**
   * A final whose route Discord holds for longer than `maxRetryAfterMs` (a progress edit
   * drew a long 429) does not wait for it: it takes the next route before its first try.
   * False when there is none: the final is then failed now rather than held.
   */
  avoidHeldRoute(message: MessageSlot, state: QueuedState, now: number): boolean {
    const limits = this.#o.pacer.limits;
    for (;;) {
      const route = routeOf(message);
      if (limits.heldUntil(route.key) - now <= this.#o.retry.maxRetryAfterMs) return true;
      if (this.#fallBack(message, state, 'route held')) continue;
      this.#o.stats.finalsFailed += 1;
      const context = { messageKey: message.key, final: true, heldForMs: limits.heldUntil(route.key) - now };
      this.#o.log.error(context, 'final reply held by Discord and no other route is left');
      settle(state, new ReplyDeliveryError('route held; no other route', context));
      this.#o.setPending(message, null);
      return false;
    }
  }

  /** Moves a held final to the message's next route; false when there is none. */
  #fallBack(message: MessageSlot, state: QueuedState, reason: string): boolean {
    const moved = message.sink.fallBack?.(reason) ?? false;
    if (!moved) return false;
    this.#o.stats.finalsRerouted += 1;
    this.#o.log.warn({ messageKey: message.key, reason, route: routeOf(message).key }, 'final reply held by Discord; trying another route');
    state.attempts = 0;
    state.failingSince = null;
    message.retryAt = 0;
    return true;
  }

  #requeue(message: MessageSlot, state: QueuedState): void {
    const { stats } = this.#o;
    const newer = message.pending;
    if (!state.final && this.#o.closing()) {
      stats.droppedSuperseded += 1;
    } else if (newer === null) {
      this.#o.setPending(message, state);
      stats.retries += 1;
    } else if (state.final && newer.final) {
      newer.waiters.unshift(...state.waiters);
      stats.droppedSuperseded += 1;
    } else if (state.final) {
      this.#o.setPending(message, state);
      stats.retries += 1;
      stats.droppedSuperseded += 1;
    } else {
      stats.droppedSuperseded += 1;
    }
  }
}

import type { EditBudget } from './edit-budget.ts';
import type { EditFailure } from './edit-errors.ts';
import type { RetryDecision } from './edit-retry.ts';
import type { MessageSlot, QueuedState } from './message-slot.ts';
import type { RouteRef } from './reply-target.ts';
import type { RouteLimits } from './route-limits.ts';

export interface EditGatesOptions {
  limits: RouteLimits;
  budget: EditBudget;
  /** Floor between two progress edits of one message, whatever Discord would allow. */
  minIntervalMs: number;
}

/**
 * When an edit may start: the one place that combines what holds it back. Per message:
 * a retry wait, a refusal penalty, the preview schedule and a floor between progress
 * edits. Per route: the limits Discord's headers described (spread evenly for progress,
 * the last one kept for a final once it is near; any request left for a final). Across the bot: the global share, for bot-token routes
 * only (Discord does not count interaction webhooks against it).
 */
export class EditGates {
  readonly limits: RouteLimits;
  readonly #budget: EditBudget;
  readonly #minIntervalMs: number;

  constructor(options: EditGatesOptions) {
    this.limits = options.limits;
    this.#budget = options.budget;
    this.#minIntervalMs = options.minIntervalMs;
  }

  /** Earliest start for the message's waiting state, before the global share is asked. */
  messageReadyAt(message: MessageSlot, state: QueuedState, route: RouteRef, now: number): number {
    if (state.final) return Math.max(message.retryAt, this.limits.finalReadyAt(route.key, now));
    return Math.max(
      message.lastSentAt + this.#minIntervalMs,
      message.retryAt,
      message.penaltyUntil,
      message.previewDueAt,
      this.limits.progressReadyAt(route.key, now, message.finalSoon),
    );
  }

  /** When the global share lets an edit on `route` start (now for interaction webhooks). */
  budgetAt(route: RouteRef, final: boolean, now: number): number {
    return route.botToken ? this.#budget.availableAt(final, now) : now;
  }

  started(route: RouteRef, now: number): void {
    this.limits.started(route.key, now);
    if (route.botToken) this.#budget.take(now);
  }

  finished(route: RouteRef): void {
    this.limits.finished(route.key);
  }

  /** A refused edit: a 429 holds its route (or, global, every bot-token route). */
  refused(route: RouteRef, failure: EditFailure, decision: RetryDecision, now: number): void {
    if (failure.kind !== 'rate_limited') return;
    if (failure.global) {
      if (decision.pauseAllUntil !== null) this.#budget.pauseUntil(decision.pauseAllUntil);
      return;
    }
    this.limits.hold(route.key, now + failure.retryAfterMs);
  }
}

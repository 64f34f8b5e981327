import { EditBudget } from './edit-budget.ts';
import type { EditFailure } from './edit-errors.ts';
import { EditGates } from './edit-gates.ts';
import type { RetryDecision } from './edit-retry.ts';
import { servedFirst, type MessageSlot, type QueuedState } from './message-slot.ts';
import type { RouteRef } from './reply-target.ts';
import type { RouteLimits } from './route-limits.ts';

export interface RoutePacerOptions {
  /** What Discord's headers said about each route (shared with the routes' response observers). */
  limits: RouteLimits;
  /** Bot-token edits per second across all messages. */
  editsPerSecond: number;
  /** Floor between two progress edits of one message. */
  minIntervalMs: number;
  /** The timer fired: something has come due, the editor makes its next pass. */
  onDue: () => void;
}

/**
 * When each reply's next edit may go, and the one timer that wakes the reply editor
 * for the next that comes due. The limits themselves are EditGates' (per message, per
 * route from Discord's headers, the global share for bot-token routes); this keeps
 * a pass over the waiting messages cheap: `due` returns those that may go now, finals
 * first and then whichever has waited longest since its last edit, and remembers the
 * earliest time one of the others may; `arm` sets the timer for it once per pass, and
 * keeps a timer already set for that time (a pass per tick must not churn timers).
 */
export class RoutePacer {
  readonly #gates: EditGates;
  readonly #onDue: () => void;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerAt = Number.POSITIVE_INFINITY;
  /** The earliest time something seen in this pass comes due. */
  #wake = Number.POSITIVE_INFINITY;

  constructor(options: RoutePacerOptions) {
    this.#gates = new EditGates({
      limits: options.limits,
      budget: new EditBudget({ perSecond: options.editsPerSecond }),
      minIntervalMs: options.minIntervalMs,
    });
    this.#onDue = options.onDue;
  }

  get limits(): RouteLimits {
    return this.#gates.limits;
  }

  /**
   * Starts a pass: the messages whose waiting state may go now, in the order they are
   * served. `admitFinal` may refuse a final (it has left, or failed on, a held route).
   */
  due(waiting: Iterable<MessageSlot>, now: number, admitFinal: (message: MessageSlot, state: QueuedState) => boolean): MessageSlot[] {
    this.#wake = Number.POSITIVE_INFINITY;
    const ready: MessageSlot[] = [];
    for (const message of waiting) {
      const state = message.pending;
      if (state === null || message.inFlight !== null) continue;
      if (state.final && !admitFinal(message, state)) continue;
      const at = this.#gates.messageReadyAt(message, state, routeOf(message), now);
      if (at > now) this.#later(at);
      else ready.push(message);
    }
    return ready.sort(servedFirst);
  }

  /** The message waits for something of its own (a held-back preview): wake the pass when it may go. */
  waitFor(message: MessageSlot, state: QueuedState, now: number): void {
    this.#later(this.#gates.messageReadyAt(message, state, routeOf(message), now));
  }

  /** Whether the bot's global share lets an edit on `route` start now; if not, the pass wakes when it does. */
  budgetAllows(route: RouteRef, final: boolean, now: number): boolean {
    const at = this.#gates.budgetAt(route, final, now);
    if (at <= now) return true;
    this.#later(at);
    return false;
  }

  /** Ends a pass: the timer is set for the earliest time something seen in it comes due. */
  arm(now: number): void {
    const wake = this.#wake;
    if (wake === this.#timerAt && this.#timer !== null) return;
    this.stop();
    if (!Number.isFinite(wake)) return;
    this.#timerAt = wake;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#onDue();
    }, Math.max(1, Math.ceil(wake - now)));
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  started(route: RouteRef, now: number): void {
    this.#gates.started(route, now);
  }

  finished(route: RouteRef): void {
    this.#gates.finished(route);
  }

  refused(route: RouteRef, failure: EditFailure, decision: RetryDecision, now: number): void {
    this.#gates.refused(route, failure, decision, now);
  }

  #later(at: number): void {
    this.#wake = Math.min(this.#wake, at);
  }
}

/** A sink that names no route is one bot-token route of its own (the cautious reading). */
export function routeOf(message: MessageSlot): RouteRef {
  return message.sink.nextRoute?.() ?? { key: message.key, botToken: true };
}

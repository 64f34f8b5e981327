import type { StandinReply } from './api-errors.ts';
import type { AuthorizationKind } from './request-log.ts';

/** What a fault matcher sees of a request. */
export interface MatchableRequest {
  method: string;
  /** Decoded route without `/api/vN`, e.g. `/webhooks/1/tok/messages/@original`. */
  route: string;
  query: Record<string, string>;
  authorization: AuthorizationKind;
  /** The JSON body (or multipart `payload_json`), so a fault can pick e.g. only a bot's final edits. */
  json: unknown;
}

/** A function, or a method and/or route (exact string or RegExp) that must all match. */
export type RequestMatcher = ((request: MatchableRequest) => boolean) | { method?: string; route?: string | RegExp };

interface PendingFault {
  matches: (request: MatchableRequest) => boolean;
  reply: StandinReply;
  remaining: number;
}

/** Canned answers that replace the next N matching requests, checked before any route. */
export class FaultInjector {
  readonly #pending: PendingFault[] = [];

  add(matcher: RequestMatcher, reply: StandinReply, times: number): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be a positive integer, got ${times}`);
    this.#pending.push({ matches: toPredicate(matcher), reply, remaining: times });
  }

  /** The reply for this request if a fault claims it (using up one of its times). */
  take(request: MatchableRequest): StandinReply | null {
    const index = this.#pending.findIndex((fault) => fault.matches(request));
    const fault = this.#pending[index];
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.#pending.splice(index, 1);
    return fault.reply;
  }

  get pending(): number {
    return this.#pending.reduce((sum, fault) => sum + fault.remaining, 0);
  }
}

function toPredicate(matcher: RequestMatcher): (request: MatchableRequest) => boolean {
  if (typeof matcher === 'function') return matcher;
  return (request) => {
    if (matcher.method !== undefined && matcher.method.toUpperCase() !== request.method) return false;
    if (matcher.route === undefined) return true;
    return typeof matcher.route === 'string' ? matcher.route === request.route : matcher.route.test(request.route);
  };
}

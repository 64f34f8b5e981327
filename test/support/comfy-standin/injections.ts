import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { headerEchoBody, type EchoStyle } from './header-echo.ts';

/**
 * Fault hooks for benchmarks and robustness tests: canned HTTP answers that replace
 * the real route for the next N matching requests, with any status, content type and
 * body (garbage JSON, HTML error pages, truncated bytes). Not part of ComfyUI's
 * behaviour; nothing here runs unless a test asks for it.
 */

export interface InjectedResponse {
  status: number;
  /** Sent as is; a string is UTF-8. */
  body: string | Buffer;
  /** Default `application/json; charset=utf-8`. */
  contentType?: string;
  /** Instead of `body`: an error page repeating the request's headers in this style (see header-echo.ts). */
  echoHeaders?: EchoStyle;
}

export interface InjectionMatcher {
  /** GET, POST…; any method when omitted. */
  method?: string;
  /** The route without path prefix and `/api`, e.g. `/history/<id>` (exact) or a RegExp. */
  route: string | RegExp;
}

interface Pending {
  matcher: InjectionMatcher;
  response: InjectedResponse;
  remaining: number;
}

export class ResponseInjector {
  readonly #pending: Pending[] = [];

  add(matcher: InjectionMatcher, response: InjectedResponse, times: number): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be a positive integer, got ${times}`);
    this.#pending.push({ matcher, response, remaining: times });
  }

  /** The canned answer for this request, if one claims it (using up one of its times). */
  take(method: string, route: string): InjectedResponse | null {
    const index = this.#pending.findIndex(({ matcher }) => {
      if (matcher.method !== undefined && matcher.method.toUpperCase() !== method.toUpperCase()) return false;
      return typeof matcher.route === 'string' ? matcher.route === route : matcher.route.test(route);
    });
    const found = this.#pending[index];
    if (found === undefined) return null;
    found.remaining -= 1;
    if (found.remaining === 0) this.#pending.splice(index, 1);
    return found.response;
  }

  get pending(): number {
    return this.#pending.reduce((sum, entry) => sum + entry.remaining, 0);
  }

  clear(): void {
    this.#pending.length = 0;
  }
}

export function sendInjected(
  res: ServerResponse,
  response: InjectedResponse,
  request: { method: string; path: string; headers: IncomingHttpHeaders },
): void {
  const echo = response.echoHeaders === undefined ? null : headerEchoBody(response.status, request, response.echoHeaders);
  const text = echo?.body ?? response.body;
  const body = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const contentType = echo?.contentType ?? response.contentType ?? 'application/json; charset=utf-8';
  res.writeHead(response.status, { 'Content-Type': contentType, 'Content-Length': body.length });
  res.end(body);
}

import type { IncomingHttpHeaders } from 'node:http';
import { pyJson } from './py-json.ts';

/**
 * Error bodies that repeat the request's headers back, as reverse proxies' debug
 * pages, misconfigured gateways and some custom nodes do. Not ComfyUI behaviour: a
 * fault mode for tests of what the bot lets out of the process. Every style carries
 * the headers in a different encoding (plain lines, HTML-escaped, Python json.dumps),
 * so a redactor that only knows the raw form fails on some of them.
 */

export type EchoStyle = 'text' | 'html' | 'json';

function headerPairs(headers: IncomingHttpHeaders): Array<[string, string]> {
  return Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/** The body and content type of an error page that echoes `headers`. */
export function headerEchoBody(
  status: number,
  request: { method: string; path: string; headers: IncomingHttpHeaders },
  style: EchoStyle,
): { body: string; contentType: string } {
  const reason = REASONS[status] ?? 'Error';
  const pairs = headerPairs(request.headers);
  switch (style) {
    case 'text':
      return {
        contentType: 'text/plain; charset=utf-8',
        body: [`${status} ${reason}`, `upstream failed for ${request.method} ${request.path}`, 'request headers:', ...pairs.map(([n, v]) => `${n}: ${v}`)].join('\n'),
      };
    case 'html':
      return {
        contentType: 'text/html; charset=utf-8',
        body: [
          `<html><head><title>${status} ${reason}</title></head><body>`,
          `<h1>${status} ${reason}</h1><p>${escapeHtml(request.method)} ${escapeHtml(request.path)}</p><table>`,
          ...pairs.map(([n, v]) => `<tr><th>${escapeHtml(n)}</th><td>${escapeHtml(v)}</td></tr>`),
          '</table><hr><address>debug-proxy/1.0</address></body></html>',
        ].join('\n'),
      };
    case 'json':
      return {
        contentType: 'application/json; charset=utf-8',
        body: pyJson({ error: reason, status, request: { method: request.method, path: request.path, headers: Object.fromEntries(pairs) } }),
      };
  }
}

/** An `execution_error` message as a custom node that logs its upstream call would raise it: Python repr of the headers. */
export function headerEchoException(headers: IncomingHttpHeaders): string {
  const repr = headerPairs(headers)
    .map(([n, v]) => `'${n}': '${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`)
    .join(', ');
  return `upstream call failed with HTTP 401; request headers were {${repr}}`;
}

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { parseJson } from './http-util.ts';
import { boundaryOf, parseMultipart, type MultipartFile } from './multipart.ts';

/** Who may talk to the stand-in, and the record of every request that reached it. */

export interface RecordedRequest {
  method: string;
  /** The path as received, prefix and `/api` included. */
  path: string;
  /** The ComfyUI route it hit: prefix and `/api` removed (`/prompt`, `/history/abc`). */
  route: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  json?: unknown;
  multipart?: { fields: Record<string, string>; files: MultipartFile[] };
}

export interface Refusal {
  status: 401 | 403;
  text: string;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\./.test(hostname);
}

/**
 * A reverse proxy's header check (ComfyUI itself has no auth), then ComfyUI's own
 * origin_only_middleware: on a loopback Host, an Origin naming another host is 403.
 * Newer servers (middleware/origin_middleware.py) also answer 403 to any request a
 * browser marks `Sec-Fetch-Site: cross-site`.
 */
export function refusal(req: IncomingMessage, auth: { header: string; value: string } | undefined, newer = false): Refusal | null {
  if (auth !== undefined && req.headers[auth.header.toLowerCase()] !== auth.value) return { status: 401, text: '401: Unauthorized' };
  if (newer && req.headers['sec-fetch-site'] === 'cross-site') return { status: 403, text: '403: Forbidden' };
  const { origin, host } = req.headers;
  if (origin === undefined || host === undefined) return null;
  let originUrl: URL;
  let hostUrl: URL;
  try {
    originUrl = new URL(origin);
    hostUrl = new URL(`http://${host}`);
  } catch {
    return null;
  }
  const hostDomain = originUrl.port === '' ? hostUrl.hostname : host.toLowerCase();
  const originDomain = hostUrl.port === '' ? originUrl.hostname : originUrl.host.toLowerCase();
  if (isLoopback(hostUrl.hostname) && hostDomain !== '' && originDomain !== '' && hostDomain !== originDomain) {
    return { status: 403, text: '' };
  }
  return null;
}

export function recordRequest(req: IncomingMessage, url: URL, route: string, body: Buffer): RecordedRequest {
  const record: RecordedRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    route,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
  };
  const boundary = boundaryOf(req.headers['content-type']);
  if (boundary !== null) {
    const form = parseMultipart(body, boundary);
    if (form !== null) record.multipart = form;
  } else if (body.length > 0) {
    const parsed = parseJson(body);
    if (parsed !== undefined) record.json = parsed.value;
  }
  return record;
}

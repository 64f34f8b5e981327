import type { IncomingMessage, ServerResponse } from 'node:http';
import { pyJson } from './py-json.ts';

/** aiohttp's response shapes: JSON via json.dumps, empty bodies as octet-stream, plain-text error pages. */

export const MAX_UPLOAD_BYTES = 104857600;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = pyJson(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Type': 'application/octet-stream', 'Content-Length': 0 });
  res.end();
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendBytes(res: ServerResponse, contentType: string, data: Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': data.length, ...headers });
  res.end(data);
}

/** What aiohttp answers when a handler raises. */
export function sendServerError(res: ServerResponse): void {
  sendText(res, 500, '500 Internal Server Error\n\nServer got itself in trouble');
}

export class BodyTooLarge extends Error {}

export async function readBody(req: IncomingMessage, limit = MAX_UPLOAD_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > limit) throw new BodyTooLarge(`Maximum request body size ${limit} exceeded`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** `await request.json()`: undefined when the body is not JSON (the caller decides: 500 or `{}`). */
export function parseJson(body: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(body.toString('utf8')) };
  } catch {
    return undefined;
  }
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.ts';
import { systemClock, type Clock } from '../../src/clock.ts';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface TinyHttp {
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A loopback HTTP server whose handler sees each request with its whole body. */
export async function startHttp(
  handler: (request: RecordedRequest, response: ServerResponse) => void,
): Promise<TinyHttp & { server: Server }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(recorded);
      handler(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A real pino logger writing JSON lines into memory. */
export function capturedLogger(level = 'debug'): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level, destination });
  const text = (): string => chunks.join('');
  const lines = (): Array<Record<string, unknown>> =>
    text()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, text };
}

/** Resolves when `predicate` holds, polling each 10 ms; rejects after `timeoutMs`. For state that has no event. */
export async function eventually(predicate: () => boolean, timeoutMs = 3_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Collects RunEvents and lets a test await the one it needs. */
export function eventRecorder<E extends { type: string }>() {
  const events: E[] = [];
  const waiters: Array<{ predicate: (event: E) => boolean; resolve: (event: E) => void }> = [];
  const onEvent = (event: E): void => {
    events.push(event);
    for (const waiter of [...waiters]) {
      if (!waiter.predicate(event)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  };
  const next = (predicate: (event: E) => boolean, timeoutMs = 3_000, what = 'event'): Promise<E> => {
    const seen = events.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms; saw ${events.map((e) => e.type).join(',')}`)), timeoutMs);
      waiters.push({
        predicate,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      });
    });
  };
  const types = (): string[] => events.map((event) => event.type);
  return { events, onEvent, next, types };
}

/** The system clock, recording each wait asked of it as "after <ms>" / "every <ms>". */
export function recordingClock(): Clock & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    now: () => systemClock.now(),
    after(ms, run) {
      asked.push(`after ${ms}`);
      return systemClock.after(ms, run);
    },
    every(ms, run) {
      asked.push(`every ${ms}`);
      return systemClock.every(ms, run);
    },
  };
}

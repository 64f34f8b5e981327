import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { createEndpoint } from '../../src/comfy/endpoint.ts';
import { ComfyUnavailableError } from '../../src/comfy/errors.ts';
import type { ComfyBinaryMessage, ComfyMessage } from '../../src/comfy/messages.ts';
import { encodePreviewWithMetadataFrame } from '../../src/comfy/messages.ts';
import { ComfySocket, type SocketState } from '../../src/comfy/socket.ts';
import { capturedLogger, closedPort, eventually, recordingClock } from './helpers.ts';

interface Connection {
  socket: WebSocket;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  received: string[];
}

/** A loopback ws server recording connections, their first messages and the order of opens and closes. */
async function startWsServer(options: { autoPong?: boolean } = {}) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: options.autoPong ?? true });
  await once(wss, 'listening');
  const connections: Connection[] = [];
  const timeline: string[] = [];
  wss.on('connection', (socket, request) => {
    const connection: Connection = { socket, url: request.url ?? '', headers: request.headers, received: [] };
    const index = connections.push(connection);
    timeline.push(`open#${index}`);
    socket.on('message', (data) => connection.received.push((data as Buffer).toString('utf8')));
    socket.on('close', () => timeline.push(`close#${index}`));
  });
  const port = (wss.address() as AddressInfo).port;
  const nextConnection = async (count: number, timeoutMs = 3_000): Promise<Connection> => {
    const deadline = Date.now() + timeoutMs;
    while (connections.length < count) {
      if (Date.now() > deadline) throw new Error(`no connection #${count} within ${timeoutMs} ms`);
      await once(wss, 'connection');
    }
    return connections[count - 1] as Connection;
  };
  const close = async (): Promise<void> => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
  return { wss, port, connections, timeline, nextConnection, close };
}

function waitForState(socket: ComfySocket, state: SocketState, timeoutMs = 3_000): Promise<void> {
  if (socket.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`state ${state} not reached, still ${socket.state}`)), timeoutMs);
    const onState = (next: SocketState): void => {
      if (next !== state) return;
      clearTimeout(timer);
      socket.off('state', onState);
      resolve();
    };
    socket.on('state', onState);
  });
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function track<T extends { close(): Promise<void> }>(thing: T): T {
  cleanups.push(() => thing.close());
  return thing;
}

describe('ComfySocket', () => {
  it('connects below the prefix with clientId and headers, and sends feature_flags first', async () => {
    const server = track(await startWsServer());
    const endpoint = createEndpoint(`http://127.0.0.1:${server.port}/comfy`, { headers: { 'x-api-key': 'k' }, auth: { username: 'u', password: 'p' } });
    const socket = track(new ComfySocket({ endpoint, clientId: 'client-42' }));
    const states: SocketState[] = [socket.state];
    socket.on('state', (state) => states.push(state));
    await socket.waitReady(2_000);
    const connection = await server.nextConnection(1);
    await new Promise((resolve) => connection.socket.once('message', resolve));
    expect(connection.url).toBe('/comfy/ws?clientId=client-42');
    expect(connection.headers['x-api-key']).toBe('k');
    expect(connection.headers['authorization']).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(JSON.parse(connection.received[0] ?? '')).toEqual({ type: 'feature_flags', data: { supports_preview_metadata: true } });
    expect(states).toEqual(['idle', 'connecting', 'ready']);
  });

  it('parses text and binary frames and survives malformed ones', async () => {
    const server = track(await startWsServer());
    const log = capturedLogger();
    const socket = track(new ComfySocket({ endpoint: createEndpoint(`http://127.0.0.1:${server.port}`), clientId: 'c', logger: log.logger }));
    const messages: ComfyMessage[] = [];
    const binaries: ComfyBinaryMessage[] = [];
    socket.on('message', (message) => messages.push(message));
    socket.on('binary', (message) => binaries.push(message));
    await socket.waitReady(2_000);
    const { socket: peer } = await server.nextConnection(1);
    peer.send('not json');
    peer.send(Buffer.from([0, 0, 0, 4, 0, 0, 1, 0]), { binary: true }); // metadata longer than the frame
    peer.send(encodePreviewWithMetadataFrame(Buffer.from('jpeg'), { prompt_id: 'p1', node_id: '3', image_type: 'image/jpeg' }), { binary: true });
    peer.send(JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: 2 } }, sid: 'c' } }));
    await new Promise((resolve) => socket.once('message', resolve));
    expect(messages).toEqual([{ type: 'status', queueRemaining: 2, sid: 'c' }]);
    expect(binaries).toHaveLength(1);
    expect(binaries[0]).toMatchObject({ type: 'preview', promptId: 'p1', nodeId: '3', mime: 'image/jpeg' });
    expect(log.lines().filter((line) => String(line['msg']).includes('malformed'))).toHaveLength(2);
    expect(socket.state).toBe('ready');
  });

  it('reconnects with the same clientId after the server drops it, only after the old socket is closed', async () => {
    const server = track(await startWsServer());
    const log = capturedLogger();
    const socket = track(
      new ComfySocket({ endpoint: createEndpoint(`http://127.0.0.1:${server.port}`), clientId: 'same', minDelayMs: 20, maxDelayMs: 50, logger: log.logger }),
    );
    await socket.waitReady(2_000);
    (await server.nextConnection(1)).socket.terminate();
    await waitForState(socket, 'reconnecting');
    await waitForState(socket, 'ready');
    const second = await server.nextConnection(2);
    await new Promise((resolve) => (second.received.length > 0 ? resolve(undefined) : second.socket.once('message', resolve)));
    expect(second.url).toBe('/ws?clientId=same');
    expect(second.received[0]).toContain('feature_flags');
    expect(server.timeline).toEqual(['open#1', 'close#1', 'open#2']);
    expect(socket.generation).toBe(2);
    const messages = log.lines().map((line) => line['msg']);
    expect(messages).toEqual(expect.arrayContaining(['comfy socket connected', 'comfy socket disconnected', 'comfy socket reconnecting']));
  });

  it('terminates a socket whose pings go unanswered and reconnects', async () => {
    const server = track(await startWsServer({ autoPong: false }));
    const log = capturedLogger();
    const socket = track(
      new ComfySocket({
        endpoint: createEndpoint(`http://127.0.0.1:${server.port}`),
        clientId: 'hb',
        pingIntervalMs: 50,
        pongTimeoutMs: 80,
        minDelayMs: 20,
        logger: log.logger,
      }),
    );
    await socket.waitReady(2_000);
    await server.nextConnection(2, 3_000);
    expect(server.timeline.slice(0, 3)).toEqual(['open#1', 'close#1', 'open#2']);
    expect(log.lines().some((line) => line['msg'] === 'comfy socket: no pong, terminating')).toBe(true);
  });

  it('takes every wait from the injected clock: heartbeat, pong deadline and reconnect backoff', async () => {
    const server = track(await startWsServer({ autoPong: false }));
    const clock = recordingClock();
    const socket = track(
      new ComfySocket({
        endpoint: createEndpoint(`http://127.0.0.1:${server.port}`),
        clientId: 'clocked',
        pingIntervalMs: 40,
        pongTimeoutMs: 60,
        minDelayMs: 20,
        maxDelayMs: 20,
        clock,
      }),
    );
    await socket.waitReady(2_000);
    await server.nextConnection(2, 3_000);
    expect(clock.asked).toEqual(expect.arrayContaining(['after 2000', 'every 40', 'after 60']));
    // the reconnect waited 10-20 ms (half the 20 ms base plus jitter), asked of the clock
    const backoff = clock.asked.filter((ask) => ask.startsWith('after ')).map((ask) => Number(ask.slice(6))).filter((ms) => ms <= 20);
    expect(backoff.length).toBeGreaterThan(0);
    expect(backoff.every((ms) => ms >= 10)).toBe(true);
  });

  it('keeps a silent socket whose pings are answered', async () => {
    const server = track(await startWsServer());
    const socket = track(
      new ComfySocket({ endpoint: createEndpoint(`http://127.0.0.1:${server.port}`), clientId: 'quiet', pingIntervalMs: 30, pongTimeoutMs: 60 }),
    );
    await socket.waitReady(2_000);
    await new Promise((resolve) => setTimeout(resolve, 400)); // many heartbeat periods with no message at all
    expect(server.connections).toHaveLength(1);
    expect(socket.state).toBe('ready');
  });

  it('rejects waitReady at once when the server was never reached, keeps backing off, and stops on close', async () => {
    const port = await closedPort();
    const log = capturedLogger();
    const socket = new ComfySocket({ endpoint: createEndpoint(`http://127.0.0.1:${port}`), clientId: 'down', minDelayMs: 40, maxDelayMs: 100, logger: log.logger });
    const started = Date.now();
    const error = await socket.waitReady(5_000).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(ComfyUnavailableError);
    expect((error as ComfyUnavailableError).userMessage).toBe(`ComfyUI at 127.0.0.1:${port} is not reachable (connection refused).`);
    const attempts = () => log.lines().filter((line) => line['msg'] === 'comfy socket reconnecting');
    await eventually(() => attempts().length >= 4, 3_000, 'four reconnect attempts');
    for (const [index, line] of attempts().entries()) {
      const base = Math.min(100, 40 * 2 ** index);
      expect(line['attempt']).toBe(index + 1);
      expect(line['delayMs']).toBeGreaterThanOrEqual(base / 2);
      expect(line['delayMs']).toBeLessThanOrEqual(base);
    }
    await socket.close();
    expect(socket.state).toBe('closed');
    const count = log.lines().length;
    await new Promise((resolve) => setTimeout(resolve, 250)); // absence of further attempts
    expect(log.lines().length).toBe(count);
  });

  it('gives a socket that was up the whole timeout to come back', async () => {
    const server = await startWsServer();
    const port = server.port;
    const socket = track(new ComfySocket({ endpoint: createEndpoint(`http://127.0.0.1:${port}`), clientId: 'back', minDelayMs: 20, maxDelayMs: 40 }));
    await socket.waitReady(2_000);
    await server.close();
    await waitForState(socket, 'reconnecting');
    const waiting = socket.waitReady(3_000);
    await new Promise((resolve) => setTimeout(resolve, 150)); // several failed attempts while it is down
    const again = new WebSocketServer({ port, host: '127.0.0.1' });
    cleanups.push(() => new Promise<void>((resolve) => again.close(() => resolve())));
    await waiting;
    expect(socket.state).toBe('ready');
    for (const client of again.clients) client.terminate();
  });
});

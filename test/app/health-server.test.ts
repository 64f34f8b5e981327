import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BotMetrics } from '../../src/app/bot-metrics.ts';
import { HealthServer, type HealthServerLimits } from '../../src/app/health-server.ts';
import type { HealthSources } from '../../src/app/health-report.ts';
import { silentLogger } from '../../src/log.ts';

/**
 * The health server on its own, on a real loopback port: what it answers besides the
 * two pages, and the bounds on a client that is slow or never leaves.
 */

const healthy: HealthSources = {
  discordConnected: () => true,
  checkStoreWritable: () => undefined,
  servers: () => [{ name: 'gpu-1', unhealthy: null }],
};

const metrics = new BotMetrics({
  pendingJobs: () => [],
  waitingCount: () => 0,
  servers: () => [{ name: 'gpu-1', healthy: true, busy: false }],
  editsSent: () => 0,
  socketReconnects: () => new Map([['gpu-1', 0]]),
});

let server: HealthServer | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close();
  server = null;
});

async function startServer(limits: Partial<HealthServerLimits> = {}, health: HealthSources = healthy): Promise<string> {
  server = await HealthServer.start({ host: '127.0.0.1', port: 0, health, metrics, logger: silentLogger(), limits });
  return `http://127.0.0.1:${server.address.port}`;
}

/** A raw TCP client; resolves with everything the server sent once it closed the connection, and when. */
function rawClient(port: number, send: string): { closed: Promise<{ text: string; at: number }> } {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  socket.on('error', () => undefined);
  socket.write(send);
  return { closed: new Promise((resolve) => socket.on('close', () => resolve({ text, at: Date.now() }))) };
}

describe('HealthServer', () => {
  it('serves GET and HEAD of /healthz and /metrics only: 404 for another path, 405 for another method', async () => {
    const base = await startServer();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz?verbose=1`)).status).toBe(200);
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${base}/`)).status).toBe(404);
    const post = await fetch(`${base}/healthz`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('a failed check answers 503 with its reason', async () => {
    const base = await startServer({}, {
      ...healthy,
      checkStoreWritable: () => {
        throw new Error('disk I/O error');
      },
    });
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ ok: false, checks: { discord: true, store: false, comfy: true }, reasons: ['store: not writable (disk I/O error)'] });
  });

  it('a client that never finishes its headers is answered 408 and cut off within the headers timeout', async () => {
    const base = await startServer({ headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 100 });
    const started = Date.now();
    const { closed } = rawClient(Number(new URL(base).port), 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const { text, at } = await closed;
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(at - started).toBeGreaterThanOrEqual(250);
    expect(at - started).toBeLessThan(3000);
  });

  it('an idle kept-alive connection is closed after the keep-alive timeout', async () => {
    const base = await startServer({ keepAliveTimeoutMs: 300 });
    const started = Date.now();
    const { closed } = rawClient(Number(new URL(base).port), 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const { text, at } = await closed;
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(at - started).toBeLessThan(3000);
  });

  it('close() ends open connections at once and the port then refuses', async () => {
    const base = await startServer({ keepAliveTimeoutMs: 60_000 });
    const port = Number(new URL(base).port);
    const { closed } = rawClient(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await server!.close();
    server = null;
    await closed;
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(fetch(base)).rejects.toThrow();
  });

  it('a port already taken is an error at start', async () => {
    const base = await startServer();
    const port = Number(new URL(base).port);
    await expect(HealthServer.start({ host: '127.0.0.1', port, health: healthy, metrics, logger: silentLogger() })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sqlite } from '../../src/store/sqlite.ts';
import { standinUser } from '../support/discord-standin/fixtures.ts';
import { tooManyRequests } from '../support/discord-standin/rate-limiter.ts';
import { listeningSockets, newListeners } from '../support/listening-sockets.ts';
import { BotHarness, WAIT_MS, type HarnessOptions } from './harness.ts';

/**
 * Issue 10, item 8: with HTTP_PORT set the bot serves /healthz and /metrics, and they
 * are read here as a monitor would, by HTTP GET on the port the bot reports, while the
 * bot runs against the ComfyUI and Discord stand-ins.
 */

let harness: BotHarness | null = null;
afterEach(async () => {
  await harness?.stop();
  harness = null;
});

async function start(options: HarnessOptions = {}): Promise<BotHarness> {
  harness = await BotHarness.start({ ...options, env: { HTTP_PORT: '0', ...options.env } });
  return harness;
}

function baseUrl(h: BotHarness): string {
  const http = h.bot.http;
  if (http === null) throw new Error('the bot serves no HTTP');
  return `http://127.0.0.1:${http.port}`;
}

interface Health {
  status: number;
  body: { ok: boolean; checks: Record<string, boolean>; reasons: string[] };
  text: string;
}

async function healthz(h: BotHarness): Promise<Health> {
  const response = await fetch(`${baseUrl(h)}/healthz`, { signal: AbortSignal.timeout(WAIT_MS) });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Health['body'], text };
}

async function metricsText(h: BotHarness): Promise<string> {
  const response = await fetch(`${baseUrl(h)}/metrics`, { signal: AbortSignal.timeout(WAIT_MS) });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one sample (`name{labels} value`), undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] === undefined || match[2] === '' ? [] : match[2].split(',');
    if (have.length === wanted.length && wanted.every((pair) => have.includes(pair))) return Number(match[3]);
  }
  return undefined;
}

/** Polls `read` until `accept` holds (bounded by WAIT_MS); returns the last value read. */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${WAIT_MS} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

function serverName(h: BotHarness): string {
  return new URL(h.comfy.url).host;
}

describe('/healthz and /metrics (HTTP_PORT)', () => {
  it('HTTP_PORT unset: the bot opens no port of its own and reports no HTTP address', async () => {
    harness = await BotHarness.start({ deferStart: true });
    const before = listeningSockets();
    const bot = await harness.startBot();
    expect(bot.http).toBeNull();
    expect(newListeners(before)).toEqual([]);
  });

  it('HTTP_PORT set: one listener on 127.0.0.1; /healthz 200 with every check; a delivered job moves the job counters and histograms; stop closes the port', async () => {
    harness = await BotHarness.start({ deferStart: true, env: { HTTP_PORT: '0' } });
    const h = harness;
    const before = listeningSockets();
    const bot = await h.startBot();
    expect(newListeners(before)).toEqual([expect.objectContaining({ address: '127.0.0.1', port: bot.http?.port })]);

    const health = await healthz(h);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ ok: true, checks: { discord: true, store: true, comfy: true }, reasons: [] });

    const idle = await metricsText(h);
    expect(sample(idle, 'comfycord_jobs_finished_total', { state: 'done' })).toBe(0);
    expect(sample(idle, 'comfycord_jobs', { state: 'queued' })).toBe(0);
    expect(sample(idle, 'comfycord_queue_length')).toBe(0);
    expect(sample(idle, 'comfycord_server_healthy', { server: serverName(h) })).toBe(1);
    expect(sample(idle, 'comfycord_server_busy', { server: serverName(h) })).toBe(0);

    const raw = await h.imagine('a lighthouse at dusk');
    expect(JSON.stringify((await h.waitForFinal(raw)).json)).toContain('✅');
    const after = await eventually(() => metricsText(h), (text) => sample(text, 'comfycord_delivery_latency_seconds_count') === 1);
    expect(sample(after, 'comfycord_jobs_finished_total', { state: 'done' })).toBe(1);
    expect(sample(after, 'comfycord_jobs_finished_total', { state: 'failed' })).toBe(0);
    expect(sample(after, 'comfycord_job_duration_seconds_count', { state: 'done' })).toBe(1);
    expect(sample(after, 'comfycord_job_duration_seconds_bucket', { state: 'done', le: '+Inf' })).toBe(1);
    expect(sample(after, 'comfycord_delivery_latency_seconds_bucket', { le: '+Inf' })).toBe(1);
    // The working message, at least one progress state and the final.
    const successfulEdits = h.rest.requests.filter((r) => r.method === 'PATCH' && r.status === 200).length;
    expect(sample(after, 'comfycord_discord_edits_sent_total')).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'comfycord_discord_edits_sent_total')).toBeLessThanOrEqual(successfulEdits);
    expect(sample(after, 'comfycord_discord_responses_total', { class: '2xx' })).toBeGreaterThan(0);
    expect(sample(after, 'comfycord_jobs', { state: 'running' })).toBe(0);

    const port = bot.http!.port;
    await h.bot.stop();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(WAIT_MS) })).rejects.toThrow();
    await h.stop();
    harness = null;
  });

  it('HTTP_HOST picks the address; a port already taken stops the start with HTTP_LISTEN, having left nothing running', async () => {
    harness = await BotHarness.start({ deferStart: true, env: { HTTP_PORT: '0', HTTP_HOST: '127.0.0.2' } });
    const h = harness;
    const before = listeningSockets();
    const bot = await h.startBot();
    const [listener] = newListeners(before);
    expect(listener).toMatchObject({ address: '127.0.0.2', port: bot.http?.port });
    expect((await fetch(`http://127.0.0.2:${bot.http!.port}/healthz`, { signal: AbortSignal.timeout(WAIT_MS) })).status).toBe(200);
    await bot.stop();

    const taken = await BotHarness.start({ deferStart: true, env: { HTTP_PORT: String(listener!.port), HTTP_HOST: '127.0.0.2' } });
    const blocker = createServer();
    try {
      await new Promise<void>((resolve) => blocker.listen(listener!.port, '127.0.0.2', resolve));
      const gatewayBefore = taken.discord.gateway.connectionCount;
      await expect(taken.startBot()).rejects.toMatchObject({ code: 'HTTP_LISTEN', message: expect.stringContaining(`127.0.0.2:${listener!.port} (EADDRINUSE)`) });
      // Nothing connected, and DATA_DIR's instance lock is free again (a retry can start).
      expect(taken.discord.gateway.connectionCount).toBe(gatewayBefore);
      expect(taken.comfy.requests).toEqual([]);
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      const retried = await taken.startBot();
      expect(retried.http?.port).toBe(listener!.port);
    } finally {
      blocker.close();
      await taken.stop();
    }
  });

  it('jobs by state while the server is held: one running, one submitted to ComfyUI (lookahead), one queued; the server busy', async () => {
    const h = await start({ comfy: { manualSteps: true } });
    const first = await h.imagine('first, holds the server');
    await h.waitForEdit(first, /./);
    await h.imagine('second, on ComfyUI\'s queue', [], { user: standinUser('1290000000000000998', 'second') });
    await h.imagine('third, waits for a server', [], { user: standinUser('1290000000000000999', 'third') });
    const busy = await eventually(
      () => metricsText(h),
      (text) => sample(text, 'comfycord_jobs', { state: 'running' }) === 1 && sample(text, 'comfycord_queue_length') === 1,
    );
    expect(sample(busy, 'comfycord_jobs', { state: 'submitted' })).toBe(1);
    expect(sample(busy, 'comfycord_jobs', { state: 'queued' })).toBe(1);
    expect(sample(busy, 'comfycord_server_busy', { server: serverName(h) })).toBe(1);
    expect(sample(busy, 'comfycord_jobs_finished_total', { state: 'done' })).toBe(0);
  });

  it('a 429 from Discord moves the 429 counter; a dropped ComfyUI socket and a dropped gateway move the reconnect counters', async () => {
    const h = await start();
    const base = await metricsText(h);
    expect(sample(base, 'comfycord_discord_rate_limited_total')).toBe(0);
    expect(sample(base, 'comfycord_comfy_socket_reconnects_total', { server: serverName(h) })).toBe(0);
    expect(sample(base, 'comfycord_discord_gateway_reconnects_total')).toBe(0);

    h.rest.failNext({ method: 'PATCH', route: /\/messages\/@original$/ }, tooManyRequests(0.2), { times: 1 });
    const raw = await h.imagine('a fox under rain');
    await h.waitForFinal(raw);
    expect(h.rest.count429).toBe(1);
    const limited = await eventually(() => metricsText(h), (text) => sample(text, 'comfycord_discord_rate_limited_total') === 1);
    expect(sample(limited, 'comfycord_discord_responses_total', { class: '4xx' })).toBeGreaterThanOrEqual(1);

    h.comfy.dropSockets();
    await eventually(() => metricsText(h), (text) => sample(text, 'comfycord_comfy_socket_reconnects_total', { server: serverName(h) }) === 1);

    h.discord.gateway.closeConnections(4000, 'stand-in drops the gateway');
    const reconnected = await eventually(() => metricsText(h), (text) => sample(text, 'comfycord_discord_gateway_reconnects_total') === 1);
    expect(sample(reconnected, 'comfycord_discord_rate_limited_total')).toBe(1);
    // Back to healthy once discord.js resumed.
    await eventually(() => healthz(h), (health) => health.status === 200);
  });

  it('ComfyUI killed: 503 naming the server by its name (host, without the URL\'s user:password), no credential in /healthz or /metrics', async () => {
    const user = 'comfy-admin';
    const password = 'hunter2-Very-Secret';
    const apiKey = 'sk-proxy-key-0123456789';
    const basic = Buffer.from(`${user}:${password}`).toString('base64');
    // Credentials in the URL itself (Basic auth, which the stand-in requires) and a proxy header.
    harness = await BotHarness.start({ deferStart: true, comfy: { requireAuth: { header: 'authorization', value: `Basic ${basic}` } } });
    const h = harness;
    Object.assign(h.env, {
      HTTP_PORT: '0',
      COMFY_URL: h.comfy.url.replace('http://', `http://${user}:${password}@`),
      COMFY_HEADERS: JSON.stringify({ 'X-Api-Key': apiKey }),
    });
    await h.startBot();
    expect((await healthz(h)).status).toBe(200);
    await h.comfy.kill();
    const down = await eventually(() => healthz(h), (health) => health.status === 503);
    expect(down.body.ok).toBe(false);
    expect(down.body.checks).toEqual({ discord: true, store: true, comfy: false });
    expect(down.body.reasons).toEqual([expect.stringMatching(new RegExp(`^ComfyUI: no server is healthy \\(${serverName(h).replace(/\./g, '\\.')}: `))]);
    const metrics = await metricsText(h);
    expect(sample(metrics, 'comfycord_server_healthy', { server: serverName(h) })).toBe(0);
    for (const secret of [password, basic, apiKey, h.discord.botToken]) {
      expect(down.text).not.toContain(secret);
      expect(metrics).not.toContain(secret);
    }
  });

  it('the store locked by another process: 503 saying the store is not writable; 200 again once it is free', async () => {
    const h = await start();
    const { DatabaseSync } = sqlite();
    const other = new DatabaseSync(join(h.dataDir, 'comfycord.db'));
    try {
      other.exec('BEGIN IMMEDIATE');
      const down = await healthz(h);
      expect(down.status).toBe(503);
      expect(down.body.checks).toEqual({ discord: true, store: false, comfy: true });
      expect(down.body.reasons).toEqual([expect.stringMatching(/^store: not writable \(.*locked/)]);
      other.exec('ROLLBACK');
      expect((await healthz(h)).status).toBe(200);
    } finally {
      other.close();
    }
  });

  it('Discord gateway gone: 503 saying the gateway is not connected', async () => {
    const h = await start();
    expect((await healthz(h)).status).toBe(200);
    await h.discord.gateway.close();
    const down = await eventually(() => healthz(h), (health) => health.status === 503);
    expect(down.body.checks).toEqual({ discord: false, store: true, comfy: true });
    expect(down.body.reasons).toEqual([expect.stringMatching(/^Discord: the gateway is not connected/)]);
    expect(down.text).not.toContain(h.discord.botToken);
  });
});

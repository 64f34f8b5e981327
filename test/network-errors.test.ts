import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { describeNetworkError, isNetworkError, networkReason } from '../src/network-errors.ts';
import { classifyEditError } from '../src/discord/edit-errors.ts';
import { loginFailure } from '../src/discord/discord-client.ts';

/**
 * Real failures on 127.0.0.1 (a closed port, a server that hangs up, one that never
 * answers), read by the one network-error module the ComfyUI and Discord adapters share.
 */

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function closedPort(): Promise<number> {
  const port = await listen(() => undefined);
  await new Promise((resolve) => servers.pop()!.close(resolve));
  return port;
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('the request did not fail');
}

describe('network errors', () => {
  it('a refused connection: a network error, "connection refused" for ComfyUI, ECONNREFUSED for Discord, transient for the reply editor', async () => {
    const port = await closedPort();
    const error = await failureOf(request(`http://127.0.0.1:${port}/`));
    expect(isNetworkError(error)).toBe(true);
    expect(describeNetworkError(error)).toBe('connection refused');
    expect(networkReason(error)).toBe('ECONNREFUSED');
    expect(classifyEditError(error).kind).toBe('transient');
    expect(loginFailure(error).userMessage).toBe(
      "Discord is unreachable (ECONNREFUSED). Fix: check this machine's network, a proxy or firewall, and DISCORD_API_BASE.",
    );
  });

  it('fetch wraps the socket error as its cause: still a network error, the reason read from the cause', async () => {
    const port = await closedPort();
    const error = await failureOf(fetch(`http://127.0.0.1:${port}/`));
    expect(error).toBeInstanceOf(TypeError);
    expect(isNetworkError(error)).toBe(true);
    expect(networkReason(error)).toBe('ECONNREFUSED');
    expect(classifyEditError(error).kind).toBe('transient');
  });

  it('a server that hangs up mid-request, and one that never answers', async () => {
    const hangUp = await listen((socket) => socket.destroy());
    const closed = await failureOf(request(`http://127.0.0.1:${hangUp}/`));
    expect(isNetworkError(closed)).toBe(true);
    expect(describeNetworkError(closed)).toBe('connection closed unexpectedly');

    const silent = await listen(() => undefined);
    const dispatcher = new Agent({ headersTimeout: 100 });
    const timedOut = await failureOf(request(`http://127.0.0.1:${silent}/`, { dispatcher }));
    await dispatcher.close();
    expect(isNetworkError(timedOut)).toBe(true);
    expect(describeNetworkError(timedOut)).toBe('no answer in time');
    expect(networkReason(timedOut)).toBe('UND_ERR_HEADERS_TIMEOUT');
  });

  it('what is not a network failure stays one for its caller: an HTTP answer, a TLS error, a plain bug', () => {
    const tls = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(isNetworkError(tls)).toBe(false);
    expect(describeNetworkError(Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }))).toBe('TLS error ERR_TLS_CERT_ALTNAME_INVALID');
    expect(isNetworkError(Object.assign(new Error('Bad Gateway'), { status: 502 }))).toBe(false);
    expect(isNetworkError(new TypeError('undefined is not a function'))).toBe(false);
    expect(isNetworkError(null)).toBe(false);
    expect(describeNetworkError(new Error('socket went away'))).toBe('socket went away');
    expect(networkReason('not an error')).toBe('no answer');
    expect(networkReason(new DOMException('The operation timed out.', 'TimeoutError'))).toBe('timed out');
  });

  it('reads an AggregateError (one error per address tried) by its first', () => {
    const first = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeNetworkError(new AggregateError([first, new Error('other')]))).toBe('connection refused');
  });
});

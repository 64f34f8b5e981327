import type { IncomingMessage, ServerResponse } from 'node:http';
import sharp from 'sharp';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { AttachmentRejectedError } from '../../src/discord/attachment-errors.ts';
import { DEFAULT_ATTACHMENT_HOSTS, downloadAttachment } from '../../src/discord/attachments.ts';
import { startServer, streamUntilClosed, type TestServer } from './http-fixture.ts';

const LOCAL = ['127.0.0.1'];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function rejection(promise: Promise<unknown>): Promise<AttachmentRejectedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AttachmentRejectedError);
  expect((error as AttachmentRejectedError).code).toBe('ATTACHMENT_REJECTED');
  return error as AttachmentRejectedError;
}

async function smallPng(): Promise<Buffer> {
  return sharp({ create: { width: 32, height: 32, channels: 3, background: '#336699' } }).png().toBuffer();
}

describe('downloadAttachment', () => {
  it('downloads an image from an allowed host', async () => {
    const png = await smallPng();
    server = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    const result = await downloadAttachment(server.url('/attachments/1/2/cat.png?ex=1&hm=2'), { allowedHosts: LOCAL });
    expect(result.data.equals(png)).toBe(true);
    expect(result).toMatchObject({ format: 'png', contentType: 'image/png' });
  });

  it('trusts the bytes over the header when both say "image"', async () => {
    const jpeg = await sharp(await smallPng()).jpeg().toBuffer();
    server = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(jpeg));
    expect((await downloadAttachment(server.url('/a.png'), { allowedHosts: LOCAL })).format).toBe('jpeg');
  });

  it('refuses hosts off the list without making a request', async () => {
    server = await startServer((_req, res) => res.end());
    const error = await rejection(downloadAttachment(`http://localhost:${server.port}/a.png`, { allowedHosts: LOCAL }));
    expect(error.reason).toBe('host');
    expect(error.userMessage).toBe('Only images from Discord can be used.');
    expect(server.requests).toEqual([]);
  });

  it.each([
    'https://cdn.discordapp.com.evil.example/a.png',
    'https://evilcdn.discordapp.com/a.png',
    'https://cdn.discordapp.com@evil.example/a.png',
    'https://user:pass@cdn.discordapp.com/a.png',
    'https://evil.example/cdn.discordapp.com/a.png',
    'https://cdn.discordapp.com./a.png',
    'ftp://cdn.discordapp.com/a.png',
    'file:///etc/passwd',
    'data:image/png;base64,iVBORw0KGgo=',
  ])('refuses %s with the default Discord hosts', async (url) => {
    // Should the check ever let one through, this agent fails the request instead of going online.
    const offline = new MockAgent();
    offline.disableNetConnect();
    const error = await rejection(downloadAttachment(url, { dispatcher: offline }));
    expect(['host', 'bad-url']).toContain(error.reason);
    await offline.close();
  });

  it('lists exactly Discord’s CDN hosts by default', () => {
    expect(DEFAULT_ATTACHMENT_HOSTS).toEqual(['cdn.discordapp.com', 'media.discordapp.net']);
  });

  it('refuses a redirect to another host and never fetches it', async () => {
    server = await startServer((req, res) => {
      if (req.url === '/a.png') res.writeHead(302, { location: `http://localhost:${server?.port}/evil.png` }).end();
      else res.writeHead(200, { 'content-type': 'image/png' }).end(PNG_SIGNATURE);
    });
    const error = await rejection(downloadAttachment(server.url('/a.png'), { allowedHosts: LOCAL }));
    expect(error.reason).toBe('redirect');
    expect(server.requests).toEqual(['/a.png']);
  });

  it('checks every redirect hop against host:port entries: an allowed port cannot send us to another port of the same host', async () => {
    // `comfy` plays ComfyUI on the same host; only the attachment server's port is allowed.
    const comfy = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(PNG_SIGNATURE));
    try {
      server = await startServer((_req, res) => res.writeHead(302, { location: comfy.url('/view?filename=secret.png') }).end());
      const error = await rejection(downloadAttachment(server.url('/a.png'), { allowedHosts: [`127.0.0.1:${server.port}`] }));
      expect(error.reason).toBe('redirect');
      expect(error.context).toMatchObject({ host: '127.0.0.1', port: String(comfy.port) });
      expect(server.requests).toEqual(['/a.png']);
      expect(comfy.requests).toEqual([]);
    } finally {
      await comfy.close();
    }
  });

  it('follows redirects between allowed ports, at most 3 hops', async () => {
    const png = await smallPng();
    // /hop<n>.png?last=<m> redirects to hop n+1 on the other server until n reaches m, which is the image.
    const hopper = (other: () => TestServer) => (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const hop = Number(/hop(\d+)/.exec(url.pathname)?.[1]);
      const last = Number(url.searchParams.get('last'));
      if (hop >= last) res.writeHead(200, { 'content-type': 'image/png' }).end(png);
      else res.writeHead(302, { location: other().url(`/hop${hop + 1}.png?last=${last}`) }).end();
    };
    let second: TestServer | undefined = undefined;
    server = await startServer(hopper(() => second!));
    second = await startServer(hopper(() => server!));
    try {
      const allowed = [`127.0.0.1:${server.port}`, `127.0.0.1:${second.port}`];
      const result = await downloadAttachment(server.url('/hop0.png?last=3'), { allowedHosts: allowed });
      expect(result.data.equals(png)).toBe(true);
      expect(result.url).toBe(second.url('/hop3.png?last=3'));
      const error = await rejection(downloadAttachment(server.url('/hop0.png?last=4'), { allowedHosts: allowed }));
      expect(error.reason).toBe('redirect');
      expect(error.userMessage).toBe('Download failed: too many redirects.');
    } finally {
      await second.close();
    }
  });

  it('follows a redirect within the allowed hosts', async () => {
    const png = await smallPng();
    server = await startServer((req, res) => {
      if (req.url === '/old.png') res.writeHead(301, { location: '/new.png' }).end();
      else res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    const result = await downloadAttachment(server.url('/old.png'), { allowedHosts: LOCAL });
    expect(result.url).toBe(server.url('/new.png'));
    expect(result.data.equals(png)).toBe(true);
  });

  it('gives up on a redirect loop', async () => {
    server = await startServer((_req, res) => res.writeHead(302, { location: '/loop.png' }).end());
    const error = await rejection(downloadAttachment(server.url('/loop.png'), { allowedHosts: LOCAL }));
    expect(error.reason).toBe('redirect');
    expect(server.requests).toHaveLength(4);
  });

  it('stops reading a 50 MB body without Content-Length as soon as it passes the 20 MB cap', async () => {
    let served: Promise<number> | undefined;
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      served = streamUntilClosed(res, PNG_SIGNATURE, 50_000_000);
    });
    const error = await rejection(downloadAttachment(server.url('/huge.png'), { allowedHosts: LOCAL }));
    expect(error.reason).toBe('too-large');
    expect(error.userMessage).toBe('The file is over the 20 MB limit.');
    const bytesRead = error.context['bytesRead'] as number;
    expect(bytesRead).toBeGreaterThan(20_000_000);
    expect(bytesRead).toBeLessThan(20_000_000 + 256 * 1024);
    // The server saw the connection close long before it had sent everything.
    expect(await served).toBeLessThan(30_000_000);
  });

  it('refuses a too-large Content-Length before reading the body', async () => {
    server = await startServer((_req, res) => {
      // Announce 50 MB, send 8 bytes, then stall: reading on would end in a timeout, not a size refusal.
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '50000000' });
      res.write(PNG_SIGNATURE);
    });
    const error = await rejection(downloadAttachment(server.url('/big.png'), { allowedHosts: LOCAL, timeoutMs: 5_000 }));
    expect(error.reason).toBe('too-large');
    expect(error.userMessage).toBe('The file is 50 MB; the limit is 20 MB.');
  });

  it('refuses an HTML page', async () => {
    server = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html></html>'));
    const error = await rejection(downloadAttachment(server.url('/a.png'), { allowedHosts: LOCAL }));
    expect(error.reason).toBe('not-image');
    expect(error.userMessage).toBe('That file is not an image (text/html).');
  });

  it('refuses SVG even though it is image/*', async () => {
    server = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<svg></svg>'));
    const error = await rejection(downloadAttachment(server.url('/a.svg'), { allowedHosts: LOCAL }));
    expect(error.userMessage).toMatch(/SVG images are not supported/);
  });

  it('refuses bytes that are not an image whatever the header claims', async () => {
    server = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end('<!doctype html><p>hello</p>'.repeat(10)));
    const error = await rejection(downloadAttachment(server.url('/a.png'), { allowedHosts: LOCAL }));
    expect(error.reason).toBe('not-image');
    expect(error.userMessage).toMatch(/not an image we can read/);
  });

  it('refuses a non-image content type hint before any request', async () => {
    server = await startServer((_req, res) => res.end());
    const error = await rejection(downloadAttachment(server.url('/a.txt'), { allowedHosts: LOCAL, contentTypeHint: 'text/plain' }));
    expect(error.userMessage).toBe('That file is not an image (text/plain).');
    expect(server.requests).toEqual([]);
  });

  it('reports HTTP errors', async () => {
    server = await startServer((_req, res) => res.writeHead(404).end('gone'));
    const error = await rejection(downloadAttachment(server.url('/a.png'), { allowedHosts: LOCAL }));
    expect(error.reason).toBe('http-status');
    expect(error.userMessage).toMatch(/^Download failed: HTTP 404/);
  });

  it('times out a server that never answers', async () => {
    server = await startServer(() => undefined);
    const started = performance.now();
    const error = await rejection(downloadAttachment(server.url('/a.png'), { allowedHosts: LOCAL, timeoutMs: 300 }));
    expect(error.reason).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('times out a body that stalls half way', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(Buffer.concat([PNG_SIGNATURE, Buffer.alloc(1000)]));
    });
    const error = await rejection(downloadAttachment(server.url('/a.png'), { allowedHosts: LOCAL, timeoutMs: 300 }));
    expect(error.reason).toBe('timeout');
  });

  it('stops when the caller aborts', async () => {
    server = await startServer(() => undefined);
    const controller = new AbortController();
    const pending = downloadAttachment(server.url('/a.png'), { allowedHosts: LOCAL, signal: controller.signal });
    controller.abort();
    expect((await rejection(pending)).reason).toBe('cancelled');
  });

  it('reports a server that cannot be reached', async () => {
    const closed = await startServer(() => undefined);
    const url = closed.url('/a.png');
    await closed.close();
    expect((await rejection(downloadAttachment(url, { allowedHosts: LOCAL }))).reason).toBe('network');
  });
});

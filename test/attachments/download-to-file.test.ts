import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDiskFull } from '../../src/disk-full.ts';
import { AttachmentRejectedError } from '../../src/discord/attachment-errors.ts';
import { downloadAttachmentTo } from '../../src/discord/attachments.ts';
import { startServer, streamUntilClosed, type TestServer } from './http-fixture.ts';

const LOCAL = ['127.0.0.1'];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let server: TestServer | undefined;
let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'comfycord-download-to-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
}

/** How many bytes a file holds, or null when there is none. */
async function sizeOf(path: string): Promise<number | null> {
  return stat(path).then(
    (s) => s.size,
    () => null,
  );
}

describe('downloadAttachmentTo', () => {
  it('writes the body to the file asked for, byte for byte, with or without Content-Length', async () => {
    const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#336699' } }).png().toBuffer();
    server = await startServer((req, res) => {
      const chunked = req.url === '/chunked.png';
      res.writeHead(200, { 'content-type': 'image/png', ...(chunked ? {} : { 'content-length': png.length }) });
      // In pieces, so the file is written a chunk at a time.
      res.write(png.subarray(0, 5));
      res.end(png.subarray(5));
    });
    for (const name of ['sized.png', 'chunked.png']) {
      const path = join(dir, name);
      const result = await downloadAttachmentTo(server.url(`/${name}`), path, { allowedHosts: LOCAL });
      expect(result).toMatchObject({ path, bytes: png.length, format: 'png', contentType: 'image/png' });
      expect((await readFile(path)).equals(png)).toBe(true);
    }
  });

  it('stops a 50 MB body without Content-Length past the 20 MB cap: the file never holds more than the cap', async () => {
    let served: Promise<number> | undefined;
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      served = streamUntilClosed(res, PNG_SIGNATURE, 50_000_000);
    });
    const path = join(dir, 'huge.png');
    const error = await failure(downloadAttachmentTo(server.url('/huge.png'), path, { allowedHosts: LOCAL }));
    expect(error).toBeInstanceOf(AttachmentRejectedError);
    expect((error as AttachmentRejectedError).reason).toBe('too-large');
    expect(await served).toBeLessThan(30_000_000);
    // What is left (for the caller to remove) is short of the cap: the chunk that passed it was not written.
    expect(await sizeOf(path)).toBeLessThanOrEqual(20_000_000);
  });

  it('refuses a too-large Content-Length before creating the file', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '50000000' });
      res.write(PNG_SIGNATURE);
    });
    const path = join(dir, 'big.png');
    const error = await failure(downloadAttachmentTo(server.url('/big.png'), path, { allowedHosts: LOCAL, timeoutMs: 5_000 }));
    expect((error as AttachmentRejectedError).reason).toBe('too-large');
    expect(await sizeOf(path)).toBeNull();
  });

  it('refuses bytes that are not an image before writing them', async () => {
    server = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end('<!doctype html><p>hello</p>'.repeat(1000)));
    const path = join(dir, 'fake.png');
    const error = await failure(downloadAttachmentTo(server.url('/fake.png'), path, { allowedHosts: LOCAL }));
    expect(error).toBeInstanceOf(AttachmentRejectedError);
    expect((error as AttachmentRejectedError).reason).toBe('not-image');
    expect(await sizeOf(path)).toBeNull();
  });

  it('gives a write that finds the disk full back as the file system\'s ENOSPC, not as a bad download (the kernel\'s /dev/full)', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer();
    server = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    const error = await failure(downloadAttachmentTo(server.url('/a.png'), '/dev/full', { allowedHosts: LOCAL }));
    expect(error).not.toBeInstanceOf(AttachmentRejectedError);
    expect(isDiskFull(error)).toBe(true);
  });
});

import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { DISK_FULL_MESSAGE, isDiskFull } from '../../src/disk-full.ts';
import { startServer, type TestServer } from '../attachments/http-fixture.ts';
import { commandOption, uploadedAttachment } from '../support/discord-standin/index.ts';
import { BotHarness, promptBodies } from './harness.ts';

/**
 * Issue 8 finding 4 (last part): a full disk failed every job with "Something went wrong".
 * The full disk is the kernel's own: writes to /dev/full fail with ENOSPC.
 */

/** Every write of a kept input (its download, then its PNG) goes to the full disk. */
const writeToFullDisk = () => '/dev/full';

let h: BotHarness | null = null;
let cdn: TestServer | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
  await cdn?.close();
  cdn = null;
});

describe('a full disk', () => {
  it('an /img2img whose input cannot be kept says the disk is full, logs the path as an error, keeps nothing and sends nothing to ComfyUI', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer();
    cdn = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    h = await BotHarness.start({ captureLogsAt: 'info', bot: { writeInput: writeToFullDisk } });
    const raw = await h.slash('img2img', [
      commandOption.attachment('image', uploadedAttachment({ url: cdn.url('/a.png'), filename: 'a.png', contentType: 'image/png', size: png.length })),
      commandOption.string('prompt', 'no room'),
    ]);
    const told = await h.rest.waitForRequest((r) => r.route.includes(raw.token) && r.status < 300 && JSON.stringify(r.json ?? {}).includes(DISK_FULL_MESSAGE), 8000);
    expect(JSON.stringify(told.json)).not.toContain('Something went wrong');
    await h.waitForLog('disk full: could not write');
    const line = JSON.parse(h.logLines.find((l) => l.includes('disk full: could not write')) ?? '{}') as { level?: number; path?: string; code?: string };
    expect(line.level).toBe(50);
    expect(line.code).toBe('DISK_FULL');
    expect(line.path).toBe(join(h.dataDir, 'inputs', `${String(line.path).split('/').pop()}`));
    expect(line.path).toMatch(/-image\.png$/);
    expect(await readdir(join(h.dataDir, 'inputs')).catch(() => [])).toEqual([]);
    expect(promptBodies(h.comfy)).toHaveLength(0);
  });
});

describe('isDiskFull', () => {
  it('knows the kernel\'s ENOSPC and SQLite\'s "database or disk is full"', async () => {
    const enospc = await writeFile('/dev/full', Buffer.alloc(10)).then(() => null, (error: unknown) => error);
    expect(isDiskFull(enospc)).toBe(true);
    const db = new DatabaseSync(':memory:');
    try {
      db.exec('CREATE TABLE t (b BLOB)');
      db.exec('PRAGMA max_page_count = 3');
      let full: unknown = null;
      try {
        db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(100_000));
      } catch (error) {
        full = error;
      }
      expect(full).not.toBeNull();
      expect(isDiskFull(full)).toBe(true);
    } finally {
      db.close();
    }
    const notFound = await readdir('/nonexistent-comfycord').then(() => null, (error: unknown) => error);
    expect(isDiskFull(notFound)).toBe(false);
    expect(isDiskFull(new Error('ENOSPC'))).toBe(false);
  });
});

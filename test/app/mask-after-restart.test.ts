import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputImages } from '../../src/app/input-images.ts';
import { ServerPool } from '../../src/app/server-pool.ts';
import { MaskRejectedError } from '../../src/images/mask-errors.ts';
import type { InputImageRef } from '../../src/jobs/job.ts';
import { MemoryJobStore } from '../../src/jobs/job-store.ts';
import { loadTemplates } from '../../src/workflows/index.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';

/**
 * An inpaint job whose intake was cut by a restart still holds its image and mask as
 * URLs; they are fetched when it runs. The mask must then get the check a kept one gets
 * at intake (src/images/mask-check.ts), or an RGBA or wrongly shaped mask would reach
 * the template's LoadImageMask as it was sent. Real PNGs through sharp; the fetch is
 * the one create-bot injects, served from memory here.
 */

let dataDir = '';
let pool: ServerPool | null = null;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'comfycord-mask-restart-'));
});
afterEach(async () => {
  await pool?.close();
  pool = null;
  await rm(dataDir, { recursive: true, force: true });
});

async function inputImages(files: Record<string, Buffer>): Promise<InputImages> {
  pool = new ServerPool([], { templates: await loadTemplates(join(REPO_ROOT, 'workflows')) });
  const fetchUpload = (url: string) => {
    const file = files[url];
    return file === undefined ? Promise.reject(new Error(`no ${url}`)) : Promise.resolve(file);
  };
  return new InputImages({ dataDir, store: new MemoryJobStore(), pool, fetchUpload });
}

const url = (name: string): InputImageRef => ({ kind: 'url', url: `https://cdn.discordapp.com/${name}`, maxSide: 2048 });
const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#336699' } }).png().toBuffer();

/** An opaque red picture of `width`×`height` whose left half was erased to transparent. */
async function erasedLeft(width: number, height: number): Promise<Buffer> {
  const { data } = await sharp({ create: { width, height, channels: 4, background: { r: 200, g: 0, b: 0, alpha: 1 } } }).raw().toBuffer({ resolveWithObject: true });
  for (let y = 0; y < height; y += 1) for (let x = 0; x < width / 2; x += 1) data[(y * width + x) * 4 + 3] = 0;
  return sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

describe('a mask still held as a URL when its job runs', () => {
  it('is checked against the image and sent as the one-channel mask at its size', async () => {
    const inputs = await inputImages({ 'https://cdn.discordapp.com/a.png': await solid(96, 64), 'https://cdn.discordapp.com/m.png': await erasedLeft(48, 32) });
    const sent = await inputs.readMaskForUpload(url('a.png'), url('m.png'));
    const bytes = Buffer.isBuffer(sent) ? sent : Buffer.from(await sent.arrayBuffer());
    expect(await sharp(bytes).metadata()).toMatchObject({ width: 96, height: 64, channels: 1 });
    const levels = await sharp(bytes).extractChannel(0).raw().toBuffer();
    expect([levels[32 * 96 + 10], levels[32 * 96 + 80]]).toEqual([255, 0]);
  });

  it('of another shape fails the job with the reason', async () => {
    const inputs = await inputImages({ 'https://cdn.discordapp.com/a.png': await solid(96, 64), 'https://cdn.discordapp.com/m.png': await erasedLeft(64, 64) });
    const caught = await inputs.readMaskForUpload(url('a.png'), url('m.png')).then(() => null, (error: unknown) => error);
    expect(caught).toBeInstanceOf(MaskRejectedError);
    expect((caught as MaskRejectedError).reason).toBe('aspect');
  });
});

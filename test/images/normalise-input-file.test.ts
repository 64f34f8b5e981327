import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDiskFull } from '../../src/disk-full.ts';
import { ImageRejectedError } from '../../src/images/image-errors.ts';
import { normaliseInputFile, normaliseInputImage } from '../../src/images/normalise-input.ts';
import { noisePng, pixelAt, pngBomb, solidPng } from './image-fixtures.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'comfycord-normalise-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
}

async function source(name: string, data: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
}

describe('normaliseInputFile', () => {
  it('writes the same upright, bounded sRGB PNG as normaliseInputImage, from a file to a file', async () => {
    // Stored 300×200, left half red; orientation 6 means "rotate 90° clockwise to view".
    const left = await solidPng(150, 200, { r: 255, g: 0, b: 0 });
    const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 0, g: 0, b: 255 } } })
      .composite([{ input: left, left: 0, top: 0 }])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const target = join(dir, 'out.png');

    const result = await normaliseInputFile(await source('in.jpg', jpeg), target, { maxSide: 150 });

    expect(result).toMatchObject({ width: 100, height: 150, originalWidth: 200, originalHeight: 300, sourceFormat: 'jpeg' });
    const written = await readFile(target);
    expect(result.bytes).toBe(written.length);
    expect(await sharp(written).metadata()).toMatchObject({ format: 'png', width: 100, height: 150, space: 'srgb' });
    const [topR, , topB] = await pixelAt(written, 50, 5);
    expect(topR).toBeGreaterThan(200);
    expect(topB).toBeLessThan(50);
    // The same pixels as the in-memory path.
    const inMemory = await normaliseInputImage(jpeg, { maxSide: 150 });
    expect(await sharp(written).raw().toBuffer()).toEqual(await sharp(inMemory.png).raw().toBuffer());
  });

  it('refuses a decompression bomb from its header and writes nothing', async () => {
    const target = join(dir, 'out.png');
    const error = await failure(normaliseInputFile(await source('bomb.png', pngBomb(20_000, 20_000, false)), target, { maxSide: 1024 }));
    expect(error).toBeInstanceOf(ImageRejectedError);
    expect((error as ImageRejectedError).reason).toBe('too-many-pixels');
    await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a truncated PNG, text renamed to .png and SVG', async () => {
    const png = await noisePng(300, 200);
    const cases: Array<[string, Buffer, string]> = [
      ['truncated.png', png.subarray(0, Math.floor(png.length * 0.6)), 'undecodable'],
      ['text.png', Buffer.from('hello, this is a text file\n'.repeat(20)), 'not-image'],
      ['a.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'), 'unsupported-format'],
    ];
    for (const [name, data, reason] of cases) {
      const error = await failure(normaliseInputFile(await source(name, data), join(dir, `${name}.out.png`), { maxSide: 1024 }));
      expect(error, name).toBeInstanceOf(ImageRejectedError);
      expect((error as ImageRejectedError).reason, name).toBe(reason);
    }
  });

  it('says a full disk as ENOSPC, not as a bad image (the kernel\'s /dev/full)', async () => {
    const error = await failure(normaliseInputFile(await source('in.png', await noisePng(640, 640)), '/dev/full', { maxSide: 1024 }));
    expect(error).not.toBeInstanceOf(ImageRejectedError);
    expect(isDiskFull(error)).toBe(true);
  });
});

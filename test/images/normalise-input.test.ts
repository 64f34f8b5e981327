import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageRejectedError } from '../../src/images/image-errors.ts';
import { normaliseInputImage } from '../../src/images/normalise-input.ts';
import { noisePng, pixelAt, pngBomb, solidPng } from './image-fixtures.ts';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

async function rejection(promise: Promise<unknown>): Promise<ImageRejectedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ImageRejectedError);
  return error as ImageRejectedError;
}

describe('normaliseInputImage', () => {
  it('applies EXIF orientation: a sideways phone photo comes out upright with swapped sides', async () => {
    // Stored 300×200, left half red, right half blue; orientation 6 means "rotate 90° clockwise to view".
    const left = await solidPng(150, 200, { r: 255, g: 0, b: 0 });
    const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 0, g: 0, b: 255 } } })
      .composite([{ input: left, left: 0, top: 0 }])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();

    const result = await normaliseInputImage(jpeg, { maxSide: 1024 });

    expect([result.width, result.height]).toEqual([200, 300]);
    expect([result.originalWidth, result.originalHeight]).toEqual([200, 300]);
    expect(result.png.subarray(0, 4)).toEqual(PNG_MAGIC);
    // The stored left column is the top row once rotated clockwise.
    const [topR, , topB] = await pixelAt(result.png, 100, 10);
    const [bottomR, , bottomB] = await pixelAt(result.png, 100, 290);
    expect(topR).toBeGreaterThan(200);
    expect(topB).toBeLessThan(50);
    expect(bottomB).toBeGreaterThan(200);
    expect(bottomR).toBeLessThan(50);
  });

  it('scales a large image down to the template side, keeping the aspect ratio', async () => {
    const big = await solidPng(3000, 1500, { r: 10, g: 20, b: 30 });
    const result = await normaliseInputImage(big, { maxSide: 1024 });
    expect([result.width, result.height]).toEqual([1024, 512]);
    expect([result.originalWidth, result.originalHeight]).toEqual([3000, 1500]);
    expect((await sharp(result.png).metadata()).format).toBe('png');
  });

  it('never enlarges a small image', async () => {
    const small = await solidPng(300, 200, { r: 10, g: 20, b: 30 });
    const result = await normaliseInputImage(small, { maxSide: 2048 });
    expect([result.width, result.height]).toEqual([300, 200]);
  });

  it('keeps transparency', async () => {
    const transparent = await solidPng(64, 64, { r: 255, g: 0, b: 0, alpha: 0 });
    const result = await normaliseInputImage(transparent, { maxSide: 1024 });
    const pixel = await pixelAt(result.png, 5, 5);
    expect(pixel).toHaveLength(4);
    expect(pixel[3]).toBe(0);
  });

  it('accepts WebP, AVIF and the first frame of an animated GIF', async () => {
    const red = await solidPng(40, 30, { r: 255, g: 0, b: 0 });
    const blue = await solidPng(40, 30, { r: 0, g: 0, b: 255 });
    const gif = await sharp([red, blue], { join: { animated: true } }).gif().toBuffer();
    const webp = await sharp(red).webp().toBuffer();
    const avif = await sharp(red).avif().toBuffer();

    const fromGif = await normaliseInputImage(gif, { maxSide: 1024 });
    expect([fromGif.width, fromGif.height, fromGif.sourceFormat]).toEqual([40, 30, 'gif']);
    expect((await pixelAt(fromGif.png, 20, 15)).slice(0, 3)).toEqual([255, 0, 0]);
    expect((await normaliseInputImage(webp, { maxSide: 1024 })).sourceFormat).toBe('webp');
    expect((await normaliseInputImage(avif, { maxSide: 1024 })).sourceFormat).toBe('avif');
  });

  it('refuses a 20000×20000 decompression bomb from its header, without decoding it', async () => {
    const bomb = pngBomb(20_000, 20_000, true);
    expect(bomb.length).toBeLessThan(200_000);
    const started = performance.now();
    const error = await rejection(normaliseInputImage(bomb, { maxSide: 1024 }));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.reason).toBe('too-many-pixels');
    expect(error.code).toBe('IMAGE_REJECTED');
    expect(error.userMessage).toBe('The image is 20000×20000; the limit is 40 megapixels.');

    // Same header, pixel data missing: had anything decoded it, this would fail as damaged instead.
    const hollow = await rejection(normaliseInputImage(pngBomb(20_000, 20_000, false), { maxSide: 1024 }));
    expect(hollow.reason).toBe('too-many-pixels');
  });

  it('honours a configured pixel limit', async () => {
    const image = await solidPng(3000, 1500, { r: 1, g: 2, b: 3 });
    const error = await rejection(normaliseInputImage(image, { maxSide: 1024, maxPixels: 2_000_000 }));
    expect(error.userMessage).toBe('The image is 3000×1500; the limit is 2 megapixels.');
  });

  it('refuses truncated PNG and JPEG files', async () => {
    const png = await noisePng(300, 200);
    const jpeg = await sharp(png).jpeg().toBuffer();
    const truncatedPng = await rejection(normaliseInputImage(png.subarray(0, Math.floor(png.length * 0.6)), { maxSide: 1024 }));
    const truncatedJpeg = await rejection(normaliseInputImage(jpeg.subarray(0, Math.floor(jpeg.length / 2)), { maxSide: 1024 }));
    expect(truncatedPng.reason).toBe('undecodable');
    expect(truncatedJpeg.reason).toBe('undecodable');
    expect(truncatedPng.userMessage).toMatch(/damaged or incomplete/);
  });

  it('refuses text renamed to .png and random bytes', async () => {
    const text = await rejection(normaliseInputImage(Buffer.from('hello, this is a text file\n'.repeat(20)), { maxSide: 1024 }));
    expect(text.reason).toBe('not-image');
    expect(text.userMessage).toMatch(/not an image/);
    expect((await rejection(normaliseInputImage(randomBytes(4096), { maxSide: 1024 }))).reason).toBe('not-image');
  });

  it('refuses SVG even though sharp could render it', async () => {
    const svg = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    expect((await sharp(Buffer.from(svg)).metadata()).format).toBe('svg'); // the danger is real
    const error = await rejection(normaliseInputImage(Buffer.from(svg), { maxSide: 1024 }));
    expect(error.reason).toBe('unsupported-format');
    expect(error.userMessage).toMatch(/SVG images are not supported/);
  });

  it('refuses a PNG signature followed by something else', async () => {
    const fake = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('<svg>not really</svg>')]);
    expect((await rejection(normaliseInputImage(fake, { maxSide: 1024 }))).reason).toBe('undecodable');
  });
});

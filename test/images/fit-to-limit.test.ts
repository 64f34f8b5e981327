import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fitImageToLimit } from '../../src/images/fit-to-limit.ts';
import { ImageTooLargeError } from '../../src/images/image-errors.ts';
import { noisePng, solidPng } from './image-fixtures.ts';

describe('fitImageToLimit', () => {
  it('keeps a PNG that fits, byte for byte', async () => {
    const png = await solidPng(512, 512, { r: 200, g: 100, b: 50 });
    const result = await fitImageToLimit(png, 10 * 1024 * 1024, { filename: 'ComfyUI_00001_.png' });
    expect(result.reencoded).toBe(false);
    expect(result.data).toBe(png);
    expect(result).toMatchObject({ format: 'png', mime: 'image/png', filename: 'ComfyUI_00001_.png', width: 512, height: 512 });
  });

  it('keeps a PNG exactly at the limit', async () => {
    const png = await solidPng(64, 64, { r: 1, g: 2, b: 3 });
    expect((await fitImageToLimit(png, png.length, { filename: 'a.png' })).reencoded).toBe(false);
  });

  it('re-encodes a PNG over the limit to WebP under it, same size, matching extension', async () => {
    const png = await noisePng(768, 768);
    const limit = 1_000_000;
    expect(png.length).toBeGreaterThan(limit);
    const result = await fitImageToLimit(png, limit, { filename: 'render.png' });
    expect(result.reencoded).toBe(true);
    expect(result.data.length).toBeLessThanOrEqual(limit);
    expect(result).toMatchObject({ format: 'webp', mime: 'image/webp', filename: 'render.webp', width: 768, height: 768 });
    const decoded = await sharp(result.data).metadata();
    expect([decoded.format, decoded.width, decoded.height]).toEqual(['webp', 768, 768]);
  });

  it('scales down when no quality is enough', async () => {
    const png = await noisePng(768, 768);
    const limit = 60_000;
    const result = await fitImageToLimit(png, limit, { filename: 'render' });
    expect(result.data.length).toBeLessThanOrEqual(limit);
    expect(result.width).toBeLessThan(768);
    expect(result.width).toBe(result.height);
    const decoded = await sharp(result.data).metadata();
    expect([decoded.width, decoded.height]).toEqual([result.width, result.height]);
    expect(result.filename).toBe(`render.${result.format === 'jpeg' ? 'jpg' : result.format}`);
  });

  it('falls back to JPEG when the image is too wide for WebP', async () => {
    const png = await noisePng(17_000, 40);
    const limit = Math.floor(png.length / 2);
    const result = await fitImageToLimit(png, limit, { filename: 'wide.png' });
    expect(result).toMatchObject({ format: 'jpeg', mime: 'image/jpeg', filename: 'wide.jpg', reencoded: true });
    expect(result.data.length).toBeLessThanOrEqual(limit);
    expect((await sharp(result.data).metadata()).format).toBe('jpeg');
  });

  it('throws a typed error instead of returning something over an impossible limit', async () => {
    const png = await noisePng(256, 256);
    const error = await fitImageToLimit(png, 200, { filename: 'x.png' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ImageTooLargeError);
    expect((error as ImageTooLargeError).code).toBe('IMAGE_TOO_LARGE');
    expect((error as ImageTooLargeError).userMessage).toMatch(/200 bytes upload limit/);
  });
});

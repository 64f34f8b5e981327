import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageRejectedError } from '../../src/images/image-errors.ts';
import { compactPreview, PREVIEW_FILENAME } from '../../src/images/preview.ts';
import { noisePng, solidPng } from './image-fixtures.ts';

describe('compactPreview', () => {
  it('passes a small JPEG frame through untouched', async () => {
    const jpeg = await sharp(await solidPng(512, 384, { r: 9, g: 9, b: 9 })).jpeg().toBuffer();
    const preview = await compactPreview(jpeg);
    expect(preview.data).toBe(jpeg);
    expect(preview).toMatchObject({ filename: PREVIEW_FILENAME, mime: 'image/jpeg' });
  });

  it('turns a PNG frame into a JPEG', async () => {
    const preview = await compactPreview(await noisePng(256, 256, 4));
    const meta = await sharp(preview.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 256, 256]);
  });

  it('shrinks an oversized frame to maxSide', async () => {
    const jpeg = await sharp(await solidPng(1024, 768, { r: 9, g: 9, b: 9 })).jpeg().toBuffer();
    const meta = await sharp((await compactPreview(jpeg)).data).metadata();
    expect([meta.width, meta.height]).toEqual([512, 384]);
  });

  it('refuses bytes that are not an image', async () => {
    await expect(compactPreview(Buffer.from('nope'))).rejects.toBeInstanceOf(ImageRejectedError);
  });
});

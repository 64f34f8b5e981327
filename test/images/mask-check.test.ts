import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MaskRejectedError } from '../../src/images/mask-errors.ts';
import { prepareMask } from '../../src/images/mask-check.ts';

/**
 * The mask check of issue 14.2 on real PNGs made with sharp: what comes out is the
 * grayscale PNG the inpaint template's LoadImageMask reads (white = change) at the
 * image's size, and every mask that cannot be used is refused with its own code.
 */

/** A black `width`×`height` PNG with a white rectangle (white = change). */
function whiteOnBlack(width: number, height: number, box: { left: number; top: number; width: number; height: number } | null): Promise<Buffer> {
  const base = sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } } });
  if (box === null) return base.png().toBuffer();
  const white = { input: { create: { width: box.width, height: box.height, channels: 3 as const, background: { r: 255, g: 255, b: 255 } } }, left: box.left, top: box.top };
  return base.composite([white]).png().toBuffer();
}

/** An opaque photo-like PNG (red) whose rectangle `box` was erased to transparent, the way an image editor's eraser leaves it. */
async function erased(width: number, height: number, box: { left: number; top: number; width: number; height: number }): Promise<Buffer> {
  const { data } = await sharp({ create: { width, height, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 1 } } }).raw().toBuffer({ resolveWithObject: true });
  for (let y = box.top; y < box.top + box.height; y += 1) {
    for (let x = box.left; x < box.left + box.width; x += 1) data[(y * width + x) * 4 + 3] = 0;
  }
  return sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

/** The mask's level at a pixel (0 keep … 255 change), read from the PNG as saved. */
async function levelAt(png: Buffer, x: number, y: number): Promise<number> {
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return data[y * info.width + x]!;
}

async function refusal(promise: Promise<unknown>): Promise<MaskRejectedError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(MaskRejectedError);
  return caught as MaskRejectedError;
}

describe('prepareMask', () => {
  it('keeps white = change as a one-channel PNG at the image size', async () => {
    const mask = await whiteOnBlack(64, 64, { left: 0, top: 0, width: 32, height: 64 });
    const fitted = await prepareMask(mask, { width: 64, height: 64 });
    const meta = await sharp(fitted.png).metadata();
    expect({ format: meta.format, width: meta.width, height: meta.height, channels: meta.channels }).toEqual({ format: 'png', width: 64, height: 64, channels: 1 });
    expect(await levelAt(fitted.png, 10, 30)).toBe(255);
    expect(await levelAt(fitted.png, 50, 30)).toBe(0);
    expect(fitted.markedBy).toBe('white');
    expect(fitted.coverage).toBeCloseTo(0.5, 2);
  });

  it('scales a smaller mask of the same shape up to the image', async () => {
    const mask = await whiteOnBlack(100, 50, { left: 50, top: 0, width: 50, height: 50 });
    const fitted = await prepareMask(mask, { width: 1000, height: 500 });
    expect(await sharp(fitted.png).metadata()).toMatchObject({ width: 1000, height: 500 });
    expect(await levelAt(fitted.png, 900, 250)).toBe(255);
    expect(await levelAt(fitted.png, 100, 250)).toBe(0);
  });

  it('takes transparent pixels as the region when the mask has them, whatever their colour', async () => {
    const mask = await erased(80, 60, { left: 20, top: 10, width: 20, height: 20 });
    const fitted = await prepareMask(mask, { width: 80, height: 60 });
    expect(fitted.markedBy).toBe('transparent');
    expect(await levelAt(fitted.png, 30, 20)).toBe(255);
    expect(await levelAt(fitted.png, 70, 50)).toBe(0);
    expect(fitted.coverage).toBeCloseTo(400 / 4800, 2);
  });

  it('reads an opaque PNG with an alpha channel by its colours', async () => {
    const mask = await sharp(await whiteOnBlack(40, 40, { left: 0, top: 0, width: 10, height: 10 })).ensureAlpha().png().toBuffer();
    const fitted = await prepareMask(mask, { width: 40, height: 40 });
    expect(fitted.markedBy).toBe('white');
    expect(await levelAt(fitted.png, 5, 5)).toBe(255);
    expect(await levelAt(fitted.png, 30, 30)).toBe(0);
  });

  it('accepts an aspect off by under 1 % (a mask saved at a rounded size)', async () => {
    const mask = await whiteOnBlack(1000, 667, { left: 0, top: 0, width: 500, height: 667 });
    const fitted = await prepareMask(mask, { width: 1200, height: 800 });
    expect(await sharp(fitted.png).metadata()).toMatchObject({ width: 1200, height: 800 });
  });

  it('refuses another shape, naming both sizes', async () => {
    const mask = await whiteOnBlack(100, 100, { left: 0, top: 0, width: 50, height: 50 });
    const error = await refusal(prepareMask(mask, { width: 160, height: 100 }));
    expect(error.code).toBe('MASK_REJECTED');
    expect(error.reason).toBe('aspect');
    expect(error.userMessage).toMatch(/100×100.*160×100/u);
  });

  it('refuses a shape off by 2 %', async () => {
    const mask = await whiteOnBlack(102, 100, { left: 0, top: 0, width: 50, height: 50 });
    expect((await refusal(prepareMask(mask, { width: 100, height: 100 }))).reason).toBe('aspect');
  });

  it('refuses an empty mask: all black, or only darker than half grey', async () => {
    const black = await whiteOnBlack(64, 64, null);
    const error = await refusal(prepareMask(black, { width: 64, height: 64 }));
    expect(error.reason).toBe('empty');
    expect(error.userMessage).toMatch(/nothing to change/u);
    const grey = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 100, g: 100, b: 100 } } }).png().toBuffer();
    expect((await refusal(prepareMask(grey, { width: 64, height: 64 }))).reason).toBe('empty');
  });

  it('refuses a full mask: all white, or every pixel transparent', async () => {
    const white = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
    expect((await refusal(prepareMask(white, { width: 64, height: 64 }))).reason).toBe('full');
    const clear = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const error = await refusal(prepareMask(clear, { width: 64, height: 64 }));
    expect(error.reason).toBe('full');
    expect(error.userMessage).toMatch(/whole image/u);
  });

  it('refuses bytes that are no image, and a PNG cut short', async () => {
    expect((await refusal(prepareMask(Buffer.from('not a mask at all, just words'), { width: 64, height: 64 }))).reason).toBe('undecodable');
    const png = await whiteOnBlack(256, 256, { left: 0, top: 0, width: 100, height: 100 });
    expect((await refusal(prepareMask(png.subarray(0, png.length - 200), { width: 256, height: 256 }))).reason).toBe('undecodable');
  });
});

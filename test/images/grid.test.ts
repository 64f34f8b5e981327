import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { GRID_JPEG_BACKGROUND, gridLayout, makeGrid } from '../../src/images/grid.ts';
import { noisePng, pixelAt, solidPng } from './image-fixtures.ts';

const RED = { r: 255, g: 0, b: 0 };
const GREEN = { r: 0, g: 255, b: 0 };
const BLUE = { r: 0, g: 0, b: 255 };
const WHITE = { r: 255, g: 255, b: 255 };

describe('makeGrid', () => {
  it('puts four square images in a 2×2 sheet, in reading order', async () => {
    const images = await Promise.all([RED, GREEN, BLUE, WHITE].map((colour) => solidPng(256, 256, colour)));
    const grid = await makeGrid(images, { gap: 8, format: 'png' });
    expect(grid).toMatchObject({ format: 'png', columns: 2, rows: 2, cellWidth: 256, cellHeight: 256, width: 520, height: 520 });
    const meta = await sharp(grid.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 520, 520]);
    expect(await pixelAt(grid.data, 10, 10)).toEqual([255, 0, 0, 255]);
    expect(await pixelAt(grid.data, 300, 10)).toEqual([0, 255, 0, 255]);
    expect(await pixelAt(grid.data, 10, 300)).toEqual([0, 0, 255, 255]);
    expect(await pixelAt(grid.data, 510, 510)).toEqual([255, 255, 255, 255]);
    expect((await pixelAt(grid.data, 260, 10))[3]).toBe(0); // the gap is transparent
  });

  it('leaves the fourth cell empty for three images', async () => {
    const images = await Promise.all([RED, GREEN, BLUE].map((colour) => solidPng(100, 100, colour)));
    const grid = await makeGrid(images, { gap: 0 });
    expect([grid.width, grid.height, grid.columns, grid.rows]).toEqual([200, 200, 2, 2]);
    expect(grid.format).toBe('png'); // small enough to stay lossless by default
    expect((await pixelAt(grid.data, 150, 150))[3]).toBe(0);
  });

  it('stacks two landscape images and sets two portrait ones side by side', async () => {
    const landscape = await Promise.all([RED, GREEN].map((colour) => solidPng(300, 200, colour)));
    const portrait = await Promise.all([RED, GREEN].map((colour) => solidPng(200, 300, colour)));
    const stacked = await makeGrid(landscape, { gap: 4 });
    const sideBySide = await makeGrid(portrait, { gap: 4 });
    expect([stacked.width, stacked.height]).toEqual([300, 404]);
    expect([sideBySide.width, sideBySide.height]).toEqual([404, 300]);
  });

  it('scales the whole sheet to maxSide', async () => {
    const images = await Promise.all([RED, GREEN, BLUE, WHITE].map((colour) => solidPng(1024, 1024, colour)));
    const grid = await makeGrid(images, { maxSide: 1024, gap: 8 });
    expect(grid.cellWidth).toBe(508);
    expect([grid.width, grid.height]).toEqual([1024, 1024]);
  });

  it('gives images of another shape the same cell, centred rather than cropped', async () => {
    const square = await solidPng(200, 200, RED);
    const wide = await solidPng(200, 100, GREEN);
    const grid = await makeGrid([square, wide], { gap: 0 });
    expect([grid.width, grid.height, grid.cellWidth, grid.cellHeight]).toEqual([400, 200, 200, 200]);
    expect((await pixelAt(grid.data, 300, 10))[3]).toBe(0); // letterbox above the wide image
    expect(await pixelAt(grid.data, 300, 100)).toEqual([0, 255, 0, 255]);
  });

  it('by default makes a sheet of at most 1024 px as a JPEG, well under the size of the same sheet as PNG', async () => {
    const images = await Promise.all([0, 1, 2, 3].map(() => noisePng(1024, 1024)));
    const grid = await makeGrid(images);
    expect(grid).toMatchObject({ format: 'jpeg', width: 1024, height: 1024, cellWidth: 508 });
    const meta = await sharp(grid.data).metadata();
    expect([meta.format, meta.width, meta.height, meta.hasAlpha]).toEqual(['jpeg', 1024, 1024, false]);
    const asPng = await makeGrid(images, { format: 'png' });
    expect(grid.data.length).toBeLessThan(asPng.data.length / 2);
  });

  it('letterboxes on grey rather than black in a JPEG sheet, and keeps colours close', async () => {
    const square = await solidPng(600, 600, RED);
    const wide = await solidPng(600, 300, BLUE);
    const grid = await makeGrid([square, wide], { gap: 0 });
    expect([grid.format, grid.width, grid.height]).toEqual(['jpeg', 1024, 512]);
    const near = (actual: number[], expected: number[]) => expected.forEach((value, i) => expect(Math.abs(actual[i]! - value)).toBeLessThanOrEqual(8));
    near(await pixelAt(grid.data, 256, 256), [255, 0, 0]);
    near(await pixelAt(grid.data, 768, 256), [0, 0, 255]);
    near(await pixelAt(grid.data, 768, 40), [GRID_JPEG_BACKGROUND.r, GRID_JPEG_BACKGROUND.g, GRID_JPEG_BACKGROUND.b]);
  });

  it('lays out larger batches as the squarest grid', () => {
    expect(gridLayout(1, 10, 10)).toEqual({ columns: 1, rows: 1 });
    expect(gridLayout(6, 10, 10)).toEqual({ columns: 3, rows: 2 });
    expect(gridLayout(9, 10, 10)).toEqual({ columns: 3, rows: 3 });
  });
});

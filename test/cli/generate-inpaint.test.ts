import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { lastPostedGraph, nodeOf, type PostedGraph } from '../support/posted-graph.ts';
import { runCli } from './run-cli.ts';

/**
 * `comfycord generate inpaint --image a.png --mask m.png` (issue 14.2) against the ComfyUI
 * stand-in: both files uploaded, the mask checked and bound as the bot binds it, a mask
 * that cannot be used refused in one line before the server sees anything.
 */

let comfy: ComfyStandin;
let work: string;

beforeAll(async () => {
  comfy = await ComfyStandin.start({ stepDelayMs: 5, models: { checkpoints: ['sd_xl_base_1.0.safetensors'] } });
  work = await mkdtemp(join(tmpdir(), 'comfycord-cli-inpaint-'));
});
afterAll(async () => {
  await comfy.close();
  await rm(work, { recursive: true, force: true });
});

const lastGraph = (): PostedGraph => lastPostedGraph(comfy);

async function png(path: string, width: number, height: number, box: { left: number; top: number; width: number; height: number } | null, background = '#000000'): Promise<string> {
  const base = sharp({ create: { width, height, channels: 3, background } });
  const white = box === null ? [] : [{ input: { create: { width: box.width, height: box.height, channels: 3 as const, background: '#ffffff' } }, left: box.left, top: box.top }];
  await writeFile(path, await base.composite(white).png().toBuffer());
  return path;
}

const uploads = () => comfy.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/upload/image')).length;

describe('comfycord generate inpaint', () => {
  it('--image and --mask: both uploaded, the mask one-channel at the image size on LoadImageMask, the result saved', async () => {
    const image = await png(join(work, 'a.png'), 96, 64, null, '#446688');
    const mask = await png(join(work, 'm.png'), 48, 32, { left: 0, top: 0, width: 24, height: 32 });
    const before = uploads();
    const result = await runCli(['generate', 'inpaint', '--server', comfy.url, '--image', image, '--mask', mask, '--prompt', 'a red door', '--steps', '2', '--out', join(work, 'out')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(uploads()).toBe(before + 2);
    const graph = lastGraph();
    const sentMask = comfy.uploads.get(String(nodeOf(graph, 'LoadImageMask').inputs['image']))!;
    const sentImage = comfy.uploads.get(String(nodeOf(graph, 'LoadImage').inputs['image']))!;
    expect(await sharp(sentImage).metadata()).toMatchObject({ width: 96, height: 64 });
    expect(await sharp(sentMask).metadata()).toMatchObject({ width: 96, height: 64, channels: 1 });
    const levels = await sharp(sentMask).extractChannel(0).raw().toBuffer();
    expect([levels[32 * 96 + 10], levels[32 * 96 + 80]]).toEqual([255, 0]);
  });

  it.each([
    ['another shape', (dir: string) => png(join(dir, 'square.png'), 64, 64, { left: 0, top: 0, width: 8, height: 8 }), 'comfycord: The mask is 64×64 but the image is 96×64: they must have the same shape.'],
    ['nothing marked', (dir: string) => png(join(dir, 'black.png'), 96, 64, null), 'comfycord: The mask marks nothing to change.'],
    ['not an image', async (dir: string) => {
      await writeFile(join(dir, 'words.png'), 'these are words, not a mask');
      return join(dir, 'words.png');
    }, 'comfycord: The mask could not be read as an image'],
  ])('a mask with %s is refused in one line before the server sees anything', async (_name, make, line) => {
    const image = await png(join(work, 'b.png'), 96, 64, null, '#884466');
    const mask = await make(work);
    const before = comfy.requests.length;
    const result = await runCli(['generate', 'inpaint', '--server', comfy.url, '--image', image, '--mask', mask, '--prompt', 'x', '--out', join(work, 'bad')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(line);
    expect(comfy.requests.length).toBe(before);
  });

  it('--mask without --image, and --mask on a template without a mask, are usage errors', async () => {
    const mask = await png(join(work, 'n.png'), 96, 64, { left: 0, top: 0, width: 8, height: 8 });
    const alone = await runCli(['generate', 'inpaint', '--server', comfy.url, '--mask', mask, '--prompt', 'x', '--out', join(work, 'u')]);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain('--mask needs --image');
    const image = await png(join(work, 'c.png'), 96, 64, null);
    const wrong = await runCli(['generate', 'img2img', '--server', comfy.url, '--image', image, '--mask', mask, '--prompt', 'x', '--out', join(work, 'u')]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("template 'img2img' takes no mask (--mask)");
    const missing = await runCli(['generate', 'inpaint', '--server', comfy.url, '--mask', join(work, 'nope.png'), '--image', image, '--prompt', 'x', '--out', join(work, 'u')]);
    expect(missing.stderr).toMatch(/cannot read --mask '.*nope\.png'/u);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { lastPostedGraph, type PostedGraph } from '../support/posted-graph.ts';
import { EDIT_MODELS } from '../support/edit-models.ts';
import { runCli } from './run-cli.ts';

/** `comfycord generate edit --image a.png --image b.png` against the ComfyUI stand-in: each file on its own LoadImage. */

let comfy: ComfyStandin;
let work: string;
const colours = { a: { r: 220, g: 20, b: 20 }, b: { r: 20, g: 200, b: 40 }, c: { r: 30, g: 40, b: 210 }, d: { r: 200, g: 200, b: 20 } };

beforeAll(async () => {
  comfy = await ComfyStandin.start({ stepDelayMs: 5, models: { checkpoints: ['sd_xl_base_1.0.safetensors'], ...EDIT_MODELS } });
  work = await mkdtemp(join(tmpdir(), 'comfycord-cli-edit-'));
  for (const [name, background] of Object.entries(colours)) {
    await writeFile(join(work, `${name}.png`), await sharp({ create: { width: 96, height: 64, channels: 3, background } }).png().toBuffer());
  }
});
afterAll(async () => {
  await comfy.close();
  await rm(work, { recursive: true, force: true });
});

/** Each test starts the CLI as a process (tsx compiles it first): slow on a loaded 2-core machine. */
const CLI_TEST_MS = 60_000;

const lastGraph = (): PostedGraph => lastPostedGraph(comfy);

/** The mean colour of the file a LoadImage of the last graph reads, as ComfyUI holds it. */
async function colourAt(graph: PostedGraph, node: string): Promise<{ r: number; g: number; b: number }> {
  const bytes = comfy.uploads.get(String(graph[node]?.inputs['image']));
  if (bytes === undefined) throw new Error(`node ${node} reads no uploaded file`);
  const [r, g, b] = (await sharp(bytes).stats()).channels.map((channel) => Math.round(channel.mean));
  return { r: r!, g: g!, b: b! };
}

const loadImageIds = (graph: PostedGraph) => Object.keys(graph).filter((id) => graph[id]?.class_type === 'LoadImage').sort();

describe('comfycord generate edit', () => {
  it('--image a.png --image b.png: a on image\'s LoadImage, b on image2\'s, no LoadImage for image3', async () => {
    const result = await runCli(['generate', 'edit', '--server', comfy.url, '--image', join(work, 'a.png'), '--image', join(work, 'b.png'), '--prompt', 'the red one wears the green hat', '--steps', '2', '--out', join(work, 'two')]);
    expect(result.code).toBe(0);
    const graph = lastGraph();
    expect(loadImageIds(graph)).toEqual(['input', 'input2']);
    expect(await colourAt(graph, 'input')).toEqual(colours.a);
    expect(await colourAt(graph, 'input2')).toEqual(colours.b);
    expect(graph['stitch3']?.inputs).not.toHaveProperty('image2');
    expect(graph['positive']?.inputs['text']).toBe('the red one wears the green hat');
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
  }, CLI_TEST_MS);

  it('three images on the Qwen-Image-Edit template: each on its own LoadImage, into TextEncodeQwenImageEditPlus', async () => {
    const images = ['a', 'b', 'c'].flatMap((name) => ['--image', join(work, `${name}.png`)]);
    const result = await runCli(['generate', 'edit-qwen', '--server', comfy.url, ...images, '--prompt', 'x', '--steps', '1', '--out', join(work, 'qwen')]);
    expect(result.code).toBe(0);
    const graph = lastGraph();
    expect(loadImageIds(graph)).toEqual(['input', 'input2', 'input3']);
    expect([await colourAt(graph, 'input'), await colourAt(graph, 'input2'), await colourAt(graph, 'input3')]).toEqual([colours.a, colours.b, colours.c]);
    expect(graph['positive']?.inputs).toMatchObject({ image1: ['scale', 0], image2: ['input2', 0], image3: ['input3', 0] });
  }, CLI_TEST_MS);

  it('more images than the template takes is refused, naming how many it takes, before the server sees anything', async () => {
    const before = comfy.requests.length;
    const four = ['a', 'b', 'c', 'd'].flatMap((name) => ['--image', join(work, `${name}.png`)]);
    const tooMany = await runCli(['generate', 'edit', '--server', comfy.url, ...four, '--prompt', 'x', '--out', join(work, 'four')]);
    expect(tooMany.code).not.toBe(0);
    expect(tooMany.stderr).toContain("template 'edit' takes at most 3 input images (image, image2, image3), got 4 --image files");
    const img2img = await runCli(['generate', 'img2img', '--server', comfy.url, '--image', join(work, 'a.png'), '--image', join(work, 'b.png'), '--prompt', 'x', '--out', join(work, 'i2i')]);
    expect(img2img.code).not.toBe(0);
    expect(img2img.stderr).toContain("template 'img2img' takes at most 1 input image (image), got 2 --image files");
    expect(comfy.requests.length).toBe(before);
  }, CLI_TEST_MS);
});

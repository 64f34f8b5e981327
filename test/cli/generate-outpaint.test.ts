import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { runCli } from './run-cli.ts';

/** `comfycord generate outpaint --image a.png --set zoom=2` against the ComfyUI stand-in: the pads that reach ComfyUI. */

let comfy: ComfyStandin;
let work: string;

beforeAll(async () => {
  comfy = await ComfyStandin.start({ stepDelayMs: 5, models: { checkpoints: ['sd_xl_base_1.0.safetensors'] } });
  work = await mkdtemp(join(tmpdir(), 'comfycord-cli-outpaint-'));
});
afterAll(async () => {
  await comfy.close();
  await rm(work, { recursive: true, force: true });
});

/** Each test starts the CLI as a process (tsx compiles it first): slow on a loaded 2-core machine. */
const CLI_TEST_MS = 60_000;

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

function lastPad(): Record<string, unknown> | undefined {
  const post = comfy.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/prompt')).at(-1);
  const graph = (post?.json as { prompt: Graph } | undefined)?.prompt ?? {};
  return Object.values(graph).find((node) => node.class_type === 'ImagePadForOutpaint')?.inputs;
}

describe('comfycord generate outpaint', () => {
  it('--set zoom=2 on a 96×64 image: 48 left and right, 32 top and bottom; says the padded size', async () => {
    const input = join(work, 'a.png');
    await writeFile(input, await sharp({ create: { width: 96, height: 64, channels: 3, background: '#446688' } }).png().toBuffer());
    const result = await runCli(['generate', 'outpaint', '--server', comfy.url, '--image', input, '--prompt', 'a wide valley', '--set', 'zoom=2', '--steps', '2', '--out', join(work, 'zoom')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('padded to 192×128');
    expect(lastPad()).toMatchObject({ left: 48, top: 32, right: 48, bottom: 32 });
  }, CLI_TEST_MS);

  it('--set pan=up and --set square=true', async () => {
    const input = join(work, 'b.png');
    await writeFile(input, await sharp({ create: { width: 96, height: 64, channels: 3, background: '#884466' } }).png().toBuffer());
    const pan = await runCli(['generate', 'outpaint', '--server', comfy.url, '--image', input, '--prompt', 'sky', '--set', 'pan=up', '--steps', '1', '--out', join(work, 'pan')]);
    expect(pan.code).toBe(0);
    expect(lastPad()).toMatchObject({ left: 0, top: 32, right: 0, bottom: 0 });
    const square = await runCli(['generate', 'outpaint', '--server', comfy.url, '--image', input, '--prompt', 'sky', '--set', 'square=true', '--steps', '1', '--out', join(work, 'square')]);
    expect(square.code).toBe(0);
    expect(square.stderr).toContain('padded to 96×96');
    expect(lastPad()).toMatchObject({ left: 0, top: 16, right: 0, bottom: 16 });
  }, CLI_TEST_MS);

  it('a zoom out of range is refused before the server sees anything', async () => {
    const input = join(work, 'c.png');
    await writeFile(input, await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000000' } }).png().toBuffer());
    const before = comfy.requests.length;
    const result = await runCli(['generate', 'outpaint', '--server', comfy.url, '--image', input, '--prompt', 'x', '--set', 'zoom=0.5', '--out', join(work, 'bad')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('zoom must be a number above 1 and at most 4, got 0.5');
    expect(comfy.requests.length).toBe(before);
  }, CLI_TEST_MS);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { checkContainer } from '../../src/images/media-container.ts';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { MEDIA_TEMPLATES } from '../support/media-graphs.ts';
import { runCli } from './run-cli.ts';

/**
 * Issue 13.1 through the CLI: a graph of each output kind run by `comfycord generate`
 * against the stand-in, every file saved with its kind's extension, byte for byte.
 */

let comfy: ComfyStandin;
let work: string;
let workflows: string;

beforeAll(async () => {
  comfy = await ComfyStandin.start({ stepDelayMs: 1 });
  work = await mkdtemp(join(tmpdir(), 'comfycord-cli-kinds-'));
  workflows = join(work, 'workflows');
  await mkdir(workflows);
  for (const [name, text] of Object.entries(MEDIA_TEMPLATES)) await writeFile(join(workflows, `${name}.json`), text);
});
afterAll(async () => {
  await comfy.close();
  await rm(work, { recursive: true, force: true });
});

async function generate(template: string, prompt = 'a fox'): Promise<string[]> {
  const out = join(work, template);
  const result = await runCli(['generate', template, '--server', comfy.url, '--prompt', prompt, '--out', out], { env: { WORKFLOWS_DIR: workflows } });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim().split('\n');
}

function served(path: string): Buffer | undefined {
  const name = basename(path);
  return comfy.outputs.get(name) ?? [...comfy.outputs].find(([key]) => key.endsWith(`/${name}`))?.[1];
}

describe('comfycord generate: every output kind', () => {
  it('saves an animated WebP (SaveAnimatedWEBP) as .webp, still animated', async () => {
    const [path, ...rest] = await generate('anim-webp');
    expect(rest).toEqual([]);
    expect(path).toMatch(/anim_\d{5}_\.webp$/);
    const saved = await readFile(path!);
    expect(saved.equals(served(path!)!)).toBe(true);
    expect((await sharp(saved, { animated: true }).metadata()).pages).toBe(4);
  });

  it('saves a SaveWEBM video (reported under `images` with `animated`) as .webm', async () => {
    const [path] = await generate('video-webm');
    expect(path).toMatch(/clip_\d{5}_\.webm$/);
    const saved = await readFile(path!);
    expect(saved.equals(served(path!)!)).toBe(true);
    expect(checkContainer(saved, 'video/webm')).toEqual({ ok: true, container: 'webm' });
  });

  it('saves a VHS_VideoCombine video (reported under `gifs`) as .mp4', async () => {
    const [path] = await generate('video-vhs');
    expect(path).toMatch(/vhs_\d{5}_\.mp4$/);
    expect(checkContainer(await readFile(path!), 'video/mp4')).toEqual({ ok: true, container: 'mp4' });
  });

  it('saves a SaveAudio sound as .flac', async () => {
    const [path] = await generate('audio-flac');
    expect(path).toMatch(/sound_\d{5}_\.flac$/);
    const saved = await readFile(path!);
    expect(saved.subarray(0, 4).toString('latin1')).toBe('fLaC');
    expect(saved.equals(served(path!)!)).toBe(true);
  });

  it('saves a text output (PreviewAny) as a .txt file holding the text as sent', async () => {
    const text = 'a *caption* <@123456789012345678> @everyone\nsecond line';
    const [path, ...rest] = await generate('caption', text);
    expect(rest).toEqual([]);
    expect(path).toMatch(/text-show\.txt$/);
    expect(await readFile(path!, 'utf8')).toBe(text);
  });
});

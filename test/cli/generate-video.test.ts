import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { checkContainer } from '../../src/images/media-container.ts';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { lastPostedGraph, nodeOf, type PostedGraph } from '../support/posted-graph.ts';
import { ROOT, runCli } from './run-cli.ts';

/**
 * Issue 13.3 through the CLI: the shipped `video` template (workflows/video.json, Wan 2.1
 * text-to-video) run by `comfycord generate video` against the ComfyUI stand-in, whose
 * model folders hold the Wan files: the clip saved as .webm, byte for byte, with the step
 * progress on stderr and the length and fps written into the graph.
 */

const WAN_MODELS = {
  diffusion_models: ['wan2.1_t2v_1.3B_fp16.safetensors'],
  text_encoders: ['umt5_xxl_fp8_e4m3fn_scaled.safetensors'],
  vae: ['wan_2.1_vae.safetensors'],
};

let comfy: ComfyStandin;
let work: string;

beforeAll(async () => {
  comfy = await ComfyStandin.start({ stepDelayMs: 300, models: WAN_MODELS });
  work = await mkdtemp(join(tmpdir(), 'comfycord-cli-video-'));
});
afterAll(async () => {
  await comfy.close();
  await rm(work, { recursive: true, force: true });
});

const lastGraph = (): PostedGraph => lastPostedGraph(comfy);

describe('comfycord generate video', () => {
  it('saves the WebM clip with its extension, shows step progress, and writes length and fps into the Wan graph', async () => {
    const out = join(work, 'out');
    const args = ['generate', 'video', '--server', comfy.url, '--prompt', 'a fox running through snow', '--steps', '8', '--width', '512', '--height', '288'];
    const result = await runCli([...args, '--set', 'length=17', '--set', 'fps=12', '--seed', '7', '--out', out]);
    expect(result.code, result.stderr).toBe(0);

    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const path = lines[0]!;
    expect(path.startsWith(out)).toBe(true);
    expect(path).toMatch(/\.webm$/);
    const saved = await readFile(path);
    const served = comfy.outputs.get(basename(path)) ?? [...comfy.outputs].find(([key]) => key.endsWith(`/${basename(path)}`))?.[1];
    expect(served && saved.equals(served)).toBe(true);
    expect(checkContainer(saved, 'video/webm')).toEqual({ ok: true, container: 'webm' });

    // Off a terminal the progress is a line per second at most, and the last state before "done" is always printed.
    expect(result.stderr).toMatch(/step [1-8]\/8/);
    expect(result.stderr).toMatch(/done in [\d.]+ s/);

    const graph = lastGraph();
    expect(nodeOf(graph, 'EmptyHunyuanLatentVideo').inputs).toMatchObject({ width: 512, height: 288, length: 17 });
    expect(nodeOf(graph, 'SaveWEBM').inputs['fps']).toBe(12);
    expect(nodeOf(graph, 'KSampler').inputs).toMatchObject({ seed: 7, steps: 8 });
  }, 30_000);

  it('refuses a length outside the template\'s range before the server sees anything', async () => {
    const before = comfy.requests.filter((request) => request.method === 'POST').length;
    const result = await runCli(['generate', 'video', '--server', comfy.url, '--prompt', 'x', '--set', 'length=500', '--out', join(work, 'bad')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/length/);
    expect(comfy.requests.filter((request) => request.method === 'POST').length).toBe(before);
  }, 30_000);

  it("without --timeout a run is bounded by the template's timeoutSeconds, not the CLI's 600 s default", async () => {
    // A Wan clip takes longer than 600 s on most GPUs: workflows/video.json says 1800. Here a copy says 2.
    const stalled = await ComfyStandin.start({ manualSteps: true, models: WAN_MODELS });
    try {
      const shipped = JSON.parse(await readFile(join(ROOT, 'workflows', 'video.json'), 'utf8')) as Record<string, unknown>;
      const path = join(work, 'slow-video.json');
      await writeFile(path, JSON.stringify({ ...shipped, timeoutSeconds: 2 }));
      const started = Date.now();
      const result = await runCli(['generate', path, '--server', stalled.url, '--prompt', 'a fox', '--out', join(work, 'slow')], { timeoutMs: 20_000 });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n').at(-1)).toBe("comfycord: gave up after 2 s (the template's timeoutSeconds; --timeout to change it); the prompt was cancelled");
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(stalled.requests.some((request) => request.method === 'POST' && /\/(interrupt|queue|api\/jobs\/[^/]+\/cancel)$/.test(request.path))).toBe(true);
    } finally {
      await stalled.close();
    }
  }, 30_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ComfyStandin, STANDIN_VERSIONS } from '../support/comfy-standin.ts';
import { ROOT, runCli } from './run-cli.ts';

let comfy: ComfyStandin;
let work: string;

beforeAll(async () => {
  comfy = await ComfyStandin.start({ stepDelayMs: 5, models: { checkpoints: ['sd_xl_base_1.0.safetensors'], upscale_models: ['RealESRGAN_x4plus.pth'] } });
  work = await mkdtemp(join(tmpdir(), 'comfycord-cli-'));
});
afterAll(async () => {
  await comfy.close();
  await rm(work, { recursive: true, force: true });
});

describe('comfycord generate', () => {
  it('runs txt2img, saves the image byte for byte and prints its path', async () => {
    const out = join(work, 'fox');
    const result = await runCli(['generate', 'txt2img', '--server', comfy.url, '--prompt', 'a red fox', '--out', out, '--steps', '3', '--seed', '42']);
    expect(result.stderr).not.toMatch(/Error|at /);
    expect(result.code).toBe(0);
    const paths = result.stdout.trim().split('\n');
    expect(paths).toHaveLength(1);
    expect(paths[0]).toMatch(new RegExp(`^${out}/.+\\.png$`));
    const saved = await readFile(paths[0]!);
    const name = paths[0]!.split('/').pop()!;
    const served = comfy.outputs.get(name) ?? [...comfy.outputs].find(([key]) => key.endsWith(`/${name}`))?.[1];
    expect(served).toBeDefined();
    expect(saved.equals(served!)).toBe(true);
    // what went to ComfyUI: the prompt text and seed landed in the graph
    const post = comfy.requests.find((request) => request.method === 'POST' && request.path.endsWith('/prompt'));
    const graph = (post?.json as { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> }).prompt;
    const sampler = Object.values(graph).find((node) => node.class_type === 'KSampler');
    expect(sampler?.inputs['seed']).toBe(42);
    expect(sampler?.inputs['steps']).toBe(3);
    expect(Object.values(graph).some((node) => node.inputs['text'] === 'a red fox')).toBe(true);
    expect(result.stderr).toMatch(/done/);
  });

  it('shows live progress on stderr while the sampler runs', async () => {
    const slow = await ComfyStandin.start({ stepDelayMs: 400, models: { checkpoints: ['sd_xl_base_1.0.safetensors'] } });
    try {
      const result = await runCli(['generate', 'txt2img', '--server', slow.url, '--prompt', 'fox', '--out', join(work, 'slow'), '--steps', '6']);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/node \d+\/\d+ · step \d\/6 · \d+%/);
    } finally {
      await slow.close();
    }
  });

  it('uploads --image for img2img and binds it to LoadImage', async () => {
    const input = join(work, 'input.png');
    await writeFile(input, await sharp({ create: { width: 96, height: 64, channels: 3, background: '#336699' } }).png().toBuffer());
    const result = await runCli(['generate', 'img2img', '--server', comfy.url, '--image', input, '--prompt', 'oil painting', '--denoise', '0.5', '--out', join(work, 'i2i')]);
    expect(result.stderr).toBe(result.stderr.replace(/comfycord:/, ''));
    expect(result.code).toBe(0);
    const uploaded = [...comfy.uploads.keys()].find((name) => name.startsWith('comfycord-cli-'));
    expect(uploaded).toBeDefined();
    const post = comfy.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/prompt')).at(-1);
    const graph = (post?.json as { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> }).prompt;
    const loader = Object.values(graph).find((node) => node.class_type === 'LoadImage');
    expect(loader?.inputs['image']).toBe(uploaded);
  });

  it("draws a random seed within the server's own max for the seed input", async () => {
    const narrow = await ComfyStandin.start({ stepDelayMs: 1, models: { checkpoints: ['sd_xl_base_1.0.safetensors'] }, inputBounds: { 'KSampler.seed': { max: 4294967295 } } });
    try {
      const result = await runCli(['generate', 'txt2img', '--server', narrow.url, '--prompt', 'fox', '--out', join(work, 'seeded'), '--steps', '1']);
      expect(result.stderr).not.toMatch(/bigger than max/);
      expect(result.code).toBe(0);
      const post = narrow.requests.find((request) => request.method === 'POST' && request.path.endsWith('/prompt'));
      const graph = (post?.json as { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> }).prompt;
      const seed = Object.values(graph).find((node) => node.class_type === 'KSampler')?.inputs['seed'] as number;
      expect(seed).toBeLessThanOrEqual(4294967295);
      expect(result.stderr).toContain(`seed ${seed}`);
    } finally {
      await narrow.close();
    }
  });

  it('exits 1 with a short message when ComfyUI is unreachable', async () => {
    const result = await runCli(['generate', 'txt2img', '--server', 'http://127.0.0.1:9', '--prompt', 'fox', '--out', join(work, 'x')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/comfycord: ComfyUI at 127\.0\.0\.1:9 is not reachable/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 naming the node and value when ComfyUI rejects the graph', async () => {
    const result = await runCli(['generate', 'txt2img', '--server', comfy.url, '--prompt', 'fox', '--set', 'checkpoint=missing.safetensors', '--out', join(work, 'x')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/comfycord: .*CheckpointLoaderSimple.*missing\.safetensors/);
  });

  it('exits 1 on a bad option before contacting the server', async () => {
    const before = comfy.requests.length;
    const result = await runCli(['generate', 'txt2img', '--server', comfy.url, '--prompt', 'fox', '--steps', '500']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/steps must be between 1 and 100, got '?500'?/);
    expect(comfy.requests.length).toBe(before);
    const unknown = await runCli(['generate', 'txt2img', '--prompt', 'fox', '--frobnicate', '1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown option '--frobnicate'/i);
    const noTemplate = await runCli(['generate', 'nope', '--prompt', 'fox']);
    expect(noTemplate.code).toBe(1);
    expect(noTemplate.stderr).toMatch(/no template 'nope'; available: .*txt2img/);
  });

  it('exits 1 with ComfyUI\'s exception when a node fails', async () => {
    const file = join(work, 'broken.json');
    await writeFile(
      file,
      JSON.stringify({
        kind: 'other',
        options: { message: { type: 'string', default: 'boom', targets: ['2.inputs.message'] } },
        graph: {
          '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0 } },
          '2': { class_type: 'RaiseError', inputs: { image: ['1', 0], message: 'boom' } },
          '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 't' } },
        },
      }),
    );
    const result = await runCli(['generate', file, '--server', comfy.url, '--set', 'message=boom from the test', '--out', join(work, 'x')]);
    expect(result.stderr).toMatch(/comfycord: .*RaiseError.*boom from the test/);
    expect(result.code).toBe(1);
  });
});

describe('settings each verb reads', () => {
  it('generate is not stopped by a setting only the bot reads (USER_MAX_PENDING=-1, a bad DISCORD_GUILD_ID)', async () => {
    const result = await runCli(['generate', 'txt2img', '--server', comfy.url, '--prompt', 'a fox', '--out', join(work, 'bot-only'), '--steps', '2'], {
      env: { USER_MAX_PENDING: '-1', DISCORD_GUILD_ID: 'not-an-id', HTTP_PORT: 'eighty' },
    });
    expect(result.stderr).not.toContain('USER_MAX_PENDING');
    expect(result.code).toBe(0);
  });

  it('a setting generate does read is still checked, by name, before anything is sent', async () => {
    const before = comfy.requests.length;
    const result = await runCli(['generate', 'txt2img', '--server', comfy.url, '--prompt', 'a fox', '--out', join(work, 'bad-setting')], { env: { ATTACHMENT_MAX_BYTES: 'lots' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ATTACHMENT_MAX_BYTES: must be a whole number/);
    expect(comfy.requests.length).toBe(before);
  });

  it('a WORKFLOWS_DIR that does not exist is an error, not a quiet fall-back to the shipped templates', async () => {
    const missing = join(work, 'no-such-folder');
    const result = await runCli(['templates'], { env: { WORKFLOWS_DIR: missing } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`WORKFLOWS_DIR: folder '${missing}' does not exist (unset WORKFLOWS_DIR to use the shipped templates)`);
    expect(result.stdout).toBe('');
  });
});

describe('comfycord templates', () => {
  it('takes a template dropped in under any file name: listed under its derived name, from its file, and runs by that name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'comfycord-dropin-'));
    try {
      const file = 'My Fox — portrait (v2).json';
      await writeFile(join(dir, file), await readFile(join(ROOT, 'workflows', 'txt2img.json')));
      const listed = await runCli(['templates'], { env: { WORKFLOWS_DIR: dir } });
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain(`my-fox-portrait-v2 (txt2img, from ${file})`);
      const run = await runCli(['generate', 'my-fox-portrait-v2', '--server', comfy.url, '--prompt', 'a fox', '--out', join(dir, 'out'), '--steps', '2'], { env: { WORKFLOWS_DIR: dir } });
      expect(run.stderr).not.toMatch(/error/i);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim().split('\n')[0]).toMatch(/\.png$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('lists templates with options and says what the server lacks', async () => {
    const bare = await ComfyStandin.start({ models: { checkpoints: ['other.safetensors'] } });
    try {
      const result = await runCli(['templates', '--server', bare.url]);
      expect(result.stdout).toMatch(/txt2img \(txt2img\)/);
      expect(result.stdout).toMatch(/--prompt\s+text, required/);
      expect(result.stdout).toMatch(/checkpoint 'sd_xl_base_1\.0\.safetensors' is not on the server/);
      expect(result.code).toBe(1);
      const offline = await runCli(['templates']);
      expect(offline.code).toBe(0);
      expect(offline.stdout).toMatch(/upscale/);
    } finally {
      await bare.close();
    }
  });
});

/** A template whose resize node ComfyUI has since renamed (its /node_replacements rewrites it). */
const DEPRECATED_NODE_TEMPLATE = {
  description: 'Shrink an image by its longer edge',
  kind: 'upscale',
  options: { image: { type: 'image', required: true, targets: ['input.inputs.image'] } },
  graph: {
    input: { class_type: 'LoadImage', inputs: { image: 'input.png' } },
    shrink: { class_type: 'ResizeImagesByLongerEdge', inputs: { images: ['input', 0], longer_edge: 512 } },
    save: { class_type: 'SaveImage', inputs: { images: ['shrink', 0], filename_prefix: 'shrunk' } },
  },
};

describe.each(STANDIN_VERSIONS)('comfycord templates against a ComfyUI %s server', (version) => {
  it('accepts a deprecated node the server rewrites (/node_replacements), and names it where the server cannot run it', async () => {
    const dir = await mkdtemp(join(work, 'deprecated-'));
    await writeFile(join(dir, 'shrink.json'), JSON.stringify(DEPRECATED_NODE_TEMPLATE));
    const comfy = await ComfyStandin.start({ version });
    try {
      const result = await runCli(['templates', '--server', comfy.url], { env: { WORKFLOWS_DIR: dir } });
      if (version === 'newer') {
        expect(result.stdout).toMatch(/has everything this template needs/);
        expect(result.code).toBe(0);
      } else {
        expect(result.stdout).toMatch(/node type 'ResizeImagesByLongerEdge' is not installed on the server/);
        expect(result.code).toBe(1);
      }
    } finally {
      await comfy.close();
    }
  });
});

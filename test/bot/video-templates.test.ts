import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkContainer } from '../../src/images/media-container.ts';
import { commandOption } from '../support/discord-standin/index.ts';
import { BotHarness, CHECKPOINT, messageJson, nodeOf, promptBodies, UPSCALE_MODEL } from './harness.ts';

/**
 * Issue 13.3 through the stand-ins: the shipped Wan templates (workflows/video.json,
 * workflows/animate.json) run by `/imagine template:video` and `/animate`, against a
 * ComfyUI whose model folders hold the Wan files.
 */

const WAN_MODELS = {
  diffusion_models: ['wan2.1_t2v_1.3B_fp16.safetensors', 'wan2.1_i2v_480p_14B_fp16.safetensors'],
  text_encoders: ['umt5_xxl_fp8_e4m3fn_scaled.safetensors'],
  clip_vision: ['clip_vision_h.safetensors'],
  vae: ['wan_2.1_vae.safetensors'],
};

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ comfy: { stepDelayMs: 10, previewsChange: true, models: { checkpoints: [CHECKPOINT], upscale_models: [UPSCALE_MODEL], ...WAN_MODELS } } });
});
afterAll(async () => {
  await h.stop();
});

const lastPrompt = () => promptBodies(h.comfy).at(-1)!.prompt;

describe('video templates', () => {
  it('/imagine template:video delivers a WebM with a poster, the size, length, fps and seed written into the Wan graph', async () => {
    const raw = await h.slash('imagine', [
      commandOption.string('prompt', 'a fox running through snow'),
      commandOption.string('template', 'video'),
      commandOption.string('size', '512x288'),
      commandOption.integer('length', 17),
      commandOption.number('fps', 12),
      commandOption.integer('seed', 42),
    ]);
    const final = await h.waitForFinal(raw, 20_000);
    const json = messageJson(final);
    expect(json.content, JSON.stringify(json)).toMatch(/^✅ Done/u);
    const names = final.files.map((file) => file.filename);
    expect(names).toEqual([expect.stringMatching(/-1\.webm$/), expect.stringMatching(/-poster\.(png|jpe?g|webp)$/)]);
    expect(checkContainer(final.files[0]!.data, 'video/webm').ok).toBe(true);
    expect((await sharp(final.files[1]!.data).metadata()).width).toBeGreaterThan(0);
    expect(json.embeds?.[0]?.image?.url).toBe(`attachment://${names[1]}`);

    const graph = lastPrompt();
    expect(nodeOf(graph, 'EmptyHunyuanLatentVideo').inputs).toMatchObject({ width: 512, height: 288, length: 17 });
    expect(nodeOf(graph, 'SaveWEBM').inputs['fps']).toBe(12);
    expect(nodeOf(graph, 'KSampler').inputs['seed']).toBe(42);
    expect(nodeOf(graph, 'CLIPLoader').inputs).toMatchObject({ type: 'wan', clip_name: WAN_MODELS.text_encoders[0] });
    expect(nodeOf(graph, 'UNETLoader').inputs['unet_name']).toBe('wan2.1_t2v_1.3B_fp16.safetensors');
    expect(Object.values(graph).some((node) => node.class_type === 'CLIPTextEncode' && node.inputs['text'] === 'a fox running through snow')).toBe(true);
  }, 30_000);

  it("a video's poster is the last live preview of its run (the previews change step by step), not the first", async () => {
    const previews: Array<{ promptId: string; image: Buffer }> = [];
    const listen = (promptId: string, _node: string, image: Buffer) => void previews.push({ promptId, image });
    h.comfy.on('preview', listen);
    let final;
    try {
      const raw = await h.slash('imagine', [commandOption.string('prompt', 'waves at dusk'), commandOption.string('template', 'video'), commandOption.integer('steps', 5)]);
      final = await h.waitForFinal(raw, 20_000);
    } finally {
      h.comfy.off('preview', listen);
    }
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    const ours = previews.filter((preview) => preview.promptId === previews.at(-1)?.promptId);
    expect(ours).toHaveLength(5);
    const poster = final.files.find((file) => /-poster\.png$/.test(file.filename));
    expect(poster, final.files.map((file) => file.filename).join(', ')).toBeDefined();
    expect(messageJson(final).embeds?.[0]?.image?.url).toBe(`attachment://${poster!.filename}`);
    const pixels = async (data: Buffer) => (await sharp(data).removeAlpha().raw().toBuffer({ resolveWithObject: true }));
    const [shown, last, first] = await Promise.all([pixels(poster!.data), pixels(ours.at(-1)!.image), pixels(ours[0]!.image)]);
    expect(shown.info).toMatchObject({ width: last.info.width, height: last.info.height });
    expect(shown.data.equals(last.data)).toBe(true);
    expect(shown.data.equals(first.data)).toBe(false);
  }, 30_000);

  it('/animate uploads the image, binds it to the start frame and delivers a WebM', async () => {
    const png = await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toBuffer();
    const attachment = h.rest.hostAttachment({ filename: 'cat.png', data: png, contentType: 'image/png' });
    const uploadsBefore = h.comfy.requests.filter((r) => r.method === 'POST' && r.route === '/upload/image').length;
    const raw = await h.slash('animate', [commandOption.attachment('image', attachment), commandOption.string('prompt', 'the cat blinks'), commandOption.integer('length', 9)]);
    const final = await h.waitForFinal(raw, 20_000);
    const json = messageJson(final);
    expect(json.content, JSON.stringify(json)).toMatch(/^✅ Done/u);
    expect(final.files[0]!.filename).toMatch(/-1\.webm$/);

    const uploads = h.comfy.requests.filter((r) => r.method === 'POST' && r.route === '/upload/image');
    expect(uploads).toHaveLength(uploadsBefore + 1);
    const graph = lastPrompt();
    const [loadId, loadImage] = Object.entries(graph).find(([, node]) => node.class_type === 'LoadImage')!;
    expect(h.comfy.uploads.has(String(loadImage.inputs['image']))).toBe(true);
    const i2v = nodeOf(graph, 'WanImageToVideo').inputs;
    expect(i2v['start_image']).toEqual([loadId, 0]);
    expect(i2v['length']).toBe(9);
    expect(nodeOf(graph, 'UNETLoader').inputs['unet_name']).toBe('wan2.1_i2v_480p_14B_fp16.safetensors');
  }, 30_000);

  it('/animate refuses a template that is not an animate template, ephemerally, before anything is fetched', async () => {
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer();
    const attachment = h.rest.hostAttachment({ filename: 'x.png', data: png, contentType: 'image/png' });
    const prompts = promptBodies(h.comfy).length;
    const raw = await h.slash('animate', [commandOption.attachment('image', attachment), commandOption.string('prompt', 'move'), commandOption.string('template', 'txt2img')]);
    expect(await h.waitForEphemeral(raw)).toMatch(/\/animate needs an animate template; 'txt2img' is a generate template/);
    expect(promptBodies(h.comfy)).toHaveLength(prompts);
  }, 30_000);
});

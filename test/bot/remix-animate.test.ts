import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkContainer } from '../../src/images/media-container.ts';
import { messageContextMenuInteraction, modalSubmitInteraction } from '../support/discord-standin/index.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { BotHarness, CHECKPOINT, messageJson, nodeOf, promptBodies, UPSCALE_MODEL } from './harness.ts';

/**
 * Issue 13.3: Apps → Remix → "Animate". The Remix form of a still result offers to make
 * an image (img2img, as before) or to animate it with the channel's animate template
 * (workflows/animate.json): the still becomes the first frame of a WebM.
 */

const WAN_MODELS = {
  diffusion_models: ['wan2.1_i2v_480p_14B_fp16.safetensors'],
  text_encoders: ['umt5_xxl_fp8_e4m3fn_scaled.safetensors'],
  clip_vision: ['clip_vision_h.safetensors'],
  vae: ['wan_2.1_vae.safetensors'],
};

interface FormJson {
  type: number;
  data: { custom_id: string; title: string; components: Array<{ label?: string; component?: { type: number; custom_id: string; options?: Array<{ label: string; value: string; default?: boolean }> } }> };
}

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ comfy: { stepDelayMs: 5, models: { checkpoints: [CHECKPOINT], upscale_models: [UPSCALE_MODEL], ...WAN_MODELS } } });
});
afterAll(async () => {
  await h.stop();
});

async function openForm(bot: BotHarness, prompt: string): Promise<{ form: FormJson; parent: Awaited<ReturnType<BotHarness['waitForFinal']>> }> {
  const raw = await bot.imagine(prompt);
  const parent = await bot.waitForFinal(raw);
  const menu = messageContextMenuInteraction({ name: 'Remix', target: bot.reply(raw)! });
  await bot.discord.sendInteraction(menu);
  return { form: (await bot.callback(menu)).json as FormJson, parent };
}

const modeSelect = (form: FormJson) => form.data.components.find((row) => row.component?.custom_id === 'mode');

describe('Remix → Animate', () => {
  it('the form of a still result offers Remix (the default), Edit and Animate; Animate runs the animate template on that image', async () => {
    const { form, parent } = await openForm(h, 'a lighthouse at night');
    expect(form.type).toBe(9);
    const select = modeSelect(form);
    expect(select?.label).toBe('Mode');
    expect(select?.component?.options?.map((option) => [option.value, option.default === true])).toEqual([
      ['remix', true],
      ['edit', false],
      ['animate', false],
    ]);
    expect(select?.component?.options?.[2]?.label).toBe('Animate');

    const submit = modalSubmitInteraction({ customId: form.data.custom_id, fields: { prompt: 'the beam sweeps over the waves' }, selects: { mode: ['animate'] } });
    await h.discord.sendInteraction(submit);
    const final = await h.waitForFinal(submit, 20_000);
    expect(messageJson(final).content, JSON.stringify(messageJson(final))).toMatch(/^✅ Done/u);
    expect(final.files[0]!.filename).toMatch(/-1\.webm$/);
    expect(checkContainer(final.files[0]!.data, 'video/webm').ok).toBe(true);

    const graph = promptBodies(h.comfy).at(-1)!.prompt;
    const [loadId, load] = Object.entries(graph).find(([, node]) => node.class_type === 'LoadImage')!;
    expect(nodeOf(graph, 'WanImageToVideo').inputs['start_image']).toEqual([loadId, 0]);
    expect(Object.values(graph).some((node) => node.class_type === 'CLIPTextEncode' && node.inputs['text'] === 'the beam sweeps over the waves')).toBe(true);
    // The still that was remixed is the first frame's source, pixel for pixel.
    const uploaded = h.comfy.uploads.get(String(load.inputs['image']))!;
    const [sent, original] = await Promise.all([sharp(uploaded).raw().toBuffer(), sharp(parent.files[0]!.data).raw().toBuffer()]);
    expect(sent.equals(original)).toBe(true);
  }, 30_000);

  it('Remix picked (or nothing picked) stays img2img', async () => {
    const { form } = await openForm(h, 'a red door');
    const submit = modalSubmitInteraction({ customId: form.data.custom_id, fields: { prompt: 'a blue door', strength: '0.5' }, selects: { mode: ['remix'] } });
    await h.discord.sendInteraction(submit);
    expect(messageJson(await h.waitForFinal(submit, 20_000)).content).toMatch(/^✅ Done/u);
    const graph = promptBodies(h.comfy).at(-1)!.prompt;
    expect(Object.values(graph).some((node) => node.class_type === 'WanImageToVideo')).toBe(false);
    expect(nodeOf(graph, 'KSampler').inputs['denoise']).toBe(0.5);
  }, 30_000);

  it('a forged choice is refused, ephemerally, and nothing is queued', async () => {
    const { form } = await openForm(h, 'a green door');
    const prompts = promptBodies(h.comfy).length;
    const submit = modalSubmitInteraction({ customId: form.data.custom_id, fields: { prompt: 'x' }, selects: { mode: ['upscale-everything'] } });
    await h.discord.sendInteraction(submit);
    expect(await h.waitForEphemeral(submit)).toBe('⚠️ That Remix mode is not one this bot offers: use Apps → Remix on the message again.');
    expect(promptBodies(h.comfy)).toHaveLength(prompts);
  }, 30_000);

  it('without an animate template the form offers no Animate, and a submit picking it is refused', async () => {
    const workflows = await mkdtemp(join(tmpdir(), 'comfycord-no-animate-'));
    await cp(join(REPO_ROOT, 'workflows'), workflows, { recursive: true });
    await rm(join(workflows, 'animate.json'));
    const bare = await BotHarness.start({ env: { WORKFLOWS_DIR: workflows } });
    try {
      const { form } = await openForm(bare, 'a yellow door');
      expect(modeSelect(form)?.component?.options?.map((option) => option.value)).toEqual(['remix', 'edit']);
      const prompts = promptBodies(bare.comfy).length;
      const submit = modalSubmitInteraction({ customId: form.data.custom_id, fields: { prompt: 'x' }, selects: { mode: ['animate'] } });
      await bare.discord.sendInteraction(submit);
      expect(await bare.waitForEphemeral(submit)).toBe('⚠️ That Remix mode is not one this bot offers: use Apps → Remix on the message again.');
      expect(promptBodies(bare.comfy)).toHaveLength(prompts);
    } finally {
      await bare.stop();
      await rm(workflows, { recursive: true, force: true });
    }
  }, 30_000);
});

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access -- these tests break template JSON and object_info one field at a time, through loosely typed copies */
import { readFileSync } from 'node:fs';
import { OBJECT_INFO_FILE } from '../support/repo-paths.ts';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTemplates, type TemplateSet } from '../../src/workflows/load-templates.ts';
import type { ObjectInfo } from '../../src/workflows/object-info.ts';
import { parseTemplate } from '../../src/workflows/parse-template.ts';
import { checkTemplateAgainstServer } from '../../src/workflows/server-check.ts';
import { EDIT_MODELS } from '../support/edit-models.ts';

/** The real GET /object_info of a ComfyUI 0.3.64 server with no models installed. */
const realInfo = JSON.parse(readFileSync(OBJECT_INFO_FILE, 'utf8')) as Record<string, any>;

/** The same server with some models on disk (lists filled in, both combo spellings). */
function withModels(): ObjectInfo {
  const info = structuredClone(realInfo);
  info['CheckpointLoaderSimple'].input.required.ckpt_name[0] = ['sd_xl_base_1.0.safetensors', 'sd15.safetensors'];
  info['UpscaleModelLoader'].input.required.model_name[1].options = ['RealESRGAN_x4plus.pth'];
  // The Wan files the video and animate templates name (workflows/video.json, animate.json), and the edit templates' files.
  info['UNETLoader'].input.required.unet_name[0] = ['wan2.1_t2v_1.3B_fp16.safetensors', 'wan2.1_i2v_480p_14B_fp16.safetensors', ...EDIT_MODELS.diffusion_models];
  info['CLIPLoader'].input.required.clip_name[0] = ['umt5_xxl_fp8_e4m3fn_scaled.safetensors', ...EDIT_MODELS.text_encoders];
  info['DualCLIPLoader'].input.required.clip_name1[0] = [...EDIT_MODELS.text_encoders];
  info['DualCLIPLoader'].input.required.clip_name2[0] = [...EDIT_MODELS.text_encoders];
  info['VAELoader'].input.required.vae_name[0] = ['pixel_space', 'wan_2.1_vae.safetensors', ...EDIT_MODELS.vae];
  info['CLIPVisionLoader'].input.required.clip_name[0] = ['clip_vision_h.safetensors'];
  return info;
}

let shipped: TemplateSet;
beforeAll(async () => {
  shipped = await loadTemplates(path.resolve(import.meta.dirname, '../../workflows'));
  shipped.throwIfInvalid();
});

const messages = (problems: ReturnType<typeof checkTemplateAgainstServer>) => problems.map((p) => `${p.path}: ${p.message}`);

describe('checkTemplateAgainstServer with the real object_info.json', () => {
  it('GIVEN the shipped templates and a server without models THEN the only problems are the missing model files', () => {
    expect(messages(checkTemplateAgainstServer(shipped.require('txt2img'), realInfo))).toEqual([
      "options.checkpoint.default: node \"checkpoint\" (CheckpointLoaderSimple): checkpoint 'sd_xl_base_1.0.safetensors' is not on the server",
    ]);
    expect(messages(checkTemplateAgainstServer(shipped.require('upscale'), realInfo))).toEqual([
      "options.upscale_model.default: node \"model\" (UpscaleModelLoader): upscale model 'RealESRGAN_x4plus.pth' is not on the server",
    ]);
  });

  it('GIVEN the shipped templates and a server with those models THEN there is no problem at all', () => {
    const info = withModels();
    for (const template of shipped.list()) expect(messages(checkTemplateAgainstServer(template, info)), template.name).toEqual([]);
  });

  it('GIVEN a graph with an unknown node type, a sampler the server lacks, a missing input and numbers out of bounds THEN each is reported', () => {
    const template = parseTemplate({
      kind: 'txt2img',
      options: {
        prompt: { type: 'text', required: true, targets: ['6.inputs.text'] },
        steps: { type: 'int', default: 20, min: 1, max: 20000, targets: ['3.inputs.steps'] },
        sampler: { type: 'choice', default: 'euler_magic', choicesFrom: { class: 'KSampler', input: 'sampler_name' }, targets: ['3.inputs.sampler_name'] },
        scheduler: { type: 'choice', choices: ['karras', 'warp'], default: 'karras', targets: ['3.inputs.scheduler'] },
        lora: { type: 'choice', default: 'x', choicesFrom: { class: 'LoraLoader', input: 'nope' }, targets: ['10.inputs.style'] },
      },
      graph: {
        '3': { class_type: 'KSampler', inputs: { seed: 1, steps: 20, sampler_name: 'euler', scheduler: 'karras', denoise: 1.5, model: ['4', 0], positive: ['6', 0], negative: ['6', 0], latent_image: ['5', 0] } },
        '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
        '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 512, batch_size: 1 } },
        '6': { class_type: 'CLIPTextEncode', inputs: { text: '', clip: ['4', 1] } },
        '9': { class_type: 'SaveImage', inputs: { images: ['10', 0], filename_prefix: 'x' } },
        '10': { class_type: 'FooNode', inputs: { style: 'x' } },
      },
    }, 'workflows/bad.json');
    expect(messages(checkTemplateAgainstServer(template, withModels()))).toEqual([
      "graph.3.inputs: node 3 (KSampler): required input 'cfg' is missing",
      "options.sampler.default: node 3 (KSampler): sampler 'euler_magic' is not on the server",
      'graph.3.inputs.denoise: node 3 (KSampler): denoise 1.5 is above the server\'s maximum 1',
      "graph.10.class_type: node 10: node type 'FooNode' is not installed on the server",
      "options.steps.max: 20000 is above the server's maximum 10000 for node 3 (KSampler).steps",
      "options.scheduler.choices: scheduler 'warp' is not on the server (node 3 (KSampler).scheduler)",
      'options.lora.choicesFrom: the server has no choice list for LoraLoader.nope',
    ]);
  });

  it('GIVEN a graph with no output node THEN the server would refuse it, and the check says so', () => {
    const template = parseTemplate({
      kind: 'other',
      options: { image: { type: 'image', required: true, targets: ['1.inputs.image'] } },
      graph: { '1': { class_type: 'LoadImage', inputs: { image: 'a.png' } }, '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } } },
    }, 'workflows/no-output.json');
    expect(messages(checkTemplateAgainstServer(template, realInfo))).toEqual(['graph: the graph has no output node (such as SaveImage), so the server would refuse it']);
  });

  it('GIVEN an optional image linked into a required input THEN the check says a job without it would be refused', () => {
    // ImageStitch's image1 is required, its image2 optional: an absent image's LoadImage is left out (render.ts).
    const template = parseTemplate({
      kind: 'other',
      options: {
        image: { type: 'image', required: true, targets: ['a.inputs.image'] },
        image2: { type: 'image', targets: ['b.inputs.image'] },
      },
      graph: {
        a: { class_type: 'LoadImage', inputs: { image: 'a.png' } },
        b: { class_type: 'LoadImage', inputs: { image: 'b.png' } },
        stitch: { class_type: 'ImageStitch', inputs: { image1: ['b', 0], image2: ['a', 0], direction: 'right', match_image_size: true, spacing_width: 0, spacing_color: 'white' } },
        save: { class_type: 'SaveImage', inputs: { images: ['stitch', 0], filename_prefix: 'x' } },
      },
    }, 'workflows/stitch.json');
    expect(messages(checkTemplateAgainstServer(template, realInfo))).toEqual([
      'options.image2: image2 is optional, but node "stitch" (ImageStitch) needs it in required input \'image1\' (a job without image2 would be refused): link it only into optional inputs, or make image2 required',
    ]);
  });

  it('GIVEN a malformed object_info THEN the check reports instead of crashing', () => {
    const problems = checkTemplateAgainstServer(shipped.require('txt2img'), { KSampler: 'garbage', CLIPTextEncode: { input: 7 } });
    expect(messages(problems)).toEqual(expect.arrayContaining([`graph.sampler.class_type: node "sampler": node type 'KSampler' is not installed on the server`]));
  });
});

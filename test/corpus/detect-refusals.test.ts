import { readFileSync } from 'node:fs';
import { CORPUS_DIR } from './corpus-dir.ts';
import { describe, expect, it } from 'vitest';
import { detectBindings } from '../../src/workflows/detect.ts';
import type { ApiGraph } from '../../src/workflows/graph.ts';

const REAL = CORPUS_DIR;
const basic = (): ApiGraph => JSON.parse(readFileSync(`${REAL}/sd15_txt2img__comfyui_basic_api_example.json`, 'utf8')) as ApiGraph;
const flux = (): ApiGraph => JSON.parse(readFileSync(`${REAL}/flux_dev_samplercustomadvanced__aws_comfyui_on_eks.json`, 'utf8')) as ApiGraph;

function reasonOf(graph: ApiGraph): string {
  const result = detectBindings(graph);
  if (result.ok) throw new Error(`expected a refusal, got kind ${result.detection.kind}`);
  return result.reason;
}

describe('detection refuses, naming the ambiguity, instead of guessing', () => {
  it('GIVEN two independent samplers THEN it names both and says they run side by side', () => {
    const graph = basic();
    graph['30'] = structuredClone(graph['3'] as ApiGraph[string]);
    expect(reasonOf(graph)).toBe('2 samplers (nodes 3 and 30) side by side; detection cannot tell which sampler an option sets: declare the "seed" binding');
  });

  it('GIVEN an unknown node between the sampler and the text THEN it names that node', () => {
    const graph = basic();
    graph['20'] = { class_type: 'MyPromptMixer', inputs: { conditioning: ['6', 0], strength: 0.5 } };
    (graph['3'] as ApiGraph[string]).inputs['positive'] = ['20', 0];
    expect(reasonOf(graph)).toMatch(/^positive prompt: node 20 \(MyPromptMixer\) stands between the sampler and the text encoder/);
  });

  it('GIVEN two encoders combined into the positive THEN it refuses (which one is "the prompt"?)', () => {
    const graph = basic();
    graph['20'] = { class_type: 'ConditioningCombine', inputs: { conditioning_1: ['6', 0], conditioning_2: ['7', 0] } };
    (graph['3'] as ApiGraph[string]).inputs['positive'] = ['20', 0];
    expect(reasonOf(graph)).toMatch(/node 20 \(ConditioningCombine\)/);
  });

  it('GIVEN positive and negative reading the same text node THEN it refuses', () => {
    const graph = basic();
    (graph['3'] as ApiGraph[string]).inputs['negative'] = ['6', 0];
    expect(reasonOf(graph)).toBe('positive and negative prompt both read node 6 (CLIPTextEncode).text: declare the "negative" binding');
  });

  it('GIVEN the prompt text computed by a node with several inputs THEN it refuses rather than bind a part of it', () => {
    const graph = basic();
    graph['20'] = { class_type: 'StringConcatenate', inputs: { string_a: 'a', string_b: 'b', delimiter: ', ' } };
    (graph['6'] as ApiGraph[string]).inputs['text'] = ['20', 0];
    expect(reasonOf(graph)).toBe('positive prompt: 6.inputs.text comes from node 20 (StringConcatenate), which is not a plain value node: declare the "prompt" binding');
  });

  it('GIVEN a prompt in a PrimitiveStringMultiline THEN it binds the primitive\'s value', () => {
    const graph = basic();
    graph['20'] = { class_type: 'PrimitiveStringMultiline', inputs: { value: 'from a primitive' } };
    (graph['6'] as ApiGraph[string]).inputs['text'] = ['20', 0];
    const result = detectBindings(graph);
    expect(result.ok && result.detection.bindings.prompt?.sources).toEqual([{ ref: { node: '20', input: 'value' }, value: 'from a primitive' }]);
  });

  it('GIVEN a zeroed positive THEN it refuses', () => {
    const graph = basic();
    graph['20'] = { class_type: 'ConditioningZeroOut', inputs: { conditioning: ['6', 0] } };
    (graph['3'] as ApiGraph[string]).inputs['positive'] = ['20', 0];
    expect(reasonOf(graph)).toMatch(/positive prompt: the conditioning of node 3 \(KSampler\) is zeroed/);
  });

  it('GIVEN an unknown guider THEN it names it', () => {
    const graph = flux();
    graph['22'] = { class_type: 'DualCFGGuider', inputs: { model: ['30', 0], cond1: ['26', 0], cond2: ['26', 0], negative: ['26', 0], cfg_conds: 8, cfg_cond2_negative: 8, style: 'regular' } };
    expect(reasonOf(graph)).toBe('the guider of node 13 (SamplerCustomAdvanced) is node 22 (DualCFGGuider); detection knows CFGGuider and BasicGuider: declare the "prompt" binding');
  });

  it('GIVEN a latent from an unknown node THEN it names it', () => {
    const graph = basic();
    graph['20'] = { class_type: 'LatentUpscaleBy', inputs: { samples: ['5', 0], upscale_method: 'nearest-exact', scale_by: 1.5 } };
    (graph['3'] as ApiGraph[string]).inputs['latent_image'] = ['20', 0];
    expect(reasonOf(graph)).toBe('the sampler\'s latent comes from node 20 (LatentUpscaleBy), which detection does not know: declare the "width" binding');
  });

  it('GIVEN two LoadImage nodes and none in the latent THEN it refuses', () => {
    const graph = JSON.parse(readFileSync(`${REAL}/sd15_controlnet_scribble__replicate.json`, 'utf8')) as ApiGraph;
    graph['30'] = { class_type: 'LoadImage', inputs: { image: 'mask.png' } };
    graph['31'] = { class_type: 'ImageInvert', inputs: { image: ['30', 0] } };
    (graph['10'] as ApiGraph[string]).inputs['image'] = ['31', 0];
    graph['32'] = { class_type: 'SaveImage', inputs: { images: ['11', 0], filename_prefix: 'x' } };
    expect(reasonOf(graph)).toBe('2 LoadImage nodes (11 and 30) and none feeds the sampler\'s latent: declare the "image" binding');
  });

  it('GIVEN an img2img graph with a second, live LoadImage THEN it refuses', () => {
    const graph = JSON.parse(readFileSync(`${REAL}/sdxl_img2img__9elements.json`, 'utf8')) as ApiGraph;
    graph['30'] = { class_type: 'LoadImage', inputs: { image: 'other.png' } };
    graph['31'] = { class_type: 'SaveImage', inputs: { images: ['30', 0], filename_prefix: 'x' } };
    expect(reasonOf(graph)).toBe('the sampler\'s latent comes from LoadImage 10, but LoadImage 30 also feeds the graph: declare the "image2" binding');
  });

  it('GIVEN a graph with neither sampler nor LoadImage THEN there is nothing to bind', () => {
    expect(reasonOf({ '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } }, '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } } }))
      .toMatch(/^no sampler \(KSampler, KSamplerAdvanced, SamplerCustom, SamplerCustomAdvanced\) and no LoadImage: nothing to bind/);
  });

  it('GIVEN a cycle in the conditioning THEN it stops with a reason instead of looping', () => {
    const graph = basic();
    graph['20'] = { class_type: 'FluxGuidance', inputs: { conditioning: ['21', 0], guidance: 3 } };
    graph['21'] = { class_type: 'FluxGuidance', inputs: { conditioning: ['20', 0], guidance: 3 } };
    (graph['3'] as ApiGraph[string]).inputs['positive'] = ['20', 0];
    expect(reasonOf(graph)).toMatch(/longer than 64 nodes/);
  });

  it('GIVEN a KSamplerAdvanced that adds no noise THEN its seed is left alone, with a note', () => {
    const graph = basic();
    graph['3'] = { class_type: 'KSamplerAdvanced', inputs: { ...(graph['3'] as ApiGraph[string]).inputs, add_noise: 'disable', noise_seed: 1, start_at_step: 0, end_at_step: 10000, return_with_leftover_noise: 'disable' } };
    const result = detectBindings(graph);
    expect(result.ok && result.detection.bindings.seed).toBeUndefined();
    expect(result.ok && result.detection.notes.join()).toMatch(/seed is not bound: node 3 \(KSamplerAdvanced\) adds no noise/);
  });
});

describe('detection of sampler variants the real graphs do not cover', () => {
  it('GIVEN SamplerCustomAdvanced with a CFGGuider and CLIPTextEncodeFlux THEN positive, negative and cfg come from the guider, both Flux text inputs get the prompt', () => {
    const graph = flux();
    graph['6'] = { class_type: 'CLIPTextEncodeFlux', inputs: { clip: ['11', 0], clip_l: 'a cat', t5xxl: 'a cat on a mat', guidance: 3.5 } };
    graph['7'] = { class_type: 'CLIPTextEncode', inputs: { clip: ['11', 0], text: 'blurry' } };
    graph['22'] = { class_type: 'CFGGuider', inputs: { model: ['30', 0], positive: ['6', 0], negative: ['7', 0], cfg: 3.5 } };
    const result = detectBindings(graph);
    if (!result.ok) throw new Error(result.reason);
    const refs = (name: keyof typeof result.detection.bindings) => result.detection.bindings[name]?.sources.map((s) => `${s.ref.node}.${s.ref.input}=${s.value}`);
    expect(refs('prompt')).toEqual(['6.clip_l=a cat', '6.t5xxl=a cat on a mat']);
    expect(refs('negative')).toEqual(['7.text=blurry']);
    expect(refs('cfg')).toEqual(['22.cfg=3.5']);
    expect(refs('seed')).toEqual(['25.noise_seed=1067996189346429']);
    expect(refs('steps')).toEqual(['17.steps=20']);
  });

  it('GIVEN SamplerCustom THEN its own seed and cfg, and steps/denoise from its BasicScheduler, are bound', () => {
    const graph = basic();
    graph['3'] = { class_type: 'SamplerCustom', inputs: { model: ['4', 0], add_noise: true, noise_seed: 9, cfg: 4, positive: ['6', 0], negative: ['7', 0], sampler: ['20', 0], sigmas: ['21', 0], latent_image: ['5', 0] } };
    graph['20'] = { class_type: 'KSamplerSelect', inputs: { sampler_name: 'euler' } };
    graph['21'] = { class_type: 'BasicScheduler', inputs: { model: ['4', 0], scheduler: 'normal', steps: 12, denoise: 0.9 } };
    const result = detectBindings(graph);
    if (!result.ok) throw new Error(result.reason);
    const b = result.detection.bindings;
    expect([b.seed, b.cfg, b.steps, b.denoise, b.sampler, b.scheduler].map((x) => x?.sources[0]?.ref)).toEqual([
      { node: '3', input: 'noise_seed' }, { node: '3', input: 'cfg' }, { node: '21', input: 'steps' }, { node: '21', input: 'denoise' },
      { node: '20', input: 'sampler_name' }, { node: '21', input: 'scheduler' },
    ]);
    expect(b.sampler?.choicesFrom).toEqual({ class: 'KSamplerSelect', input: 'sampler_name' });
    expect(b.checkpoint?.sources[0]?.ref).toEqual({ node: '4', input: 'ckpt_name' });
  });
});

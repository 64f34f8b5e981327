import { describe, expect, it } from 'vitest';
import { detectBindings } from '../../src/workflows/detect.ts';
import type { ApiGraph } from '../../src/workflows/graph.ts';

/** An img2img "Save (API)" graph written here: LoadImage → (between) → VAEEncode → KSampler → SaveImage. */
function img2img(between: (graph: ApiGraph) => string = () => '10'): ApiGraph {
  const graph: ApiGraph = {
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'model.safetensors' } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a fox', clip: ['4', 1] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: 'blurry', clip: ['4', 1] } },
    '10': { class_type: 'LoadImage', inputs: { image: 'in.png' } },
    '12': { class_type: 'VAEEncode', inputs: { pixels: ['10', 0], vae: ['4', 2] } },
    '3': {
      class_type: 'KSampler',
      inputs: { seed: 5, steps: 20, cfg: 7, sampler_name: 'euler', scheduler: 'normal', denoise: 0.6, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['12', 0] },
    },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: 'out' } },
  };
  (graph['12'] as ApiGraph[string]).inputs['pixels'] = [between(graph), 0];
  return graph;
}

function detected(graph: ApiGraph) {
  const result = detectBindings(graph);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.detection;
}

function reasonOf(graph: ApiGraph): string {
  const result = detectBindings(graph);
  if (result.ok) throw new Error(`expected a refusal, got kind ${result.detection.kind}`);
  return result.reason;
}

describe('detection follows the input image through resize, scale and crop nodes', () => {
  const cases: Array<[string, (graph: ApiGraph) => string]> = [
    ['directly', () => '10'],
    ['through ImageScale', (graph) => ((graph['20'] = { class_type: 'ImageScale', inputs: { image: ['10', 0], upscale_method: 'lanczos', width: 1024, height: 1024, crop: 'center' } }), '20')],
    [
      'through ImageCrop, then ImageScaleBy',
      (graph) => {
        graph['20'] = { class_type: 'ImageCrop', inputs: { image: ['10', 0], width: 512, height: 512, x: 0, y: 0 } };
        graph['21'] = { class_type: 'ImageScaleBy', inputs: { image: ['20', 0], upscale_method: 'area', scale_by: 2 } };
        return '21';
      },
    ],
    ['through a custom ImageResize+ node', (graph) => ((graph['20'] = { class_type: 'ImageResize+', inputs: { image: ['10', 0], width: 768, height: 768, method: 'lanczos' } }), '20')],
    ['through a custom ImageResizeKJ node', (graph) => ((graph['20'] = { class_type: 'ImageResizeKJ', inputs: { image: ['10', 0], width: 768, height: 768 } }), '20')],
  ];
  for (const [what, between] of cases) {
    it(`GIVEN the image reaches the encoder ${what} THEN it is an img2img template with the LoadImage bound`, () => {
      const detection = detected(img2img(between));
      expect(detection.kind).toBe('img2img');
      expect(detection.bindings.image?.sources.map((source) => source.ref)).toEqual([{ node: '10', input: 'image' }]);
    });
  }
});

describe('a refusal names the one binding to declare', () => {
  it('GIVEN a node detection does not know between LoadImage and the encoder THEN it names the node and the "image" binding', () => {
    const graph = img2img((g) => ((g['20'] = { class_type: 'ColorMatch', inputs: { image_ref: ['10', 0], image_target: ['10', 0] } }), '20'));
    expect(reasonOf(graph)).toBe('the image encoded by node 12 (VAEEncode) comes from node 20 (ColorMatch), not from a LoadImage: declare the "image" binding');
  });

  it('GIVEN a second LoadImage beside the one the sampler encodes THEN it says to declare "image2"', () => {
    const graph = img2img();
    graph['30'] = { class_type: 'LoadImage', inputs: { image: 'style.png' } };
    graph['31'] = { class_type: 'ImageBlend', inputs: { image1: ['30', 0], image2: ['30', 0], blend_factor: 0.5, blend_mode: 'normal' } };
    graph['32'] = { class_type: 'PreviewImage', inputs: { images: ['31', 0] } };
    expect(reasonOf(graph)).toBe('the sampler\'s latent comes from LoadImage 10, but LoadImage 30 also feeds the graph: declare the "image2" binding');
  });

  it('GIVEN an unknown node between the sampler and the negative text THEN it names the "negative" binding', () => {
    const graph = img2img();
    graph['40'] = { class_type: 'MyPromptMixer', inputs: { conditioning: ['7', 0] } };
    (graph['3'] as ApiGraph[string]).inputs['negative'] = ['40', 0];
    expect(reasonOf(graph)).toMatch(/^negative prompt: node 40 \(MyPromptMixer\) stands between the sampler and the text encoder.*: declare the "negative" binding$/);
  });

  it('GIVEN two samplers THEN it names "seed" (the option every sampler has)', () => {
    const graph = img2img();
    graph['33'] = structuredClone(graph['3'] as ApiGraph[string]);
    expect(reasonOf(graph)).toBe('2 samplers (nodes 3 and 33) side by side; detection cannot tell which sampler an option sets: declare the "seed" binding');
  });
});

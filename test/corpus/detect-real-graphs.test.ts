import { readdirSync, readFileSync } from 'node:fs';
import { CORPUS_DIR } from './corpus-dir.ts';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectBindings, type DetectedOptionName, type Detection } from '../../src/workflows/detect.ts';
import type { ApiGraph } from '../../src/workflows/graph.ts';
import { parseTemplate } from '../../src/workflows/parse-template.ts';
import { renderTemplate } from '../../src/workflows/render.ts';
import { TemplateError } from '../../src/workflows/template-error.ts';

const REAL = CORPUS_DIR;

/** [node, input, value]; a string value ending in "…" is a prefix (the answer key shortens long prompts). */
type At = readonly [string, string, string | number];

interface Key {
  readonly refuse?: RegExp;
  readonly kind?: Detection['kind'];
  readonly sampler?: string;
  readonly imageRole?: Detection['imageRole'];
  /** Every option named here must be detected exactly so; every one not named must be absent. */
  readonly bind?: Partial<Record<DetectedOptionName, readonly At[]>>;
}

const latent = (node: string, w: number, h: number, b: number) => ({ width: [[node, 'width', w]], height: [[node, 'height', h]], batch: [[node, 'batch_size', b]] }) as const;

/** PROVENANCE.md, as data. Checkpoint, sampler and scheduler are not in the key and are checked loosely below. */
const ANSWER_KEY: Record<string, Key> = {
  'sd15_txt2img__comfyui_basic_api_example.json': {
    kind: 'txt2img', sampler: '3',
    bind: { prompt: [['6', 'text', 'masterpiece best quality girl']], negative: [['7', 'text', 'bad hands']], ...latent('5', 512, 512, 1),
      seed: [['3', 'seed', 8566257]], steps: [['3', 'steps', 20]], cfg: [['3', 'cfg', 8]], denoise: [['3', 'denoise', 1]] },
  },
  'sdxl_txt2img__9elements.json': {
    kind: 'txt2img', sampler: '3',
    bind: { prompt: [['6', 'text', 'beautiful scenery nature glass bottle landscape, , purple galaxy bottle,']], negative: [['7', 'text', 'text, watermark']],
      ...latent('5', 2000, 694, 1), seed: [['3', 'seed', 980499591786151]], steps: [['3', 'steps', 21]], cfg: [['3', 'cfg', 6.7]], denoise: [['3', 'denoise', 1]] },
  },
  'sdxl_base_refiner__comfyui_tests.json': { refuse: /2 samplers \(nodes 10 and 14\).*node 14 continues from node 10.*declare the "seed" binding/ },
  'sd21_hiresfix_latent_two_pass__replicate.json': { refuse: /2 samplers \(nodes 3 and 11\).*node 11 continues from node 3.*declare the "seed" binding/ },
  'sdxl_img2img__9elements.json': {
    kind: 'img2img', sampler: '3', imageRole: 'latent',
    bind: { prompt: [['6', 'text', 'beautiful scenery nature glass bottle landscape, , purple galaxy bottle,']], negative: [['7', 'text', 'text, watermark']],
      seed: [['3', 'seed', 156680208700286]], steps: [['3', 'steps', 22]], cfg: [['3', 'cfg', 8]], denoise: [['3', 'denoise', 0.6]], image: [['10', 'image', 'example.png']] },
  },
  'sd15_img2img__replicate.json': {
    kind: 'img2img', sampler: '3', imageRole: 'latent',
    bind: { prompt: [['6', 'text', 'photograph of victorian woman with wings, sky clouds, meadow grass\n']], negative: [['7', 'text', 'watermark, text\n']],
      seed: [['3', 'seed', 280823642470253]], steps: [['3', 'steps', 20]], cfg: [['3', 'cfg', 8]], denoise: [['3', 'denoise', 0.2700000000000001]],
      image: [['10', 'image', 'https://replicate.delivery/…']] },
  },
  'sd15_inpaint_vaeencodeforinpaint__replicate.json': {
    kind: 'inpaint', sampler: '3', imageRole: 'latent',
    bind: { prompt: [['6', 'text', 'closeup photograph of maine coon (cat:1.2) in the yosemite national park mountains nature']], negative: [['7', 'text', 'watermark, text\n']],
      seed: [['3', 'seed', 1040111309094545]], steps: [['3', 'steps', 20]], cfg: [['3', 'cfg', 8]], denoise: [['3', 'denoise', 1]],
      image: [['20', 'image', 'https://comfyanonymous.github.io/…']] },
  },
  'flux_dev_samplercustomadvanced__aws_comfyui_on_eks.json': {
    kind: 'txt2img', sampler: '13',
    bind: { prompt: [['6', 'text', 'beautiful Japanese Chinese woman in transparent cheongsam']], ...latent('27', 1024, 1024, 1),
      seed: [['25', 'noise_seed', 1067996189346429]], steps: [['17', 'steps', 20]], guidance: [['26', 'guidance', 3.5]], denoise: [['17', 'denoise', 1]] },
  },
  'flux_schnell_samplercustomadvanced__runpod_worker_comfyui.json': {
    kind: 'txt2img', sampler: '13',
    bind: { prompt: [['6', 'text', 'grey cat wearing a harry potter hat and programming in javascript in its ultramodern computer']], ...latent('5', 1024, 1024, 1),
      seed: [['25', 'noise_seed', 108076821791990]], steps: [['17', 'steps', 4]], denoise: [['17', 'denoise', 1]] },
  },
  'flux_dev_checkpoint_ksampler__runpod_worker_comfyui.json': {
    kind: 'txt2img', sampler: '31',
    bind: { prompt: [['6', 'text', 'cute anime girl with massive fluffy fennec ears …']], negative: [['33', 'text', '']], ...latent('27', 512, 512, 1),
      seed: [['31', 'seed', 150959564782347]], steps: [['31', 'steps', 10]], cfg: [['31', 'cfg', 1]], guidance: [['35', 'guidance', 3.5]], denoise: [['31', 'denoise', 1]] },
  },
  'flux_kontext_edit_loadimage__discomfy.json': {
    kind: 'guided', sampler: '13', imageRole: 'conditioning',
    bind: { prompt: [['6', 'text', 'make her hold a birthday cake and blowing out the candles']], ...latent('27', 1024, 1024, 1),
      seed: [['25', 'noise_seed', 465834895834239]], steps: [['17', 'steps', 20]], guidance: [['26', 'guidance', 2.5]], denoise: [['17', 'denoise', 1]],
      image: [['41', 'image', '20231214_104327.jpg']] },
  },
  'sd3_medium_tripleclip__aws_comfyui_on_eks.json': {
    kind: 'txt2img', sampler: '3',
    bind: { prompt: [['16', 'text', "an oil painting of a cute dog, with a white large cardboard sign that says 'LOVE'"]], negative: [['40', 'text', 'watermark, bad']],
      ...latent('53', 1024, 1024, 1), seed: [['3', 'seed', 374337404144924]], steps: [['3', 'steps', 30]], cfg: [['3', 'cfg', 5.45]], denoise: [['3', 'denoise', 1]] },
  },
  'sdxl_lcm_lora__replicate.json': {
    kind: 'txt2img', sampler: '3',
    bind: { prompt: [['6', 'text', 'evening sunset scenery blue sky nature, glass bottle with a galaxy in it']], negative: [['7', 'text', 'text, watermark']],
      ...latent('5', 1024, 1024, 1), seed: [['3', 'seed', 167055194337639]], steps: [['3', 'steps', 5]], cfg: [['3', 'cfg', 1.8]], denoise: [['3', 'denoise', 1]] },
  },
  'sd15_controlnet_scribble__replicate.json': {
    kind: 'guided', sampler: '3', imageRole: 'conditioning',
    bind: { prompt: [['6', 'text', '(solo) girl (flat chest:0.9), (fennec ears:1.1)\u00a0 (fox ears:1.1)…']], negative: [['7', 'text', '(hands), text, error, cropped, (worst quality:1.2)…']],
      ...latent('5', 512, 512, 1), seed: [['3', 'seed', 1002496614778823]], steps: [['3', 'steps', 16]], cfg: [['3', 'cfg', 6]], denoise: [['3', 'denoise', 1]],
      image: [['11', 'image', 'https://…']] },
  },
  'sd15_txt2img_upscale_with_model__replicate.json': {
    kind: 'txt2img', sampler: '3',
    bind: { prompt: [['6', 'text', 'masterpiece best quality girl standing in victorian clothing']], negative: [['7', 'text', 'bad hands']], ...latent('5', 512, 512, 1),
      seed: [['3', 'seed', 833543590226030]], steps: [['3', 'steps', 20]], cfg: [['3', 'cfg', 8]], denoise: [['3', 'denoise', 1]],
      upscale_model: [['13', 'model_name', 'RealESRGAN_x8.pth']] },
  },
  'sdxl_img2img_routed_prompt_clipsdxl__ambocclusion.json': {
    kind: 'img2img', sampler: '3', imageRole: 'latent',
    bind: { prompt: [['21', 'prompt', 'a dog'], ['22', 'prompt', 'a dog']], negative: [['7', 'text', 'text, watermark']], batch: [['15', 'amount', 4]],
      seed: [['12', 'seed', 61126062341422]], steps: [['3', 'steps', 12]], cfg: [['3', 'cfg', 6]], denoise: [['3', 'denoise', 0.8]], image: [['13', 'image', 'example.png']] },
  },
  'sdxl_txt2img_routed_prompt_lorastack__ambocclusion.json': {
    kind: 'txt2img', sampler: '72',
    bind: { prompt: [['21', 'prompt', 'a dog']], negative: [['40', 'prompt', 'child, children, loli, kid, kids']], batch: [['76', 'batch_size', 4]],
      seed: [['12', 'seed', -1]], steps: [['72', 'steps', 8]], cfg: [['72', 'cfg', 2]], denoise: [['72', 'denoise', 1]] },
  },
  'upscale_only_no_sampler__bradleymize.json': {
    kind: 'upscale', imageRole: 'input',
    bind: { image: [['10', 'image', 'example.png']], upscale_model: [['11', 'model_name', 'realesrganX4plusAnime_v1.pt']] },
  },
};

/** Options outside the key's columns: allowed to appear, checked for shape only. */
const OUTSIDE_KEY: readonly DetectedOptionName[] = ['checkpoint', 'sampler', 'scheduler', 'upscale_model'];
const KEYED: readonly DetectedOptionName[] = ['prompt', 'negative', 'seed', 'steps', 'cfg', 'width', 'height', 'batch', 'denoise', 'image', 'guidance'];

function readGraph(file: string): ApiGraph {
  return JSON.parse(readFileSync(path.join(REAL, file), 'utf8')) as ApiGraph;
}

function expectAt(actual: { ref: { node: string; input: string }; value: string | number }, [node, input, value]: At): void {
  expect(actual.ref).toEqual({ node, input });
  if (typeof value === 'string' && value.endsWith('…')) expect(String(actual.value).startsWith(value.slice(0, -1))).toBe(true);
  else expect(actual.value).toBe(value);
}

describe('detection on every real graph in workflows-real, against PROVENANCE.md', () => {
  const files = readdirSync(REAL).filter((f) => f.endsWith('.json')).sort();

  it('GIVEN the folder THEN the answer key covers every graph in it (18)', () => {
    expect(files).toEqual(Object.keys(ANSWER_KEY).sort());
    expect(files).toHaveLength(18);
  });

  for (const file of Object.keys(ANSWER_KEY).sort()) {
    const key = ANSWER_KEY[file] as Key;
    it(`${file}: ${key.refuse === undefined ? `detects kind ${key.kind ?? ''} exactly as the key says` : 'refuses, naming what is ambiguous'}`, () => {
      const graph = readGraph(file);
      const result = detectBindings(graph);
      if (key.refuse !== undefined) {
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.reason).toMatch(key.refuse);
        return;
      }
      if (!result.ok) throw new Error(`refused: ${result.reason}`);
      const { detection } = result;
      expect(detection.kind).toBe(key.kind);
      expect(detection.sampler).toBe(key.sampler);
      expect(detection.imageRole).toBe(key.imageRole);
      for (const name of KEYED) {
        const expected = key.bind?.[name];
        const actual = detection.bindings[name];
        if (expected === undefined) {
          expect(actual, `${name} should not be bound`).toBeUndefined();
          continue;
        }
        expect(actual?.sources, name).toHaveLength(expected.length);
        expected.forEach((at, i) => expectAt(actual?.sources[i] as never, at));
      }
      for (const name of OUTSIDE_KEY) {
        const actual = detection.bindings[name];
        const expected = key.bind?.[name];
        if (expected !== undefined) expected.forEach((at, i) => expectAt(actual?.sources[i] as never, at));
        // Whatever was found holds a string literal in the graph at that very place.
        for (const source of actual?.sources ?? []) expect(graph[source.ref.node]?.inputs[source.ref.input]).toBe(source.value);
      }
    });
  }

  it('GIVEN the controlnet graph THEN the no-break space in its prompt is kept as it is', () => {
    const result = detectBindings(readGraph('sd15_controlnet_scribble__replicate.json'));
    expect(result.ok && String(result.detection.bindings.prompt?.sources[0]?.value)).toContain('\u00a0');
  });

  it('GIVEN a graph where a LoadImage is a ControlNet hint or a Kontext reference THEN it is not called img2img', () => {
    for (const file of ['sd15_controlnet_scribble__replicate.json', 'flux_kontext_edit_loadimage__discomfy.json']) {
      const result = detectBindings(readGraph(file));
      expect(result.ok && result.detection.kind).toBe('guided');
    }
  });
});

describe('real graphs as dropped-in templates', () => {
  it('GIVEN a refused graph THEN loading it is a TEMPLATE_INVALID error naming the file and the reason', () => {
    const file = 'workflows/sd21_hiresfix_latent_two_pass__replicate.json';
    let error: unknown;
    try {
      parseTemplate(readGraph('sd21_hiresfix_latent_two_pass__replicate.json'), file);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).code).toBe('TEMPLATE_INVALID');
    expect((error as TemplateError).message).toBe(`${file}: a raw graph whose bindings cannot be detected: 2 samplers (nodes 3 and 11) in a multi-pass graph where node 11 continues from node 3; detection cannot tell which sampler an option sets: declare the "seed" binding`);
  });

  it('GIVEN every accepted graph THEN it becomes a template whose options write exactly the detected inputs', () => {
    for (const [file, key] of Object.entries(ANSWER_KEY)) {
      if (key.refuse !== undefined) continue;
      const template = parseTemplate(readGraph(file), `workflows/${file}`);
      expect(template.source).toBe('detected');
      expect(template.kind).toBe(key.kind);
      const values: Record<string, unknown> = {};
      if (template.options.some((o) => o.name === 'seed')) values['seed'] = 1234;
      if (template.options.some((o) => o.name === 'prompt')) values['prompt'] = 'a "quoted" prompt';
      if (template.options.some((o) => o.name === 'image')) values['image'] = 'upload/dog.png';
      const { graph, resolved } = renderTemplate(template, values);
      for (const [name, at] of Object.entries(key.bind ?? {})) {
        for (const [node, input] of at) expect(graph[node]?.inputs[input], `${file} ${name}`).toBe(resolved[name]);
      }
      if (key.bind?.prompt !== undefined) expect(resolved['prompt']).toBe('a "quoted" prompt');
    }
  });

  it('GIVEN the rgthree seed of -1 THEN the template draws a real seed into node 12 and says why in its notes', () => {
    const template = parseTemplate(readGraph('sdxl_txt2img_routed_prompt_lorastack__ambocclusion.json'), 'x/routed.json');
    expect(template.notes.join('\n')).toMatch(/seed -1 .*node 12 \(Seed \(rgthree\)\) is not a real seed/);
    const { graph, resolved } = renderTemplate(template, { prompt: 'a cat' }, { random: () => 0.25 });
    expect(graph['12']?.inputs['seed']).toBe(resolved['seed']);
    expect(resolved['seed']).toBe(Math.floor(0.25 * 2 ** 53));
  });
});

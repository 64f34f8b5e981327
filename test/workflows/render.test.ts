import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ComfycordError } from '../../src/errors.ts';
import { loadTemplates } from '../../src/workflows/load-templates.ts';
import { choicesFromObjectInfo } from '../../src/workflows/object-info.ts';
import { renderTemplate, secureRandom } from '../../src/workflows/render.ts';
import type { Template } from '../../src/workflows/template.ts';

let txt2img: Template;
let img2img: Template;
let upscale: Template;

beforeAll(async () => {
  const set = await loadTemplates(path.resolve(import.meta.dirname, '../../workflows'));
  set.throwIfInvalid();
  txt2img = set.require('txt2img');
  img2img = set.require('img2img');
  upscale = set.require('upscale');
});

function refusal(template: () => Template, values: Record<string, unknown>, options = {}): string {
  try {
    renderTemplate(template(), values, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ComfycordError);
    expect(['OPTION_UNKNOWN', 'OPTION_REQUIRED', 'OPTION_INVALID']).toContain((error as ComfycordError).code);
    return (error as ComfycordError).userMessage;
  }
  throw new Error('expected a refusal');
}

describe('renderTemplate: values land in the right inputs of a clone', () => {
  it('GIVEN txt2img values THEN each lands in its bound input and nowhere else', () => {
    const before = JSON.stringify(txt2img.graph);
    const { graph, resolved, drawn } = renderTemplate(txt2img, { prompt: 'a red fox', negative: 'fog', seed: 42, steps: 30, cfg: 5.5, width: 832, height: 1216, batch: 2, checkpoint: 'mine.safetensors', sampler: 'euler', scheduler: 'normal' });
    expect(graph['positive']?.inputs['text']).toBe('a red fox');
    expect(graph['negative']?.inputs['text']).toBe('fog');
    expect(graph['sampler']?.inputs).toMatchObject({ seed: 42, steps: 30, cfg: 5.5, sampler_name: 'euler', scheduler: 'normal', denoise: 1 });
    expect(graph['latent']?.inputs).toEqual({ width: 832, height: 1216, batch_size: 2 });
    expect(graph['checkpoint']?.inputs['ckpt_name']).toBe('mine.safetensors');
    expect(graph['sampler']?.inputs['positive']).toEqual(['positive', 0]);
    expect(drawn).toEqual([]);
    expect(resolved).toEqual({ prompt: 'a red fox', negative: 'fog', seed: 42, steps: 30, cfg: 5.5, width: 832, height: 1216, batch: 2, checkpoint: 'mine.safetensors', sampler: 'euler', scheduler: 'normal' });
    // The template itself is untouched (and frozen), and the result shares nothing with it.
    expect(JSON.stringify(txt2img.graph)).toBe(before);
    expect(graph).not.toBe(txt2img.graph);
    expect(Object.isFrozen(graph['sampler']?.inputs)).toBe(false);
  });

  it('GIVEN only the required prompt THEN defaults fill the rest and are recorded', () => {
    const { graph, resolved } = renderTemplate(txt2img, { prompt: 'x' }, { random: () => 0 });
    expect(resolved).toMatchObject({ steps: 25, cfg: 7, width: 1024, height: 1024, batch: 1, checkpoint: 'sd_xl_base_1.0.safetensors', seed: 0 });
    expect(graph['negative']?.inputs['text']).toBe('blurry, low quality, watermark, text');
  });

  it('GIVEN CLI strings THEN numbers are parsed and written as numbers', () => {
    const { graph } = renderTemplate(txt2img, { prompt: 'x', steps: '30', cfg: '6.5', seed: '7' });
    expect(graph['sampler']?.inputs).toMatchObject({ steps: 30, cfg: 6.5, seed: 7 });
  });

  it('GIVEN an image option THEN the uploaded filename goes into LoadImage.image', () => {
    const { graph } = renderTemplate(img2img, { image: 'comfycord/in 1.png', prompt: 'oil painting', denoise: 0.4, batch: 3 });
    expect(graph['input']?.inputs['image']).toBe('comfycord/in 1.png');
    expect(graph['sampler']?.inputs['denoise']).toBe(0.4);
    expect(graph['repeat']?.inputs['amount']).toBe(3);
    expect(renderTemplate(upscale, { image: 'a.png', scale: 0.5 }).graph['resize']?.inputs['scale_by']).toBe(0.5);
  });

  it('GIVEN quotes, newlines, emoji and JSON-looking text in a prompt THEN it stays data and the graph keeps its shape', () => {
    const nasty = 'a "cat"\n}, "99": {"class_type": "Evil", "inputs": {}} \\ 🐱‍👤 ${x} \u00a0';
    const { graph } = renderTemplate(txt2img, { prompt: nasty, negative: "it's\r\n\ttabbed" });
    expect(graph['positive']?.inputs['text']).toBe(nasty);
    const roundTrip = JSON.parse(JSON.stringify({ prompt: graph })) as { prompt: typeof graph };
    expect(Object.keys(roundTrip.prompt).sort()).toEqual(Object.keys(txt2img.graph).sort());
    expect(roundTrip.prompt['positive']?.inputs['text']).toBe(nasty);
    expect(roundTrip.prompt['negative']?.inputs['text']).toBe("it's\r\n\ttabbed");
  });
});

describe('renderTemplate: seeds', () => {
  it('GIVEN seed "random" (the default) THEN it is drawn from random() and recorded', () => {
    const first = renderTemplate(txt2img, { prompt: 'x' }, { random: () => 0.5 });
    expect(first.resolved['seed']).toBe(2 ** 52);
    expect(first.graph['sampler']?.inputs['seed']).toBe(2 ** 52);
    expect(first.drawn).toEqual(['seed']);
    const explicit = renderTemplate(txt2img, { prompt: 'x', seed: 'Random' }, { random: () => 0.999_999_999_999_999_9 });
    expect(explicit.resolved['seed']).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('GIVEN the resolved values of a job THEN rendering them again gives the identical graph (Reroll/Vary are exact)', () => {
    const first = renderTemplate(txt2img, { prompt: 'x', steps: 12 });
    const again = renderTemplate(txt2img, first.resolved, { random: () => { throw new Error('no draw expected'); } });
    expect(again.graph).toEqual(first.graph);
    expect(again.drawn).toEqual([]);
  });

  it('GIVEN the default random source THEN seeds are whole numbers in range and differ between jobs', () => {
    const seeds = new Set(Array.from({ length: 20 }, () => renderTemplate(txt2img, { prompt: 'x' }).resolved['seed'] as number));
    expect(seeds.size).toBe(20);
    for (const seed of seeds) expect(Number.isSafeInteger(seed) && seed >= 0).toBe(true);
    for (let i = 0; i < 1000; i += 1) {
      const r = secureRandom();
      expect(r >= 0 && r < 1).toBe(true);
    }
  });

  it("GIVEN the server's /object_info gives the seed input a smaller max THEN a random seed stays within it", () => {
    // A custom sampler declaring max 2^50 once got 8285590758154530 (2^53 range).
    const objectInfo = { KSampler: { input: { required: { seed: ['INT', { default: 0, min: 0, max: 1125899906842624 }] } } } };
    const top = renderTemplate(txt2img, { prompt: 'x' }, { random: () => 0.999_999_999_999_999_9, objectInfo });
    expect(top.resolved['seed']).toBe(1125899906842624);
    const middle = renderTemplate(txt2img, { prompt: 'x' }, { random: () => 0.92, objectInfo });
    expect(middle.resolved['seed']).toBeLessThanOrEqual(1125899906842624);
    expect(middle.resolved['seed']).toBe(Math.floor(0.92 * (1125899906842624 + 1)));
    // The template's own bound still applies when it is the smaller one.
    const bounded = { ...txt2img, options: txt2img.options.map((option) => (option.name === 'seed' ? { ...option, max: 1000 } : option)) };
    expect(renderTemplate(bounded, { prompt: 'x' }, { random: () => 0.999_999_999_999_999_9, objectInfo }).resolved['seed']).toBe(1000);
    // A server max beyond 2^53 (KSampler's own 0xffffffffffffffff) leaves the safe-integer bound.
    const huge = { KSampler: { input: { required: { seed: ['INT', { min: 0, max: 2 ** 64 }] } } } };
    expect(renderTemplate(txt2img, { prompt: 'x' }, { random: () => 0.999_999_999_999_999_9, objectInfo: huge }).resolved['seed']).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('GIVEN a broken random source THEN it is a bug, not a silent bad seed', () => {
    expect(() => renderTemplate(txt2img, { prompt: 'x' }, { random: () => 1 })).toThrow(RangeError);
  });
});

describe('renderTemplate: every bad value is refused with a message a user can act on', () => {
  const cases: Array<[string, () => Template, Record<string, unknown>, string]> = [
    ['steps too high', () => txt2img, { prompt: 'x', steps: 500 }, 'steps must be between 1 and 100, got 500'],
    ['steps fractional', () => txt2img, { prompt: 'x', steps: 2.5 }, 'steps must be a whole number between 1 and 100, got 2.5'],
    ['steps not a number', () => txt2img, { prompt: 'x', steps: 'lots' }, "steps must be a whole number, got 'lots'"],
    ['cfg NaN', () => txt2img, { prompt: 'x', cfg: Number.NaN }, 'cfg must be a finite number, got NaN'],
    ['cfg Infinity', () => txt2img, { prompt: 'x', cfg: Number.POSITIVE_INFINITY }, 'cfg must be a finite number, got Infinity'],
    ['cfg "Infinity" text', () => txt2img, { prompt: 'x', cfg: 'Infinity' }, "cfg must be a number, got 'Infinity'"],
    ['cfg "1e400" text', () => txt2img, { prompt: 'x', cfg: '1e400' }, "cfg must be a finite number, got '1e400'"],
    ['width as a list', () => txt2img, { prompt: 'x', width: [512] }, 'width must be a whole number, got a list'],
    ['prompt missing', () => txt2img, {}, "prompt is required for template 'txt2img'"],
    ['prompt blank', () => txt2img, { prompt: '   ' }, 'prompt must not be empty'],
    ['prompt too long', () => txt2img, { prompt: 'x'.repeat(4001) }, 'prompt is too long: 4001 characters, at most 4000'],
    ['prompt not text', () => txt2img, { prompt: { text: 'x' } }, 'prompt must be text, got a value of type object'],
    ['prompt with NUL', () => txt2img, { prompt: 'a\u0000b' }, 'prompt contains a control character (U+0000)'],
    ['seed negative', () => txt2img, { prompt: 'x', seed: -1 }, 'seed must be "random" or a whole number between 0 and 9007199254740991, got -1'],
    ['seed beyond 2^53', () => txt2img, { prompt: 'x', seed: '18446744073709551615' }, "seed must be \"random\" or a whole number between 0 and 9007199254740991, got '18446744073709551615'"],
    ['seed text', () => txt2img, { prompt: 'x', seed: 'lucky' }, "seed must be \"random\" or a whole number between 0 and 9007199254740991, got 'lucky'"],
    ['image path escaping the input folder', () => img2img, { prompt: 'x', image: '../../etc/passwd' }, "image must be the name of an uploaded image, got '../../etc/passwd'"],
    ['image absolute path', () => img2img, { prompt: 'x', image: '/etc/passwd' }, "image must be the name of an uploaded image, got '/etc/passwd'"],
    ['image missing', () => img2img, { prompt: 'x' }, "image is required for template 'img2img'"],
    ['denoise above 1', () => img2img, { prompt: 'x', image: 'a.png', denoise: 1.5 }, 'denoise must be between 0.05 and 1, got 1.5'],
    ['an unknown option', () => txt2img, { prompt: 'x', lora: 'y' }, "unknown option 'lora' for template 'txt2img'; its options are: prompt, negative, seed, steps, cfg, width, height, batch, checkpoint, sampler, scheduler"],
    ['a node id as an option', () => txt2img, { prompt: 'x', sampler: 'euler', '3': { class_type: 'Evil' } }, "unknown option '3' for template 'txt2img'; its options are: prompt, negative, seed, steps, cfg, width, height, batch, checkpoint, sampler, scheduler"],
    ['a __proto__ key', () => txt2img, JSON.parse('{"prompt": "x", "__proto__": {"steps": 1}}') as Record<string, unknown>, "unknown option '__proto__' for template 'txt2img'; its options are: prompt, negative, seed, steps, cfg, width, height, batch, checkpoint, sampler, scheduler"],
  ];
  for (const [what, template, values, message] of cases) {
    it(`GIVEN ${what} THEN "${message.slice(0, 70)}"`, () => {
      expect(refusal(template, values)).toBe(message);
    });
  }

  it('GIVEN an unknown, a missing and a bad option THEN each refusal has its own code', () => {
    const codeOf = (values: Record<string, unknown>) => {
      try {
        renderTemplate(txt2img, values);
      } catch (error) {
        return (error as ComfycordError).code;
      }
      return null;
    };
    expect(codeOf({ prompt: 'x', lora: 'y' })).toBe('OPTION_UNKNOWN');
    expect(codeOf({})).toBe('OPTION_REQUIRED');
    expect(codeOf({ prompt: 'x', steps: 500 })).toBe('OPTION_INVALID');
    expect(codeOf({ prompt: 'x' })).toBeNull();
  });

  it('GIVEN the server\'s lists THEN a sampler or checkpoint it does not have is refused, with what it has', () => {
    const info = { KSampler: { input: { required: { sampler_name: [['euler', 'dpmpp_2m'], {}], scheduler: [['normal', 'karras'], {}] } } }, CheckpointLoaderSimple: { input: { required: { ckpt_name: [['mine.safetensors'], {}] } } } };
    const serverChoices = choicesFromObjectInfo(info);
    expect(refusal(() => txt2img, { prompt: 'x', checkpoint: 'mine.safetensors', sampler: 'heun' }, { serverChoices })).toBe("sampler 'heun' is not on the server; closest: euler, dpmpp_2m");
    // The template's default checkpoint is not on this server either: the user learns what to pick.
    expect(refusal(() => txt2img, { prompt: 'x' }, { serverChoices })).toBe("checkpoint 'sd_xl_base_1.0.safetensors' is not on the server; closest: mine.safetensors");
    expect(renderTemplate(txt2img, { prompt: 'x', checkpoint: 'mine.safetensors' }, { serverChoices }).resolved['checkpoint']).toBe('mine.safetensors');
  });

  it('GIVEN a server with no upscale models THEN the refusal says so', () => {
    const serverChoices = choicesFromObjectInfo({ UpscaleModelLoader: { input: { required: { model_name: ['COMBO', { options: [] }] } } } });
    expect(refusal(() => upscale, { image: 'a.png' }, { serverChoices })).toBe("upscale_model 'RealESRGAN_x4plus.pth' is not on the server, which has none to offer");
  });

  it('GIVEN undefined or null for an option THEN it counts as not given', () => {
    const { resolved } = renderTemplate(txt2img, { prompt: 'x', steps: undefined, cfg: null, other: undefined });
    expect(resolved['steps']).toBe(25);
    expect(resolved['cfg']).toBe(7);
  });
});

describe('renderTemplate: an optional image nobody gave', () => {
  let edit: Template;
  beforeAll(async () => {
    const set = await loadTemplates(path.resolve(import.meta.dirname, '../../workflows'));
    edit = set.require('edit');
  });

  it('GIVEN the edit template THEN image2 and image3 have no default (the graph\'s file names are placeholders)', () => {
    const optional = edit.options.filter((option) => option.name === 'image2' || option.name === 'image3');
    expect(optional.map((option) => [option.name, option.required, option.default])).toEqual([
      ['image2', false, undefined],
      ['image3', false, undefined],
    ]);
  });

  it('GIVEN only image THEN both reference LoadImages are gone and nothing links to them', () => {
    const { graph, resolved } = renderTemplate(edit, { image: 'a.png', prompt: 'make it night' }, { random: () => 0 });
    expect(graph['input']?.inputs['image']).toBe('a.png');
    expect(graph['input2']).toBeUndefined();
    expect(graph['input3']).toBeUndefined();
    expect(graph['stitch2']?.inputs).not.toHaveProperty('image2');
    expect(graph['stitch3']?.inputs).not.toHaveProperty('image2');
    expect(graph['stitch3']?.inputs['image1']).toEqual(['stitch2', 0]);
    const links = Object.values(graph).flatMap((node) => Object.values(node.inputs)).filter((value) => Array.isArray(value));
    expect(links.every((link) => Object.hasOwn(graph, String((link as unknown[])[0])))).toBe(true);
    expect(Object.keys(resolved)).not.toContain('image2');
    // The template keeps its nodes for the next job.
    expect(Object.keys(edit.graph)).toEqual(expect.arrayContaining(['input2', 'input3']));
  });

  it('GIVEN image and image3 only THEN image3 is stitched and image2\'s LoadImage is dropped', () => {
    const { graph } = renderTemplate(edit, { image: 'a.png', image3: 'c.png', prompt: 'x' });
    expect(graph['input2']).toBeUndefined();
    expect(graph['input3']?.inputs['image']).toBe('c.png');
    expect(graph['stitch2']?.inputs).not.toHaveProperty('image2');
    expect(graph['stitch3']?.inputs['image2']).toEqual(['input3', 0]);
  });

  it('GIVEN all three images THEN each LoadImage reads its own file', () => {
    const { graph } = renderTemplate(edit, { image: 'a.png', image2: 'b.png', image3: 'c.png', prompt: 'x' });
    expect([graph['input'], graph['input2'], graph['input3']].map((node) => node?.inputs['image'])).toEqual(['a.png', 'b.png', 'c.png']);
    expect(graph['stitch2']?.inputs['image2']).toEqual(['input2', 0]);
  });

  it('GIVEN no image THEN the required one is still refused', () => {
    expect(refusal(() => edit, { prompt: 'x' })).toBe("image is required for template 'edit'");
  });
});

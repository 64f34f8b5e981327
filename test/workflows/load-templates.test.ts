/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- these tests break template JSON and object_info one field at a time, through loosely typed copies */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComfycordError } from '../../src/errors.ts';
import { loadTemplates } from '../../src/workflows/load-templates.ts';
import { parseTemplate } from '../../src/workflows/parse-template.ts';
import { TemplateError } from '../../src/workflows/template-error.ts';
import { listOptions } from '../../src/workflows/template.ts';

const SHIPPED = path.resolve(import.meta.dirname, '../../workflows');

/** A small valid template; tests break one thing at a time. */
function good(): Record<string, any> {
  return {
    description: 'test',
    kind: 'txt2img',
    options: {
      prompt: { type: 'text', required: true, targets: ['6.inputs.text'] },
      steps: { type: 'int', default: 20, min: 1, max: 50, targets: ['3.inputs.steps'] },
      seed: { type: 'seed', targets: [{ node: '3', input: 'seed' }] },
      checkpoint: { type: 'choice', default: 'a.safetensors', targets: ['4.inputs.ckpt_name'] },
    },
    graph: {
      '3': { class_type: 'KSampler', inputs: { seed: 5, steps: 20, cfg: 7, sampler_name: 'euler', scheduler: 'normal', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
      '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'a.safetensors' } },
      '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 512, batch_size: 1 } },
      '6': { class_type: 'CLIPTextEncode', inputs: { text: '', clip: ['4', 1] } },
      '7': { class_type: 'CLIPTextEncode', inputs: { text: 'bad', clip: ['4', 1] } },
      '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
      '9': { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: 'x' } },
    },
  };
}

/** good()'s graph alone, as ComfyUI's "Save (API)" exports it: detection binds it. */
function rawGraph(): Record<string, any> {
  return good()['graph'];
}

/** A raw two-pass graph (node 14 refines node 10's latent): detection refuses to guess. */
function rawTwoPass(): Record<string, any> {
  const graph = rawGraph();
  graph['10'] = graph['3'];
  delete graph['3'];
  graph['14'] = { class_type: 'KSampler', inputs: { ...graph['10'].inputs, denoise: 0.3, latent_image: ['10', 0] } };
  graph['8'].inputs.samples = ['14', 0];
  return graph;
}

/** The one message parseTemplate throws for a broken copy of good(). */
function messageFor(change: (t: Record<string, any>) => void, file = 'workflows/t.json'): string {
  const template = good();
  change(template);
  try {
    parseTemplate(template, file);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return (error as TemplateError).message;
  }
  throw new Error('expected a TemplateError');
}

describe('template validation: every error names the file and the JSON path', () => {
  const cases: Array<[string, (t: Record<string, any>) => void, string]> = [
    ['a target on a missing node', (t) => { t.options.steps.targets = ['99.inputs.steps']; }, 'workflows/t.json: options.steps.targets[0]: node "99" does not exist'],
    ['a target on a missing input', (t) => { t.options.steps.targets = ['3.inputs.stepz']; }, 'workflows/t.json: options.steps.targets[0]: node "3" (KSampler) has no input "stepz"'],
    ['a target that is a link', (t) => { t.options.steps.targets = ['3.inputs.model']; }, 'workflows/t.json: options.steps.targets[0]: 3.inputs.model is a link from node "4"; bind that node\'s input instead'],
    ['a target holding another type', (t) => { t.options.steps.targets = ['3.inputs.sampler_name']; }, 'workflows/t.json: options.steps.targets[0]: 3.inputs.sampler_name holds a string, but option "steps" is int (needs a number)'],
    ['a malformed target', (t) => { t.options.steps.targets = ['3.steps']; }, 'workflows/t.json: options.steps.targets[0]: a target is "<node>.inputs.<input>" or {"node": "<id>", "input": "<name>"}'],
    ['no targets', (t) => { t.options.steps.targets = []; }, 'workflows/t.json: options.steps.targets: targets must be a non-empty list of node inputs ("<node>.inputs.<input>" or {"node", "input"})'],
    ['one input bound twice', (t) => { t.options.other = { type: 'int', targets: ['3.inputs.steps'] }; }, 'workflows/t.json: options.other.targets[0]: 3.inputs.steps is already bound by option "steps"'],
    ['a default out of range', (t) => { t.options.steps.default = 500; }, 'workflows/t.json: options.steps.default: default: steps must be between 1 and 50, got 500'],
    ['a default of the wrong type', (t) => { t.options.steps.default = '20'; }, 'workflows/t.json: options.steps.default: default must be a number, got a string'],
    ['a graph value out of range and no default', (t) => { delete t.options.steps.default; t.graph['3'].inputs.steps = 80; }, 'workflows/t.json: options.steps: the graph\'s value at 3.inputs.steps (used as the default): steps must be between 1 and 50, got 80'],
    ['min above max', (t) => { t.options.steps.min = 60; }, 'workflows/t.json: options.steps.min: min (60) is greater than max (50)'],
    ['a fractional int bound', (t) => { t.options.steps.max = 50.5; }, 'workflows/t.json: options.steps.max: max must be a whole number for int options'],
    ['min on a text option', (t) => { t.options.prompt.min = 1; }, 'workflows/t.json: options.prompt.min: min applies only to int, float and seed options'],
    ['a misspelt key', (t) => { t.options.steps.defualt = 3; }, 'workflows/t.json: options.steps.defualt: unknown key (allowed: type, description, required, default, min, max, maxLength, choices, choicesFrom, targets)'],
    ['an unknown type', (t) => { t.options.steps.type = 'integer'; }, 'workflows/t.json: options.steps.type: type must be one of: string, text, int, float, seed, choice, bool, image'],
    ['a standard name with another type', (t) => { t.options.steps.type = 'float'; }, 'workflows/t.json: options.steps.type: "steps" is a standard option and must be of type int'],
    ['a bad option name', (t) => { t.options['Steps Count'] = { type: 'int', targets: ['5.inputs.width'] }; }, 'workflows/t.json: options.Steps Count: option names are lowercase letters, digits and _, starting with a letter, at most 32 characters'],
    ['a choice with no list', (t) => { t.options.mode = { type: 'choice', targets: ['3.inputs.scheduler'] }; }, 'workflows/t.json: options.mode: a choice option needs "choices" or "choicesFrom"'],
    ['a default outside the choices', (t) => { t.options.mode = { type: 'choice', choices: ['normal', 'karras'], default: 'simple', targets: ['3.inputs.scheduler'] }; }, "workflows/t.json: options.mode.default: default: mode must be one of: normal, karras; got 'simple'"],
    ['a required option with a default', (t) => { t.options.prompt.default = 'x'; }, 'workflows/t.json: options.prompt.default: a required option cannot have a default'],
    ['a fractional seed bound', (t) => { t.options.seed.min = 0.5; }, 'workflows/t.json: options.seed.min: min must be a whole number for seed options'],
    ['a seed above 2^53-1', (t) => { t.options.seed.max = 2 ** 64; }, "workflows/t.json: options.seed.max: a seed's max must be between 0 and 9007199254740991"],
    ['a description too long for Discord', (t) => { t.options.steps.description = 'x'.repeat(101); }, 'workflows/t.json: options.steps.description: description must be 1 to 100 characters (a Discord limit)'],
    ['a bad kind', (t) => { t.kind = 'text2image'; }, 'workflows/t.json: kind: kind must be one of: txt2img, img2img, inpaint, upscale, guided, other'],
    ['a name that is not the file name', (t) => { t.name = 'other'; }, 'workflows/t.json: name: "other" differs from the file name "t"; the file name is the template\'s name'],
    ['a link to a missing node', (t) => { t.graph['3'].inputs.model = ['42', 0]; }, 'workflows/t.json: graph.3.inputs.model: links to node "42", which does not exist'],
    ['a node without class_type', (t) => { delete t.graph['8'].class_type; }, 'workflows/t.json: graph.8.class_type: class_type must be a non-empty string'],
    ['an array that is not a link', (t) => { t.graph['5'].inputs.width = [512, 512]; }, 'workflows/t.json: graph.5.inputs.width: an array input must be a link ["<node id>", <output index>]'],
    ['a stall limit of zero', (t) => { t.stallSeconds = 0; }, 'workflows/t.json: stallSeconds: stallSeconds must be a whole number of seconds from 1 to 86400'],
    ['a deadline given as text', (t) => { t.timeoutSeconds = '3600'; }, 'workflows/t.json: timeoutSeconds: timeoutSeconds must be a whole number of seconds from 1 to 86400'],
    ['a __proto__ node id', (t) => { Object.defineProperty(t.graph, '__proto__', { value: { class_type: 'X', inputs: {} }, enumerable: true }); }, 'workflows/t.json: graph.__proto__: "__proto__" cannot be a node id'],
  ];
  for (const [what, change, message] of cases) {
    it(`GIVEN ${what} THEN: ${message.slice('workflows/t.json: '.length)}`, () => {
      expect(messageFor(change)).toBe(message);
    });
  }

  it('GIVEN several problems in one file THEN all of them are listed, one per line', () => {
    const message = messageFor((t) => { t.options.steps.targets = ['99.inputs.steps']; t.kind = 'nope'; t.options.seed.min = -1; });
    expect(message.split('\n')).toEqual([
      'workflows/t.json: kind: kind must be one of: txt2img, img2img, inpaint, upscale, guided, other',
      'workflows/t.json: options.steps.targets[0]: node "99" does not exist',
      'workflows/t.json: options.seed.min: a seed\'s min must be between 0 and 9007199254740991',
    ]);
  });

  it('GIVEN a valid template THEN optional options get defaults from the graph, seeds default to random, and the result is frozen', () => {
    const template = parseTemplate(good(), 'workflows/t.json');
    const byName = Object.fromEntries(listOptions(template).map((o) => [o.name, o]));
    expect(byName['prompt']).toEqual({ name: 'prompt', type: 'text', description: 'What to make', required: true, maxLength: 4000 });
    expect(byName['seed']).toMatchObject({ type: 'seed', default: 'random', min: 0, max: Number.MAX_SAFE_INTEGER, required: false });
    expect(byName['checkpoint']).toMatchObject({ default: 'a.safetensors', choicesFrom: { class: 'CheckpointLoaderSimple', input: 'ckpt_name' } });
    expect(Object.isFrozen(template.graph['3']?.inputs)).toBe(true);
    expect(() => { (template.graph['3']!.inputs)['steps'] = 1; }).toThrow(TypeError);
  });

  it('GIVEN stallSeconds and timeoutSeconds THEN the template carries them; without them it has none (the bot defaults apply)', () => {
    const template = parseTemplate({ ...good(), stallSeconds: 900, timeoutSeconds: 7200 }, 'workflows/t.json');
    expect([template.stallSeconds, template.timeoutSeconds]).toEqual([900, 7200]);
    const plain = parseTemplate(good(), 'workflows/t.json');
    expect([plain.stallSeconds, plain.timeoutSeconds]).toEqual([undefined, undefined]);
  });

  it('GIVEN a UI-format workflow THEN the error says to use "Save (API)"', () => {
    expect(() => parseTemplate({ nodes: [], links: [], version: 0.4 }, 'workflows/ui.json')).toThrow('workflows/ui.json: this is a UI workflow (saved with "Save"); export the API format with "Save (API)" instead');
  });
});

describe('loadTemplates', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(path.join(tmpdir(), 'comfycord-templates-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('GIVEN good, bad and raw files THEN good ones load by name (sorted), each bad file is one error, README is skipped', async () => {
    await writeFile(path.join(dir, 'zeta.json'), JSON.stringify(good()));
    await writeFile(path.join(dir, 'alpha.json'), JSON.stringify(good()));
    await writeFile(path.join(dir, 'lcm.json'), JSON.stringify(rawGraph()));
    await writeFile(path.join(dir, 'refiner.json'), JSON.stringify(rawTwoPass()));
    await writeFile(path.join(dir, 'broken.json'), '{"kind": "txt2img",');
    const bad = good();
    bad.options.steps.targets = ['99.inputs.steps'];
    await writeFile(path.join(dir, 'bad.json'), JSON.stringify(bad));
    await writeFile(path.join(dir, 'README.md'), '# not a template');

    const set = await loadTemplates(dir);
    expect(set.names()).toEqual(['alpha', 'lcm', 'zeta']);
    expect(set.get('lcm')?.source).toBe('detected');
    expect(set.errors.map((e) => e.file)).toEqual(['bad.json', 'broken.json', 'refiner.json'].map((f) => path.join(dir, f)));
    expect(set.errors[0]?.message).toBe(`${path.join(dir, 'bad.json')}: options.steps.targets[0]: node "99" does not exist`);
    expect(set.errors[1]?.message).toMatch(new RegExp(`^${path.join(dir, 'broken.json')}: not valid JSON: `));
    expect(set.errors[2]?.message).toMatch(/refiner\.json: a raw graph whose bindings cannot be detected: 2 samplers \(nodes 10 and 14\)/);

    let thrown: unknown;
    try { set.throwIfInvalid(); } catch (error) { thrown = error; }
    expect(thrown).toBeInstanceOf(ComfycordError);
    expect((thrown as TemplateError).code).toBe('TEMPLATE_INVALID');
    expect((thrown as TemplateError).message.split('\n')).toHaveLength(3);
    expect(() => set.require('nope')).toThrow("there is no template 'nope'; available: alpha, lcm, zeta");
  });

  it('GIVEN any file names (spaces, capitals, accents, 90 characters) THEN each template gets a plain, stable name from it', async () => {
    const long = 'Wan 2.1 text to video at 480p with the lightx2v LoRA, 4 steps, shift 8, for Discord!!.json';
    expect(long).toHaveLength(90);
    await writeFile(path.join(dir, 'My Fox (v2).json'), JSON.stringify(good()));
    await writeFile(path.join(dir, 'Crème Brûlée.JSON'), JSON.stringify(rawGraph()));
    await writeFile(path.join(dir, long), JSON.stringify(good()));
    const set = await loadTemplates(dir);
    expect(set.errors).toEqual([]);
    const names = set.names();
    expect(names).toHaveLength(3);
    expect(names).toContain('my-fox-v2');
    expect(names).toContain('creme-brulee');
    const longName = names.find((name) => name.startsWith('wan-2-1-text-to-video'));
    expect(longName).toMatch(/^wan-2-1-text-to-video-at-480p-wit-[0-9a-f]{6}$/);
    expect(set.get(longName ?? '')?.file).toBe(path.join(dir, long));
    expect((await loadTemplates(dir)).names()).toEqual(names);
  });

  it('GIVEN two files that give the same name THEN the first in file-name order keeps it and the other is refused, naming both', async () => {
    await writeFile(path.join(dir, 'My Fox.json'), JSON.stringify(good()));
    await writeFile(path.join(dir, 'my-fox.json'), JSON.stringify(good()));
    const set = await loadTemplates(dir);
    expect(set.names()).toEqual(['my-fox']);
    expect(set.get('my-fox')?.file).toBe(path.join(dir, 'My Fox.json'));
    expect(set.errors.map((error) => error.message)).toEqual([
      `${path.join(dir, 'my-fox.json')}: gives the template name 'my-fox', as My Fox.json does: rename one of the two files`,
    ]);
  });

  it('GIVEN a missing folder THEN a TemplateError names it', async () => {
    await expect(loadTemplates(path.join(dir, 'missing'))).rejects.toThrow(`${path.join(dir, 'missing')}: cannot read the templates folder: ENOENT`);
  });

  it('GIVEN an oversized file THEN it is refused without being parsed', async () => {
    await writeFile(path.join(dir, 'huge.json'), Buffer.alloc(2 * 1024 * 1024 + 1, 0x20));
    const set = await loadTemplates(dir);
    expect(set.errors[0]?.message).toMatch(/huge\.json: the file is 2097153 bytes; a template is at most 2097152/);
  });
});

describe('shipped templates (workflows/)', () => {
  it('GIVEN the repo folder THEN txt2img, img2img, upscale (and upscale-refine) load with no error', async () => {
    const set = await loadTemplates(SHIPPED);
    expect(set.errors.map((e) => e.message)).toEqual([]);
    expect(set.names()).toEqual(expect.arrayContaining(['img2img', 'txt2img', 'upscale', 'upscale-refine']));
    expect(set.require('txt2img').kind).toBe('txt2img');
    expect(set.require('img2img').kind).toBe('img2img');
    expect(set.require('upscale').kind).toBe('upscale');
  });

  it('GIVEN each shipped template THEN its required options are the ones a user must give, listed first', async () => {
    const set = await loadTemplates(SHIPPED);
    const required = (name: string) => set.require(name).options.filter((o) => o.required).map((o) => o.name);
    expect(required('txt2img')).toEqual(['prompt']);
    expect(required('img2img')).toEqual(['image', 'prompt']);
    expect(required('upscale')).toEqual(['image']);
    expect(required('inpaint')).toEqual(['image', 'mask', 'prompt']);
    expect(set.require('inpaint').role).toBe('inpaint');
    for (const template of set.list()) {
      const firstOptional = template.options.findIndex((o) => !o.required);
      expect(template.options.slice(firstOptional).every((o) => !o.required), template.name).toBe(true);
    }
  });

  it('GIVEN every template with a checkpoint loader THEN its checkpoint is an option with the server\'s list', async () => {
    const set = await loadTemplates(SHIPPED);
    for (const template of set.list()) {
      const hasLoader = Object.values(template.graph).some((node) => node.class_type === 'CheckpointLoaderSimple');
      const option = template.options.find((o) => o.name === 'checkpoint');
      expect(option !== undefined, template.name).toBe(hasLoader);
      if (option !== undefined) {
        expect(option.choicesFrom).toEqual({ class: 'CheckpointLoaderSimple', input: 'ckpt_name' });
        expect(option.default).toBe('sd_xl_base_1.0.safetensors');
      }
    }
  });

  it('GIVEN workflows/README.md THEN it documents every shipped template', async () => {
    const readme = await readFile(path.join(SHIPPED, 'README.md'), 'utf8');
    for (const name of (await loadTemplates(SHIPPED)).names()) expect(readme).toContain(`\`${name}\``);
  });
});

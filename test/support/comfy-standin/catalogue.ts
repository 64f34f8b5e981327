import { readFile } from 'node:fs/promises';
import { OBJECT_INFO_FILE } from '../repo-paths.ts';

/**
 * The node catalogue: the real `/object_info` of ComfyUI 0.3.64 (379 classes), plus
 * the three test-only nodes the transcripts were captured with and the custom VHS_VideoCombine, with model lists
 * and the LoadImage file list filled in from this stand-in's state.
 */

export type InputConfig = [unknown, Record<string, unknown>?] | unknown[];

export interface NodeInfo {
  input: { required?: Record<string, InputConfig>; optional?: Record<string, InputConfig>; hidden?: Record<string, unknown> };
  input_order?: Record<string, string[]>;
  output: string[];
  output_node: boolean;
  [key: string]: unknown;
}

export interface InputSpec {
  name: string;
  category: 'required' | 'optional';
  /** `'INT'`, `'IMAGE'`, ... or the list of choices of a combo. */
  type: string | unknown[];
  options: Record<string, unknown>;
  config: InputConfig;
}

export interface ModelLists {
  checkpoints?: string[];
  loras?: string[];
  upscale_models?: string[];
  vae?: string[];
  /** UNETLoader's folder (models/diffusion_models), e.g. the Wan video models. */
  diffusion_models?: string[];
  /** CLIPLoader's and DualCLIPLoader's folder (models/text_encoders). */
  text_encoders?: string[];
  /** CLIPVisionLoader's folder (models/clip_vision). */
  clip_vision?: string[];
}


const TEST_NODES: Record<string, NodeInfo> = {
  SlowProgress: testNode('SlowProgress', 'Slow Progress (test)', {
    image: ['IMAGE'],
    steps: ['INT', { default: 5, min: 1, max: 1000 }],
  }),
  SlowProgressText: testNode('SlowProgressText', 'Slow Progress Text (test)', {
    image: ['IMAGE'],
    steps: ['INT', { default: 5, min: 1, max: 1000 }],
  }),
  RaiseError: testNode('RaiseError', 'Raise Error (test)', {
    image: ['IMAGE'],
    message: ['STRING', { default: 'boom' }],
  }),
};

/** VideoHelperSuite's VHS_VideoCombine, the popular custom video node, as its /object_info lists it (the inputs used here). */
const CUSTOM_NODES: Record<string, NodeInfo> = {
  VHS_VideoCombine: {
    input: {
      required: {
        images: ['IMAGE'],
        frame_rate: ['FLOAT', { default: 8, min: 1, step: 1 }],
        loop_count: ['INT', { default: 0, min: 0, max: 100, step: 1 }],
        filename_prefix: ['STRING', { default: 'AnimateDiff' }],
        format: [['image/gif', 'image/webp', 'video/webm', 'video/h264-mp4']],
        pingpong: ['BOOLEAN', { default: false }],
        save_output: ['BOOLEAN', { default: true }],
      },
      hidden: { prompt: 'PROMPT', extra_pnginfo: 'EXTRA_PNGINFO', unique_id: 'UNIQUE_ID' },
    },
    input_order: { required: ['images', 'frame_rate', 'loop_count', 'filename_prefix', 'format', 'pingpong', 'save_output'] },
    output: ['VHS_FILENAMES'],
    output_is_list: [false],
    output_name: ['Filenames'],
    name: 'VHS_VideoCombine',
    display_name: 'Video Combine 🎥🅥🅗🅢',
    description: '',
    python_module: 'custom_nodes.ComfyUI-VideoHelperSuite',
    category: 'Video Helper Suite 🎥🅥🅗🅢',
    output_node: true,
  },
};

function testNode(name: string, displayName: string, required: Record<string, InputConfig>): NodeInfo {
  return {
    input: { required },
    input_order: { required: Object.keys(required) },
    output: ['IMAGE'],
    output_is_list: [false],
    output_name: ['IMAGE'],
    name,
    display_name: displayName,
    description: '',
    python_module: 'custom_nodes.slow_progress',
    category: 'testing',
    output_node: false,
  };
}

const IMAGE_FILE = /\.(png|jpe?g|webp|gif|bmp|tiff?)$/i;

/** Input names whose choices are a model folder, and which folder. */
const MODEL_INPUTS: Record<string, keyof ModelLists> = {
  ckpt_name: 'checkpoints',
  lora_name: 'loras',
  model_name: 'upscale_models',
  vae_name: 'vae',
  unet_name: 'diffusion_models',
  clip_name1: 'text_encoders',
  clip_name2: 'text_encoders',
};

/** `clip_name` is a text encoder for CLIPLoader and an image encoder for CLIPVisionLoader, as in ComfyUI's nodes.py. */
const CLASS_MODEL_INPUTS: Record<string, Record<string, keyof ModelLists>> = {
  CLIPLoader: { clip_name: 'text_encoders' },
  CLIPVisionLoader: { clip_name: 'clip_vision' },
};

let baseCatalogue: Promise<Record<string, NodeInfo>> | undefined;

/** Parses object_info.json once per process; every stand-in shares the parsed base. */
function loadBase(): Promise<Record<string, NodeInfo>> {
  baseCatalogue ??= readFile(OBJECT_INFO_FILE, 'utf8').then((text) => ({
    ...(JSON.parse(text) as Record<string, NodeInfo>),
    ...TEST_NODES,
    ...CUSTOM_NODES,
  }));
  return baseCatalogue;
}

export class Catalogue {
  readonly #base: Record<string, NodeInfo>;
  readonly #patched: Record<string, NodeInfo>;
  readonly #inputFiles: () => string[];

  private constructor(base: Record<string, NodeInfo>, models: ModelLists, inputFiles: () => string[], bounds: InputBounds) {
    this.#base = base;
    this.#inputFiles = inputFiles;
    this.#patched = patchBounds(base, patchModels(base, models), bounds);
  }

  /** `inputFiles` lists the top-level files of the input folder, for LoadImage's choices. */
  static async load(models: ModelLists, inputFiles: () => string[], bounds: InputBounds = {}): Promise<Catalogue> {
    return new Catalogue(await loadBase(), models, inputFiles, bounds);
  }

  has(classType: string): boolean {
    return Object.hasOwn(this.#base, classType);
  }

  info(classType: string): NodeInfo | undefined {
    if (!this.has(classType)) return undefined;
    const info = this.#patched[classType] ?? this.#base[classType];
    if (info === undefined) return undefined;
    return classType === 'LoadImage' || classType === 'LoadImageMask' ? this.#withInputFiles(info) : info;
  }

  /** The whole `/object_info` answer. */
  all(): Record<string, NodeInfo> {
    const out: Record<string, NodeInfo> = {};
    for (const classType of Object.keys(this.#base)) {
      const info = this.info(classType);
      if (info !== undefined) out[classType] = info;
    }
    return out;
  }

  isOutputNode(classType: string): boolean {
    return this.#base[classType]?.output_node === true;
  }

  outputTypes(classType: string): string[] {
    return this.#base[classType]?.output ?? [];
  }

  /** Required then optional inputs, in the node's declared order. */
  inputs(classType: string): InputSpec[] {
    const info = this.info(classType);
    if (info === undefined) return [];
    const specs: InputSpec[] = [];
    for (const category of ['required', 'optional'] as const) {
      const section = info.input[category] ?? {};
      const order = info.input_order?.[category] ?? Object.keys(section);
      for (const name of order) {
        const config = section[name];
        if (config === undefined) continue;
        const options = (config[1] ?? {}) as Record<string, unknown>;
        specs.push({ name, category, type: config[0] as string | unknown[], options, config });
      }
    }
    return specs;
  }

  #withInputFiles(info: NodeInfo): NodeInfo {
    const files = this.#inputFiles().filter((name) => IMAGE_FILE.test(name)).sort();
    const image = info.input.required?.['image'];
    if (image === undefined) return info;
    return { ...info, input: { ...info.input, required: { ...info.input.required, image: [files, ...image.slice(1)] } } };
  }
}

/** `{'KSampler.seed': {max: 4294967295}}`: a node input's min/max as a custom node would declare them. */
export type InputBounds = Record<string, { min?: number; max?: number }>;

function patchBounds(base: Record<string, NodeInfo>, patched: Record<string, NodeInfo>, bounds: InputBounds): Record<string, NodeInfo> {
  const out = { ...patched };
  for (const [key, bound] of Object.entries(bounds)) {
    const [classType, name] = key.split('.') as [string, string];
    const info = out[classType] ?? base[classType];
    if (info === undefined) throw new Error(`inputBounds: no node class ${classType}`);
    const category = info.input.required?.[name] !== undefined ? 'required' : 'optional';
    const config = info.input[category]?.[name];
    if (config === undefined) throw new Error(`inputBounds: ${classType} has no input ${name}`);
    const [type, options] = config as [unknown, Record<string, unknown> | undefined];
    out[classType] = { ...info, input: { ...info.input, [category]: { ...info.input[category], [name]: [type, { ...(options ?? {}), ...bound }] } } };
  }
  return out;
}

function patchModels(base: Record<string, NodeInfo>, models: ModelLists): Record<string, NodeInfo> {
  const patched: Record<string, NodeInfo> = {};
  for (const [classType, info] of Object.entries(base)) {
    let changed = false;
    const input = { ...info.input };
    for (const category of ['required', 'optional'] as const) {
      const section = input[category];
      if (section === undefined) continue;
      for (const [name, config] of Object.entries(section)) {
        const folder = CLASS_MODEL_INPUTS[classType]?.[name] ?? MODEL_INPUTS[name];
        const list = folder === undefined ? undefined : models[folder];
        if (list === undefined) continue;
        const replaced = withChoices(config, list, name === 'vae_name');
        if (replaced === undefined) continue;
        input[category] = { ...input[category], [name]: replaced };
        changed = true;
      }
    }
    if (changed) patched[classType] = { ...info, input };
  }
  return patched;
}

function withChoices(config: InputConfig, list: string[], keepPixelSpace: boolean): InputConfig | undefined {
  const [type, options] = config as [unknown, Record<string, unknown> | undefined];
  if (Array.isArray(type)) {
    const extra = keepPixelSpace && type.includes('pixel_space') ? ['pixel_space'] : [];
    return [[...list, ...extra], ...config.slice(1)];
  }
  if (type === 'COMBO') return ['COMBO', { ...(options ?? {}), options: [...list] }];
  return undefined;
}

import { formatRef, getNode, isLink, nodeLabel, upstreamOf, type ApiGraph, type InputRef, type Link } from './graph.ts';

/**
 * Graph tracing for detection: follow links from a sampler towards the nodes whose inputs
 * a person would set. Every table lists core ComfyUI classes (as /object_info names them);
 * anything else stops the trace with a reason, because guessing wrong is worse than asking.
 */

/** Thrown inside detection only; detectBindings turns it into a refusal. */
export class DetectionRefused extends Error {}

/**
 * Refuses detection. With `binding`, the reason ends by naming the one binding the
 * template should declare to settle it (its name in a declared template's `options`).
 */
export function refuse(reason: string, binding?: string): never {
  throw new DetectionRefused(binding === undefined ? reason : `${reason}: declare the "${binding}" binding`);
}

/** Text encoders and the inputs that hold the prompt text (all of them get the prompt). */
export const TEXT_ENCODERS: Readonly<Record<string, readonly string[]>> = {
  CLIPTextEncode: ['text'],
  CLIPTextEncodeSDXL: ['text_g', 'text_l'],
  CLIPTextEncodeSDXLRefiner: ['text'],
  CLIPTextEncodeSD3: ['clip_l', 'clip_g', 't5xxl'],
  CLIPTextEncodeFlux: ['clip_l', 't5xxl'],
  CLIPTextEncodeHunyuanDiT: ['bert', 'mt5xl'],
  CLIPTextEncodePixArtAlpha: ['text'],
  CLIPTextEncodeLumina2: ['user_prompt'],
  CLIPTextEncodeHiDream: ['clip_l', 'clip_g', 't5xxl', 'llama'],
  TextEncodeQwenImageEdit: ['prompt'],
  TextEncodeQwenImageEditPlus: ['prompt'],
};

/** Nodes that take one conditioning and hand it on (guidance, ControlNet, area, reference image…). */
const CONDITIONING_PASS_THROUGH = new Set([
  'FluxGuidance', 'FluxDisableGuidance', 'ReferenceLatent', 'FluxKontextMultiReferenceLatentMethod', 'ControlNetApply',
  'ConditioningSetArea', 'ConditioningSetAreaPercentage', 'ConditioningSetAreaStrength', 'ConditioningSetMask',
  'ConditioningSetTimestepRange', 'StyleModelApply', 'unCLIPConditioning',
]);

/** Nodes that take a positive and a negative and return them as outputs 0 and 1. */
const CONDITIONING_PAIR = new Set([
  'ControlNetApplyAdvanced', 'ControlNetApplySD3', 'ControlNetInpaintingAliMamaApply', 'InpaintModelConditioning', 'InstructPixToPixConditioning',
]);

export const EMPTY_LATENTS = new Set(['EmptyLatentImage', 'EmptySD3LatentImage', 'EmptyHunyuanImageLatent', 'EmptyChromaRadianceLatentImage', 'StableCascade_EmptyLatentImage']);

/** Image nodes between LoadImage and a VAE encoder that only resize or recolour. */
/** Stock nodes that change an image's size or crop on its way from LoadImage to the encoder. */
const IMAGE_PASS_THROUGH = new Set([
  'ImageScale', 'ImageScaleBy', 'ImageScaleToTotalPixels', 'FluxKontextImageScale', 'ImageInvert', 'ImageCrop', 'ImageUpscaleWithModel',
]);

/**
 * Custom nodes that resize, scale or crop (ImageResize+, ImageResizeKJ, "Image Resize",
 * ImageCrop+ …) all take the picture on an input named `image`: followed like the stock ones.
 */
const IMAGE_RESIZE_LIKE = /resiz|scal|crop/i;

function passesImageThrough(graph: ApiGraph, id: string, classType: string): boolean {
  return IMAGE_PASS_THROUGH.has(classType) || (IMAGE_RESIZE_LIKE.test(classType) && linkAt(graph, id, 'image') !== undefined);
}

function feedsFromLoadImage(graph: ApiGraph, link: Link): boolean {
  return [...upstreamOf(graph, [link])].some((id) => getNode(graph, id)?.class_type === 'LoadImage');
}

const MAX_HOPS = 64;

/** A literal that can be bound: where it lives and what it holds now. */
export interface ValueSource {
  readonly ref: InputRef;
  readonly value: string | number;
}

export type Resolved = ValueSource | { readonly absent: true } | { readonly unresolved: string };

/**
 * Where the value of an input really lives: the input itself when it is a literal, or the
 * single input of a value node it is linked to (PrimitiveInt, "Seed (rgthree)", "CR Prompt
 * Text"…). A value node has exactly one input, a literal of the wanted type; anything else
 * computes the value and cannot be bound.
 */
export function resolveValue(graph: ApiGraph, ref: InputRef, want: 'number' | 'string'): Resolved {
  const node = getNode(graph, ref.node);
  if (node === undefined || !Object.hasOwn(node.inputs, ref.input)) return { absent: true };
  const value = node.inputs[ref.input];
  if (typeof value === want) return { ref, value: value as string | number };
  if (!isLink(value)) return { unresolved: `${formatRef(ref)} holds a ${typeof value}, not a ${want}` };
  const producer = getNode(graph, value[0]);
  const entries = producer === undefined ? [] : Object.entries(producer.inputs);
  const only = entries.length === 1 ? entries[0] : undefined;
  if (only !== undefined && typeof only[1] === want) return { ref: { node: value[0], input: only[0] }, value: only[1] as string | number };
  return { unresolved: `${formatRef(ref)} comes from ${nodeLabel(graph, value[0])}, which is not a plain value node` };
}

export function linkAt(graph: ApiGraph, node: string, input: string): Link | undefined {
  const value = getNode(graph, node)?.inputs[input];
  return isLink(value) ? value : undefined;
}

export interface ConditioningTrace {
  /** Empty when the conditioning is zeroed (ConditioningZeroOut): there is no text to bind. */
  readonly texts: readonly ValueSource[];
  readonly encoder?: string;
  /** FluxGuidance nodes met on the way. */
  readonly guidance: readonly ValueSource[];
}

/** Follows a conditioning link to the text encoder and returns where its text lives. */
export function traceConditioning(graph: ApiGraph, start: Link, what: 'positive prompt' | 'negative prompt'): ConditioningTrace {
  const binding = what === 'positive prompt' ? 'prompt' : 'negative';
  const guidance: ValueSource[] = [];
  let link: Link = start;
  for (let hop = 0; hop < MAX_HOPS; hop += 1) {
    const [id, output] = link;
    const node = getNode(graph, id);
    if (node === undefined) refuse(`${what}: node ${id} does not exist`, binding);
    const cls = node.class_type;
    const textInputs = TEXT_ENCODERS[cls];
    if (textInputs !== undefined) {
      const texts: ValueSource[] = [];
      for (const input of textInputs) {
        const found = resolveValue(graph, { node: id, input }, 'string');
        if ('unresolved' in found) refuse(`${what}: ${found.unresolved}`, binding);
        if ('ref' in found && !texts.some((t) => t.ref.node === found.ref.node && t.ref.input === found.ref.input)) texts.push(found);
      }
      if (texts.length === 0) refuse(`${what}: ${nodeLabel(graph, id)} has no text input`, binding);
      return { texts, encoder: id, guidance };
    }
    if (cls === 'ConditioningZeroOut') return { texts: [], guidance };
    let next: Link | undefined;
    if (CONDITIONING_PASS_THROUGH.has(cls)) {
      if (cls === 'FluxGuidance') {
        const found = resolveValue(graph, { node: id, input: 'guidance' }, 'number');
        if ('ref' in found) guidance.push(found);
      }
      next = linkAt(graph, id, 'conditioning');
    } else if (CONDITIONING_PAIR.has(cls) && (output === 0 || output === 1)) {
      next = linkAt(graph, id, output === 0 ? 'positive' : 'negative');
    } else {
      refuse(`${what}: ${nodeLabel(graph, id)} stands between the sampler and the text encoder, and detection does not know what it does with the text`, binding);
    }
    if (next === undefined) refuse(`${what}: ${nodeLabel(graph, id)} has no conditioning linked in`, binding);
    link = next;
  }
  return refuse(`${what}: the conditioning chain is longer than ${MAX_HOPS} nodes`, binding);
}

export interface LatentTrace {
  readonly emptyLatent?: string;
  readonly width?: ValueSource;
  readonly height?: ValueSource;
  readonly batch?: ValueSource;
  /** The LoadImage whose pixels are encoded into the sampler's latent (img2img). */
  readonly image?: string;
  readonly inpaint: boolean;
  readonly notes: readonly string[];
}

function looksLikeEmptyLatent(graph: ApiGraph, id: string): boolean {
  const node = getNode(graph, id);
  return node !== undefined && /empty\s*latent/i.test(node.class_type) && !Object.values(node.inputs).some(isLink);
}

function traceImage(graph: ApiGraph, start: Link | undefined, encoder: string): string {
  let link = start;
  for (let hop = 0; hop < MAX_HOPS && link !== undefined; hop += 1) {
    const node = getNode(graph, link[0]);
    if (node?.class_type === 'LoadImage') return link[0];
    if (node === undefined || !passesImageThrough(graph, link[0], node.class_type)) break;
    link = linkAt(graph, link[0], 'image');
  }
  return refuse(link === undefined
    ? `${nodeLabel(graph, encoder)} has no image linked in`
    : `the image encoded by ${nodeLabel(graph, encoder)} comes from ${nodeLabel(graph, link[0])}, not from a LoadImage`, 'image');
}

function sizeOf(graph: ApiGraph, id: string, input: string, notes: string[]): ValueSource | undefined {
  const found = resolveValue(graph, { node: id, input }, 'number');
  if ('unresolved' in found) notes.push(`${input} is not bound: ${found.unresolved}`);
  return 'ref' in found ? found : undefined;
}

/** Follows the sampler's latent_image back to an empty latent or an encoded input image. */
export function traceLatent(graph: ApiGraph, start: Link): LatentTrace {
  const notes: string[] = [];
  let batch: ValueSource | undefined;
  let inpaint = false;
  let link: Link = start;
  for (let hop = 0; hop < MAX_HOPS; hop += 1) {
    const [id, output] = link;
    const node = getNode(graph, id);
    if (node === undefined) refuse(`latent: node ${id} does not exist`, 'width');
    const cls = node.class_type;
    if (EMPTY_LATENTS.has(cls) || looksLikeEmptyLatent(graph, id)) {
      const own = Object.hasOwn(node.inputs, 'batch_size') ? sizeOf(graph, id, 'batch_size', notes) : undefined;
      if (batch !== undefined && own !== undefined) {
        refuse(`the batch size is set twice: by ${nodeLabel(graph, batch.ref.node)} and by ${nodeLabel(graph, id)}`, 'batch');
      }
      const width = Object.hasOwn(node.inputs, 'width') ? sizeOf(graph, id, 'width', notes) : undefined;
      const height = Object.hasOwn(node.inputs, 'height') ? sizeOf(graph, id, 'height', notes) : undefined;
      if (width === undefined || height === undefined) {
        notes.push(`${nodeLabel(graph, id)} has no numeric width and height: width and height are not bound`);
      }
      const size = width !== undefined && height !== undefined ? { width, height } : {};
      const batchPart = (batch ?? own) === undefined ? {} : { batch: (batch ?? own) as ValueSource };
      return { emptyLatent: id, ...size, ...batchPart, inpaint, notes };
    }
    let next: Link | undefined;
    if (cls === 'RepeatLatentBatch') {
      batch = sizeOf(graph, id, 'amount', notes);
      next = linkAt(graph, id, 'samples');
    } else if (cls === 'SetLatentNoiseMask') {
      inpaint = true;
      next = linkAt(graph, id, 'samples');
    } else if (cls === 'VAEEncode' || cls === 'VAEEncodeForInpaint' || (cls === 'InpaintModelConditioning' && output === 2)) {
      inpaint ||= cls !== 'VAEEncode';
      const image = traceImage(graph, linkAt(graph, id, 'pixels'), id);
      return { image, inpaint, notes, ...(batch === undefined ? {} : { batch }) };
    } else {
      refuse(`the sampler's latent comes from ${nodeLabel(graph, id)}, which detection does not know`, feedsFromLoadImage(graph, link) ? 'image' : 'width');
    }
    if (next === undefined) refuse(`${nodeLabel(graph, id)} has no latent linked in`, 'width');
    link = next;
  }
  return refuse(`latent: the chain is longer than ${MAX_HOPS} nodes`, 'width');
}

/** The checkpoint loader the model comes from, through LoRA and model-patch nodes (each with one `model` input). */
export function traceCheckpoint(graph: ApiGraph, start: Link | undefined): string | undefined {
  let link = start;
  for (let hop = 0; hop < MAX_HOPS && link !== undefined; hop += 1) {
    const node = getNode(graph, link[0]);
    if (node === undefined) return undefined;
    if (node.class_type === 'CheckpointLoaderSimple') return link[0];
    link = linkAt(graph, link[0], 'model');
  }
  return undefined;
}

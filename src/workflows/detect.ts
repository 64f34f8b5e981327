import { compareNodeIds, getNode, links, nodeLabel, upstreamOf, type ApiGraph, type Link } from './graph.ts';
import {
  DetectionRefused, linkAt, refuse, resolveValue, traceCheckpoint, traceConditioning, traceLatent,
  type ConditioningTrace, type Resolved, type ValueSource,
} from './detect-trace.ts';
import type { CanonicalOptionName } from './canonical-options.ts';
import type { ChoicesFrom, TemplateKind } from './template.ts';

export type { ValueSource } from './detect-trace.ts';

export const SAMPLER_CLASSES = ['KSampler', 'KSamplerAdvanced', 'SamplerCustom', 'SamplerCustomAdvanced'] as const;

/** The canonical options plus `guidance` (FluxGuidance), which Flux graphs use instead of cfg. */
export type DetectedOptionName = CanonicalOptionName | 'guidance';

export interface DetectedBinding {
  /** Every input the option sets, with the value it holds in the graph now. */
  readonly sources: readonly ValueSource[];
  readonly choicesFrom?: ChoicesFrom;
}

/** How the bound input image is used: encoded into the sampler's latent, fed to its conditioning, or the graph's only input. */
export type ImageRole = 'latent' | 'conditioning' | 'input';

export interface Detection {
  readonly kind: TemplateKind;
  readonly sampler?: string;
  readonly imageRole?: ImageRole;
  readonly bindings: Readonly<Partial<Record<DetectedOptionName, DetectedBinding>>>;
  readonly notes: readonly string[];
}

export type DetectionResult = { readonly ok: true; readonly detection: Detection } | { readonly ok: false; readonly reason: string };

const UPSCALE_CLASSES = new Set(['ImageUpscaleWithModel', 'ImageScale', 'ImageScaleBy', 'ImageScaleToTotalPixels']);

interface SamplerParts {
  seed?: Resolved;
  steps?: Resolved;
  cfg?: Resolved;
  denoise?: Resolved;
  samplerName?: { resolved: Resolved; from: ChoicesFrom };
  scheduler?: { resolved: Resolved; from: ChoicesFrom };
  positive: Link;
  negative?: Link;
  latent: Link;
  model?: Link;
}

class Bindings {
  readonly bindings: Partial<Record<DetectedOptionName, DetectedBinding>> = {};
  readonly notes: string[] = [];

  add(name: DetectedOptionName, found: Resolved | readonly ValueSource[] | undefined, choicesFrom?: ChoicesFrom): void {
    if (found === undefined || (!Array.isArray(found) && 'absent' in found)) return;
    if (!Array.isArray(found) && 'unresolved' in found) return void this.notes.push(`${name} is not bound: ${found.unresolved}`);
    const sources = Array.isArray(found) ? found : [found as ValueSource];
    if (sources.length > 0) this.bindings[name] = { sources, ...(choicesFrom === undefined ? {} : { choicesFrom }) };
  }
}

function listIds(ids: readonly string[]): string {
  const sorted = [...ids].sort(compareNodeIds);
  return sorted.length <= 1 ? sorted.join('') : `${sorted.slice(0, -1).join(', ')} and ${sorted.at(-1) as string}`;
}

function requireLink(graph: ApiGraph, id: string, input: string): Link {
  return linkAt(graph, id, input) ?? refuse(`${nodeLabel(graph, id)} has nothing linked to "${input}"`);
}

function value(graph: ApiGraph, node: string, input: string, want: 'number' | 'string'): Resolved {
  return resolveValue(graph, { node, input }, want);
}

/** KSamplerSelect / BasicScheduler behind SamplerCustom(Advanced): where sampler name, steps and denoise live. */
function customParts(graph: ApiGraph, id: string, parts: SamplerParts, notes: string[]): void {
  const select = linkAt(graph, id, 'sampler');
  if (select !== undefined && getNode(graph, select[0])?.class_type === 'KSamplerSelect') {
    parts.samplerName = { resolved: value(graph, select[0], 'sampler_name', 'string'), from: { class: 'KSamplerSelect', input: 'sampler_name' } };
  }
  const sigmas = linkAt(graph, id, 'sigmas');
  if (sigmas !== undefined && getNode(graph, sigmas[0])?.class_type === 'BasicScheduler') {
    parts.steps = value(graph, sigmas[0], 'steps', 'number');
    parts.denoise = value(graph, sigmas[0], 'denoise', 'number');
    parts.scheduler = { resolved: value(graph, sigmas[0], 'scheduler', 'string'), from: { class: 'BasicScheduler', input: 'scheduler' } };
  } else {
    notes.push(`steps and denoise are not bound: the sigmas of ${nodeLabel(graph, id)} do not come from a BasicScheduler`);
  }
}

function samplerParts(graph: ApiGraph, id: string, notes: string[]): SamplerParts {
  const cls = getNode(graph, id)?.class_type as (typeof SAMPLER_CLASSES)[number];
  const inputs = getNode(graph, id)?.inputs ?? {};
  const latent = requireLink(graph, id, 'latent_image');
  if (cls === 'KSampler' || cls === 'KSamplerAdvanced') {
    const advanced = cls === 'KSamplerAdvanced';
    const parts: SamplerParts = {
      positive: requireLink(graph, id, 'positive'), negative: requireLink(graph, id, 'negative'), latent,
      steps: value(graph, id, 'steps', 'number'), cfg: value(graph, id, 'cfg', 'number'),
      samplerName: { resolved: value(graph, id, 'sampler_name', 'string'), from: { class: cls, input: 'sampler_name' } },
      scheduler: { resolved: value(graph, id, 'scheduler', 'string'), from: { class: cls, input: 'scheduler' } },
    };
    const model = linkAt(graph, id, 'model');
    if (model !== undefined) parts.model = model;
    if (!advanced) parts.denoise = value(graph, id, 'denoise', 'number');
    if (advanced && inputs['add_noise'] === 'disable') notes.push(`seed is not bound: ${nodeLabel(graph, id)} adds no noise`);
    else parts.seed = value(graph, id, advanced ? 'noise_seed' : 'seed', 'number');
    return parts;
  }
  if (cls === 'SamplerCustom') {
    const parts: SamplerParts = { positive: requireLink(graph, id, 'positive'), negative: requireLink(graph, id, 'negative'), latent, cfg: value(graph, id, 'cfg', 'number') };
    const model = linkAt(graph, id, 'model');
    if (model !== undefined) parts.model = model;
    if (inputs['add_noise'] === false) notes.push(`seed is not bound: ${nodeLabel(graph, id)} adds no noise`);
    else parts.seed = value(graph, id, 'noise_seed', 'number');
    customParts(graph, id, parts, notes);
    return parts;
  }
  // SamplerCustomAdvanced: noise, guider, sampler and sigmas are separate nodes.
  const guiderLink = requireLink(graph, id, 'guider');
  const guider = guiderLink[0];
  const guiderClass = getNode(graph, guider)?.class_type;
  let parts: SamplerParts;
  if (guiderClass === 'CFGGuider') {
    parts = { positive: requireLink(graph, guider, 'positive'), negative: requireLink(graph, guider, 'negative'), latent, cfg: value(graph, guider, 'cfg', 'number') };
  } else if (guiderClass === 'BasicGuider') {
    parts = { positive: requireLink(graph, guider, 'conditioning'), latent };
  } else {
    return refuse(`the guider of ${nodeLabel(graph, id)} is ${nodeLabel(graph, guider)}; detection knows CFGGuider and BasicGuider`, 'prompt');
  }
  const model = linkAt(graph, guider, 'model');
  if (model !== undefined) parts.model = model;
  const noise = linkAt(graph, id, 'noise');
  const noiseClass = noise === undefined ? undefined : getNode(graph, noise[0])?.class_type;
  if (noise !== undefined && noiseClass === 'RandomNoise') parts.seed = value(graph, noise[0], 'noise_seed', 'number');
  else notes.push(`seed is not bound: the noise of ${nodeLabel(graph, id)} does not come from a RandomNoise`);
  customParts(graph, id, parts, notes);
  return parts;
}

function liveLoadImages(graph: ApiGraph): string[] {
  const used = new Set<string>();
  for (const { link } of links(graph)) if (getNode(graph, link[0])?.class_type === 'LoadImage') used.add(link[0]);
  return [...used].sort(compareNodeIds);
}

function bindUpscaleModel(graph: ApiGraph, out: Bindings): void {
  const loaders = Object.keys(graph).filter((id) => getNode(graph, id)?.class_type === 'UpscaleModelLoader');
  if (loaders.length === 1) out.add('upscale_model', value(graph, loaders[0] as string, 'model_name', 'string'), { class: 'UpscaleModelLoader', input: 'model_name' });
  else if (loaders.length > 1) out.notes.push(`upscale_model is not bound: ${loaders.length} UpscaleModelLoader nodes (${listIds(loaders)})`);
}

function detectWithoutSampler(graph: ApiGraph, out: Bindings): Detection {
  const images = liveLoadImages(graph);
  if (images.length === 0) {
    refuse(`no sampler (${SAMPLER_CLASSES.join(', ')}) and no LoadImage: nothing to bind`, 'prompt');
  }
  if (images.length > 1) refuse(`no sampler and ${images.length} LoadImage nodes (${listIds(images)}): which one is the input?`, 'image');
  out.add('image', value(graph, images[0] as string, 'image', 'string'));
  bindUpscaleModel(graph, out);
  const upscales = Object.values(graph).some((node) => UPSCALE_CLASSES.has(node.class_type));
  return { kind: upscales ? 'upscale' : 'other', imageRole: 'input', bindings: out.bindings, notes: out.notes };
}

function detectWithSampler(graph: ApiGraph, sampler: string, out: Bindings): Detection {
  const parts = samplerParts(graph, sampler, out.notes);
  const positive = traceConditioning(graph, parts.positive, 'positive prompt');
  if (positive.texts.length === 0) refuse(`positive prompt: the conditioning of ${nodeLabel(graph, sampler)} is zeroed (ConditioningZeroOut)`, 'prompt');
  let negative: ConditioningTrace | undefined;
  if (parts.negative === undefined) out.notes.push('no negative prompt: the guider takes only a positive');
  else {
    negative = traceConditioning(graph, parts.negative, 'negative prompt');
    if (negative.texts.length === 0) out.notes.push('no negative prompt: the negative is a zeroed conditioning (ConditioningZeroOut)');
    const shared = negative.texts.find((n) => positive.texts.some((p) => p.ref.node === n.ref.node && p.ref.input === n.ref.input));
    if (shared !== undefined) refuse(`positive and negative prompt both read ${nodeLabel(graph, shared.ref.node)}.${shared.ref.input}`, 'negative');
  }
  out.add('prompt', positive.texts);
  if (negative !== undefined) out.add('negative', negative.texts);
  if (positive.guidance.length === 1) out.add('guidance', positive.guidance);
  else if (positive.guidance.length > 1) out.notes.push(`guidance is not bound: ${positive.guidance.length} FluxGuidance nodes on the positive`);

  const latent = traceLatent(graph, parts.latent);
  out.notes.push(...latent.notes);
  out.add('width', latent.width);
  out.add('height', latent.height);
  out.add('batch', latent.batch);
  out.add('seed', parts.seed);
  out.add('steps', parts.steps);
  out.add('cfg', parts.cfg);
  out.add('denoise', parts.denoise);
  out.add('sampler', parts.samplerName?.resolved, parts.samplerName?.from);
  out.add('scheduler', parts.scheduler?.resolved, parts.scheduler?.from);
  const checkpoint = traceCheckpoint(graph, parts.model);
  if (checkpoint !== undefined) out.add('checkpoint', value(graph, checkpoint, 'ckpt_name', 'string'), { class: 'CheckpointLoaderSimple', input: 'ckpt_name' });
  bindUpscaleModel(graph, out);
  noteSeedAndSize(graph, out);

  const images = liveLoadImages(graph);
  let imageRole: ImageRole | undefined;
  if (latent.image !== undefined) {
    const others = images.filter((id) => id !== latent.image);
    if (others.length > 0) refuse(`the sampler's latent comes from LoadImage ${latent.image}, but LoadImage ${listIds(others)} also feed${others.length === 1 ? 's' : ''} the graph`, 'image2');
    imageRole = 'latent';
    out.add('image', value(graph, latent.image, 'image', 'string'));
  } else if (images.length > 1) {
    refuse(`${images.length} LoadImage nodes (${listIds(images)}) and none feeds the sampler's latent`, 'image');
  } else if (images.length === 1) {
    const image = images[0] as string;
    const conditioning = [parts.positive, ...(parts.negative === undefined ? [] : [parts.negative])];
    if (!upstreamOf(graph, conditioning).has(image)) refuse(`LoadImage ${image} feeds neither the sampler's latent nor its conditioning`, 'image');
    imageRole = 'conditioning';
    out.add('image', value(graph, image, 'image', 'string'));
  }
  const kind: TemplateKind = imageRole === 'latent' ? (latent.inpaint ? 'inpaint' : 'img2img') : imageRole === 'conditioning' ? 'guided' : 'txt2img';
  return { kind, sampler, ...(imageRole === undefined ? {} : { imageRole }), bindings: out.bindings, notes: out.notes };
}

/** "in a multi-pass graph where node 11 continues from node 3", or "side by side". */
function describeSamplers(graph: ApiGraph, samplers: readonly string[]): string {
  const steps: string[] = [];
  for (const later of samplers) {
    const latent = linkAt(graph, later, 'latent_image');
    const feeding = latent === undefined ? new Set<string>() : upstreamOf(graph, [latent]);
    const earlier = samplers.filter((id) => id !== later && feeding.has(id));
    if (earlier.length > 0) steps.push(`node ${later} continues from node ${listIds(earlier)}`);
  }
  return steps.length > 0 ? `in a multi-pass graph where ${steps.join(' and ')}` : 'side by side';
}

function noteSeedAndSize(graph: ApiGraph, out: Bindings): void {
  const seed = out.bindings.seed?.sources[0];
  if (seed !== undefined && (typeof seed.value !== 'number' || seed.value < 0)) {
    out.notes.push(`the graph's seed ${String(seed.value)} at ${nodeLabel(graph, seed.ref.node)} is not a real seed (a "random" marker of its UI); the template draws one per job`);
  }
  if (out.bindings.width === undefined) return;
  for (const id of Object.keys(graph).sort(compareNodeIds)) {
    if (getNode(graph, id)?.class_type === 'ModelSamplingFlux') {
      out.notes.push(`${nodeLabel(graph, id)} keeps its own width/height; only the latent size is bound`);
    }
  }
}

/**
 * Finds the bindings of a raw "Save (API)" graph: one sampler → its prompt text, negative,
 * latent size and batch, seed, steps, cfg, denoise, sampler/scheduler, checkpoint, input
 * image. Refuses, naming what is ambiguous or unknown, rather than guess: a wrong binding
 * would put the user's prompt or seed somewhere it does nothing.
 */
export function detectBindings(graph: ApiGraph): DetectionResult {
  const samplers = Object.keys(graph).filter((id) => (SAMPLER_CLASSES as readonly string[]).includes(getNode(graph, id)?.class_type ?? '')).sort(compareNodeIds);
  try {
    const out = new Bindings();
    if (samplers.length === 0) return { ok: true, detection: detectWithoutSampler(graph, out) };
    if (samplers.length > 1) refuse(`${samplers.length} samplers (nodes ${listIds(samplers)}) ${describeSamplers(graph, samplers)}; detection cannot tell which sampler an option sets`, 'seed');
    return { ok: true, detection: detectWithSampler(graph, samplers[0] as string, out) };
  } catch (error) {
    if (error instanceof DetectionRefused) return { ok: false, reason: error.message };
    throw error;
  }
}

import { webcrypto } from 'node:crypto';
import { OptionInvalidError, OptionRequiredError, OptionUnknownError } from './option-errors.ts';
import { MAX_SEED } from './canonical-options.ts';
import { cloneGraph, getNode, isLink, type ApiGraph } from './graph.ts';
import { inputInfo, type ObjectInfo } from './object-info.ts';
import { checkOptionValue, type ChoiceSource } from './option-values.ts';
import type { OptionValue, Template, TemplateOption } from './template.ts';

export interface RenderOptions {
  /** Uniform in [0, 1); seeds are drawn from it. Defaults to 53 bits from the OS CSPRNG. */
  readonly random?: () => number;
  /** The server's own lists for `choicesFrom` options; without it any non-empty name is passed on. */
  readonly serverChoices?: ChoiceSource;
  /**
   * The server's /object_info (or the part of it for the seed targets' classes): a random
   * seed is drawn within the smaller of the template's bound and each target input's own
   * min/max there, since a custom sampler may declare a narrower range than KSampler's.
   */
  readonly objectInfo?: ObjectInfo | null;
}

export interface RenderResult {
  /** A fresh graph for POST /prompt; the template's graph is untouched. */
  readonly graph: ApiGraph;
  /** The value written for every option that was set (given or default), seeds as numbers: enough to rerun the job exactly. */
  readonly resolved: Readonly<Record<string, OptionValue>>;
  /** Options whose value was drawn at random for this job. */
  readonly drawn: readonly string[];
}

const TWO_POW_32 = 2 ** 32;
const TWO_POW_53 = 2 ** 53;

/** 53 random bits as a float in [0, 1): Math.random is not meant for values people share and replay. */
export function secureRandom(): number {
  const words = webcrypto.getRandomValues(new Uint32Array(2));
  const high = (words[0] as number) >>> 11; // 21 bits
  return (high * TWO_POW_32 + (words[1] as number)) / TWO_POW_53;
}

/** The range a drawn seed must fit: the template's, narrowed by each bound input's range on the server. */
function seedRange(option: TemplateOption, graph: ApiGraph, objectInfo: ObjectInfo | null | undefined): { min: number; max: number } {
  let min = Math.max(option.min ?? 0, 0);
  let max = Math.min(option.max ?? MAX_SEED, MAX_SEED);
  if (!objectInfo) return { min, max };
  for (const target of option.targets) {
    const classType = getNode(graph, target.node)?.class_type;
    const info = classType === undefined ? undefined : inputInfo(objectInfo, classType, target.input);
    if (info?.max !== undefined) max = Math.min(max, Math.floor(info.max));
    if (info?.min !== undefined) min = Math.max(min, Math.ceil(info.min));
  }
  // Ranges that do not overlap: keep the template's and let ComfyUI's validation say why.
  return min <= max ? { min, max } : { min: Math.max(option.min ?? 0, 0), max: Math.min(option.max ?? MAX_SEED, MAX_SEED) };
}

/** Node classes whose /object_info a caller needs so random seeds fit the server (see RenderOptions.objectInfo). */
export function seedTargetClasses(template: Template): string[] {
  const classes = new Set<string>();
  for (const option of template.options) {
    if (option.type !== 'seed') continue;
    for (const target of option.targets) {
      const classType = getNode(template.graph, target.node)?.class_type;
      if (classType !== undefined) classes.add(classType);
    }
  }
  return [...classes];
}

function drawSeed({ min, max }: { min: number; max: number }, random: () => number): number {
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random() returned ${r}, outside [0, 1)`);
  return Math.min(max, min + Math.floor(r * (max - min + 1)));
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}

/**
 * Fills a template: every value checked (type, range, length, choices), then written by
 * path into a clone of the graph. Only declared options exist; an unknown name is refused,
 * so a user can never reach an input, or a node, the template does not expose.
 */
export function renderTemplate(template: Template, values: Readonly<Record<string, unknown>>, options: RenderOptions = {}): RenderResult {
  const known = new Set(template.options.map((option) => option.name));
  const unknown = Object.keys(values).filter((name) => !known.has(name) && !isAbsent(values[name]));
  if (unknown.length > 0) {
    throw new OptionUnknownError(template.name, unknown, template.options.map((option) => option.name));
  }
  const random = options.random ?? secureRandom;
  const graph = cloneGraph(template.graph);
  const resolved: Record<string, OptionValue> = {};
  const drawn: string[] = [];
  const unused: string[] = [];
  for (const option of template.options) {
    const given = Object.hasOwn(values, option.name) ? values[option.name] : undefined;
    if (isAbsent(given) && option.default === undefined) {
      if (option.required) throw new OptionRequiredError(template.name, option.name);
      if (option.type === 'image') unused.push(...option.targets.map((target) => target.node));
      continue;
    }
    const check = checkOptionValue(option, isAbsent(given) ? option.default : given, options.serverChoices);
    if (!check.ok) throw new OptionInvalidError(check.message, { template: template.name, option: option.name });
    let value: OptionValue;
    if (check.value === 'random' && option.type === 'seed') {
      value = drawSeed(seedRange(option, graph, options.objectInfo), random);
      drawn.push(option.name);
    } else {
      value = check.value;
    }
    for (const target of option.targets) {
      const node = getNode(graph, target.node);
      if (node === undefined) throw new Error(`template ${template.name}: bound node ${target.node} vanished after validation`);
      node.inputs[target.input] = value;
    }
    resolved[option.name] = value;
  }
  return { graph: withoutNodes(graph, unused), resolved, drawn };
}

/**
 * An optional image nobody gave (an edit's image2) has no file on the server, so its
 * LoadImage would fail the whole prompt: the node goes, and so does every input that
 * linked to it. Templates link such images only into optional inputs (ImageStitch.image2,
 * TextEncodeQwenImageEditPlus.image2), which ComfyUI then treats as not connected.
 */
function withoutNodes(graph: ApiGraph, ids: readonly string[]): ApiGraph {
  if (ids.length === 0) return graph;
  const gone = new Set(ids);
  const kept = Object.entries(graph).filter(([id]) => !gone.has(id));
  return Object.fromEntries(
    kept.map(([id, node]) => [id, { ...node, inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, value]) => !isLink(value) || !gone.has(value[0]))) }]),
  );
}

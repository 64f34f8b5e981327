/**
 * ComfyUI API-format graphs ("Save (API)"): `{ "<node id>": { class_type, inputs, _meta? } }`.
 * An input holds either a literal or a link `[producer node id, output index]`; the server
 * treats every array as a link, so any array here must be a well-formed link.
 */
export type Link = readonly [string, number];

export interface ApiNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
}

export type ApiGraph = Record<string, ApiNode>;

/** An input of a node: what a binding writes to. Written `"<node>.inputs.<input>"` in files. */
export interface InputRef {
  readonly node: string;
  readonly input: string;
}

export interface PathIssue {
  readonly path: string;
  readonly message: string;
}

/** Keys that would reach Object.prototype if a graph were ever indexed carelessly. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isLink(value: unknown): value is Link {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Number.isInteger(value[1]) && (value[1] as number) >= 0;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function formatRef(ref: InputRef): string {
  return `${ref.node}.inputs.${ref.input}`;
}

const REF_PATTERN = /^([^.]+)\.inputs\.(.+)$/;

export function parseRef(text: string): InputRef | undefined {
  const match = REF_PATTERN.exec(text);
  return match?.[1] !== undefined && match[2] !== undefined ? { node: match[1], input: match[2] } : undefined;
}

/** Numeric ids in numeric order, others after them alphabetically: messages list nodes the way people read them. */
export function compareNodeIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  const aNum = a !== '' && Number.isInteger(na);
  const bNum = b !== '' && Number.isInteger(nb);
  if (aNum && bNum) return na - nb;
  if (aNum !== bNum) return aNum ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `4` for numeric ids (as "Save (API)" writes them), `"sampler"` for named ones. */
export function nodeId(id: string): string {
  return /^\d+$/.test(id) ? id : `"${id}"`;
}

/** `node 4 (CheckpointLoaderSimple)`: how every message names a node. */
export function nodeLabel(graph: ApiGraph, id: string): string {
  const node = Object.hasOwn(graph, id) ? graph[id] : undefined;
  return node === undefined ? `node ${nodeId(id)}` : `node ${nodeId(id)} (${node.class_type})`;
}

export function getNode(graph: ApiGraph, id: string): ApiNode | undefined {
  return Object.hasOwn(graph, id) ? graph[id] : undefined;
}

export function getInput(graph: ApiGraph, ref: InputRef): unknown {
  const node = getNode(graph, ref.node);
  return node !== undefined && Object.hasOwn(node.inputs, ref.input) ? node.inputs[ref.input] : undefined;
}

/**
 * Checks the shape of an API graph and collects every issue (path relative to `basePath`).
 * Returns true when the value can be used as an ApiGraph.
 */
export function checkGraph(value: unknown, basePath: string, issues: PathIssue[]): value is ApiGraph {
  const at = (suffix: string): string => (basePath === '' ? suffix : `${basePath}.${suffix}`);
  if (!isPlainObject(value)) {
    issues.push({ path: basePath, message: 'the graph must be an object of nodes ({"<id>": {"class_type", "inputs"}})' });
    return false;
  }
  const ids = Object.keys(value);
  if (ids.length === 0) {
    issues.push({ path: basePath, message: 'the graph has no nodes' });
    return false;
  }
  const before = issues.length;
  for (const id of ids) {
    const node = value[id];
    if (FORBIDDEN_KEYS.has(id) || id === '') {
      issues.push({ path: at(id), message: `"${id}" cannot be a node id` });
      continue;
    }
    if (!isPlainObject(node)) {
      issues.push({ path: at(id), message: 'a node must be an object with "class_type" and "inputs"' });
      continue;
    }
    if (typeof node['class_type'] !== 'string' || node['class_type'] === '') {
      issues.push({ path: at(`${id}.class_type`), message: 'class_type must be a non-empty string' });
    }
    const inputs = node['inputs'];
    if (!isPlainObject(inputs)) {
      issues.push({ path: at(`${id}.inputs`), message: 'inputs must be an object' });
      continue;
    }
    for (const [name, input] of Object.entries(inputs)) {
      if (FORBIDDEN_KEYS.has(name)) {
        issues.push({ path: at(`${id}.inputs.${name}`), message: `"${name}" cannot be an input name` });
      } else if (Array.isArray(input)) {
        if (!isLink(input)) {
          issues.push({ path: at(`${id}.inputs.${name}`), message: 'an array input must be a link ["<node id>", <output index>]' });
        } else if (!Object.hasOwn(value, input[0])) {
          issues.push({ path: at(`${id}.inputs.${name}`), message: `links to node "${input[0]}", which does not exist` });
        }
      }
    }
  }
  return issues.length === before;
}

/** A deep copy the caller may change freely; the template's own graph stays frozen. */
export function cloneGraph(graph: ApiGraph): ApiGraph {
  return structuredClone<ApiGraph>(graph);
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Every link in the graph, as consumer input → producer. */
export function* links(graph: ApiGraph): Generator<{ consumer: InputRef; link: Link }> {
  for (const [id, node] of Object.entries(graph)) {
    for (const [input, value] of Object.entries(node.inputs)) {
      if (isLink(value)) yield { consumer: { node: id, input }, link: value };
    }
  }
}

/** Ids of every node that the given links depend on, directly or not (the producers included). */
export function upstreamOf(graph: ApiGraph, starts: readonly Link[]): Set<string> {
  const seen = new Set<string>();
  const stack = starts.map((link) => link[0]);
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = getNode(graph, id);
    if (node === undefined) continue;
    for (const value of Object.values(node.inputs)) if (isLink(value)) stack.push(value[0]);
  }
  return seen;
}

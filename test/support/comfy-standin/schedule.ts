import { createHash } from 'node:crypto';
import type { NodeOutput } from '../../../src/comfy/messages.ts';
import type { Graph } from './validate.ts';

/**
 * Which nodes run, and in what order: ComfyUI's classic cache (a node is reused
 * when its class, inputs and whole upstream are unchanged since the prompts that
 * kept it alive) and its ExecutionList (stack-built pending list, output nodes
 * first, then nodes one or two hops from an output, else the first ready node).
 */

/** ComfyUI's `is_link`: `[node_id: str, slot: number]`. */
export function isLink(value: unknown): value is [string, number] {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'number';
}

/**
 * Content signature of every node: class, widget values and upstream signatures.
 * `changed(id)` is the node's IS_CHANGED value (e.g. the hash of a LoadImage file).
 */
export function signatures(graph: Graph, changed: (id: string) => string): Map<string, string> {
  const memo = new Map<string, string>();
  const visit = (id: string, trail: Set<string>): string => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const node = graph[id];
    if (node === undefined || trail.has(id)) return `missing:${id}`;
    trail.add(id);
    const parts = Object.keys(node.inputs)
      .sort()
      .map((name) => {
        const value = node.inputs[name];
        return isLink(value) ? [name, 'link', visit(value[0], trail), value[1]] : [name, 'value', value];
      });
    trail.delete(id);
    const digest = createHash('sha256').update(JSON.stringify([node.class_type, changed(id), parts])).digest('hex');
    memo.set(id, digest);
    return digest;
  };
  for (const id of Object.keys(graph)) visit(id, new Set());
  return memo;
}

/** What a cached node leaves behind: the UI output it reported, if any. */
export interface CachedNode {
  ui: NodeOutput | null;
}

export class OutputCache {
  readonly #entries = new Map<string, CachedNode>();

  /** Starts a prompt: drops entries the prompt does not use (ComfyUI's `clean_unused`). */
  keepOnly(used: Iterable<string>): void {
    const keep = new Set(used);
    for (const key of this.#entries.keys()) if (!keep.has(key)) this.#entries.delete(key);
  }

  get(signature: string | undefined): CachedNode | undefined {
    return signature === undefined ? undefined : this.#entries.get(signature);
  }

  set(signature: string | undefined, entry: CachedNode): void {
    if (signature !== undefined) this.#entries.set(signature, entry);
  }

  clear(): void {
    this.#entries.clear();
  }
}

export class ExecutionList {
  readonly #graph: Graph;
  readonly #isCached: (id: string) => boolean;
  readonly #isOutput: (id: string) => boolean;
  readonly #pending = new Set<string>();
  readonly #blockCount = new Map<string, number>();
  readonly #blocking = new Map<string, Set<string>>();

  constructor(graph: Graph, isCached: (id: string) => boolean, isOutput: (id: string) => boolean) {
    this.#graph = graph;
    this.#isCached = isCached;
    this.#isOutput = isOutput;
  }

  addNode(root: string): void {
    const stack = [root];
    const links: Array<[string, string]> = [];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (this.#pending.has(id)) continue;
      this.#pending.add(id);
      this.#blockCount.set(id, 0);
      this.#blocking.set(id, new Set());
      for (const value of Object.values(this.#graph[id]?.inputs ?? {})) {
        if (!isLink(value)) continue;
        if (!this.#isCached(value[0])) stack.push(value[0]);
        links.push([value[0], id]);
      }
    }
    for (const [from, to] of links) {
      if (this.#isCached(from)) continue;
      const blocked = this.#blocking.get(from);
      if (blocked === undefined || blocked.has(to)) continue;
      blocked.add(to);
      this.#blockCount.set(to, (this.#blockCount.get(to) ?? 0) + 1);
    }
  }

  isEmpty(): boolean {
    return this.#pending.size === 0;
  }

  /** The next node to run; null when nothing is ready (a dependency cycle). */
  next(): string | null {
    const ready = [...this.#pending].filter((id) => this.#blockCount.get(id) === 0);
    const blocks = (id: string): string[] => [...(this.#blocking.get(id) ?? [])];
    return (
      ready.find((id) => this.#isOutput(id)) ??
      ready.find((id) => blocks(id).some((to) => this.#isOutput(to))) ??
      ready.find((id) => blocks(id).some((to) => blocks(to).some((to2) => this.#isOutput(to2)))) ??
      ready[0] ??
      null
    );
  }

  complete(id: string): void {
    this.#pending.delete(id);
    for (const to of this.#blocking.get(id) ?? []) {
      this.#blockCount.set(to, (this.#blockCount.get(to) ?? 1) - 1);
    }
  }
}

import type { ComfyStandin } from './comfy-standin.ts';

/** An API-format graph as the ComfyUI stand-in received it in a POST /prompt. */
export type PostedGraph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

/** The graph of the last POST /prompt the stand-in received ({} before the first). */
export function lastPostedGraph(comfy: ComfyStandin): PostedGraph {
  const post = comfy.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/prompt')).at(-1);
  return (post?.json as { prompt: PostedGraph } | undefined)?.prompt ?? {};
}

/** The node of a graph with this class_type (the first one). */
export function nodeOf(graph: PostedGraph, classType: string): PostedGraph[string] {
  const node = Object.values(graph).find((candidate) => candidate.class_type === classType);
  if (!node) throw new Error(`no ${classType} node in the graph`);
  return node;
}

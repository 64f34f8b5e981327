import type { ComfyServer } from '../../comfy/server.ts';
import type { RunEvent } from '../../jobs/run-events.ts';
import { renderTemplate, type ApiGraph, type Template } from '../../workflows/index.ts';

/** What the probe saw: a sampler's steps with or without preview frames, or no sampler at all. */
export type ProbeOutcome = { kind: 'previews' } | { kind: 'no-previews' } | { kind: 'no-sampler' };

/** Option values that make a template as cheap as it allows: 2 steps (or its minimum), the smallest size, one image. */
function cheapValues(template: Template): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const option of template.options) {
    const lowest = option.min ?? 1;
    if (option.name === 'steps') values['steps'] = Math.max(lowest, Math.min(2, option.max ?? 2));
    else if (option.name === 'width' || option.name === 'height') values[option.name] = Math.max(lowest, 64);
    else if (option.name === 'batch') values['batch'] = lowest;
    else if (option.required && (option.type === 'text' || option.type === 'string')) values[option.name] = 'comfycord doctor preview probe';
  }
  return values;
}

/**
 * The template's graph at its cheapest, with its SaveImage nodes turned into
 * PreviewImage: the probe's picture goes to ComfyUI's temp folder (emptied when
 * ComfyUI restarts) instead of the operator's output folder.
 */
export function probeGraph(template: Template): ApiGraph {
  const { graph } = renderTemplate(template, cheapValues(template));
  for (const node of Object.values(graph)) {
    if (node.class_type === 'SaveImage') {
      node.class_type = 'PreviewImage';
      node.inputs = { images: node.inputs['images'] };
    }
  }
  return graph;
}

/** A template the probe can run: takes no input image. Text-to-image first, as the cheapest. */
export function probeTemplate(templates: readonly Template[]): Template | null {
  const candidates = templates.filter((template) => !template.options.some((option) => option.type === 'image'));
  return candidates.find((template) => template.kind === 'txt2img') ?? candidates[0] ?? null;
}

/** Runs the probe to its end (or `timeoutMs`, then it is cancelled) and says whether previews came. */
export async function runPreviewProbe(server: ComfyServer, graph: ApiGraph, timeoutMs: number): Promise<ProbeOutcome> {
  let steps = 0;
  let previews = 0;
  const onEvent = (event: RunEvent): void => {
    if (event.type === 'progress') steps += 1;
    else if (event.type === 'preview') previews += 1;
  };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    await server.connect();
    await server.run(graph, { onEvent, signal: controller.signal, previewMethod: 'auto' }).done;
  } catch (error) {
    if (controller.signal.aborted) throw new Error(`the probe prompt did not finish within ${Math.round(timeoutMs / 1000)} s (it was cancelled)`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
  if (previews > 0) return { kind: 'previews' };
  return steps > 0 ? { kind: 'no-previews' } : { kind: 'no-sampler' };
}

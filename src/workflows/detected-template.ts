import { canonicalOption, LIMIT_MAX_LENGTH } from './canonical-options.ts';
import type { Detection, DetectedBinding, DetectedOptionName } from './detect.ts';
import { formatRef, nodeLabel, type ApiGraph } from './graph.ts';

/** Required options first: Discord rejects a command whose optional options come before required ones. */
const ORDER: readonly DetectedOptionName[] = [
  'image', 'prompt', 'negative', 'seed', 'steps', 'cfg', 'guidance', 'denoise', 'width', 'height', 'batch',
  'checkpoint', 'sampler', 'scheduler', 'upscale_model',
];

const GUIDANCE = { description: 'Flux guidance (how closely to follow the prompt)', min: 0, max: 100 };

function numberOption(name: DetectedOptionName, type: 'int' | 'float', binding: DetectedBinding): Record<string, unknown> {
  const canonical = name === 'guidance' ? GUIDANCE : canonicalOption(name);
  const current = binding.sources[0]?.value as number;
  // Widen the standard bounds to the graph's own value: its author ran it like that.
  const spec: Record<string, unknown> = { type };
  if (canonical?.min !== undefined) spec['min'] = Math.min(canonical.min, current);
  if (canonical?.max !== undefined) spec['max'] = Math.max(canonical.max, current);
  if (name === 'guidance') spec['description'] = GUIDANCE.description;
  return spec;
}

function optionSpec(name: DetectedOptionName, binding: DetectedBinding): Record<string, unknown> {
  const targets = binding.sources.map((source) => formatRef(source.ref));
  switch (name) {
    case 'prompt':
    case 'negative': {
      const longest = Math.max(...binding.sources.map((s) => String(s.value).length));
      const cap = canonicalOption(name)?.maxLength ?? LIMIT_MAX_LENGTH;
      return { type: 'text', required: name === 'prompt', targets, ...(longest > cap ? { maxLength: Math.min(longest, LIMIT_MAX_LENGTH) } : {}) };
    }
    case 'image':
      return { type: 'image', required: true, targets };
    case 'seed':
      return { type: 'seed', targets };
    case 'steps':
    case 'width':
    case 'height':
    case 'batch':
    case 'length':
      return { ...numberOption(name, 'int', binding), targets };
    case 'fps':
    case 'cfg':
    case 'denoise':
    case 'guidance':
      return { ...numberOption(name, 'float', binding), targets };
    case 'checkpoint':
    case 'sampler':
    case 'scheduler':
    case 'upscale_model':
      return { type: 'choice', targets, ...(binding.choicesFrom === undefined ? {} : { choicesFrom: binding.choicesFrom }) };
  }
}

/**
 * Writes detection results in the declared template format, so a dropped-in graph goes
 * through exactly the same validation as a hand-written template.
 */
export function templateSpecFromDetection(graph: ApiGraph, detection: Detection): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const name of ORDER) {
    const binding = detection.bindings[name];
    if (binding !== undefined) options[name] = optionSpec(name, binding);
  }
  const via = detection.sampler === undefined ? 'no sampler' : nodeLabel(graph, detection.sampler);
  return { description: `Raw API graph, bindings detected (${detection.kind}, ${via})`, kind: detection.kind, options, graph };
}

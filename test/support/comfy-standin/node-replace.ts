import type { Catalogue } from './catalogue.ts';
import type { NodeReplacement } from './dialect.ts';
import { isLink } from './schedule.ts';
import { isPlainObject } from './validate.ts';

/**
 * `NodeReplaceManager.apply_replacements` (app/node_replace_manager.py), run by newer
 * servers on the posted graph before validation: a node whose class is gone from
 * /object_info but has a registered replacement whose new class is installed becomes
 * that class, its inputs mapped (renamed, or set), links to its outputs renumbered.
 */
export function applyReplacements(prompt: unknown, catalogue: Catalogue, replacements: Record<string, NodeReplacement[]>): void {
  if (!isPlainObject(prompt)) return;
  const links = new Map<string, Array<{ node: string; input: string; slot: unknown }>>();
  const toReplace: string[] = [];
  for (const [id, node] of Object.entries(prompt)) {
    if (!isPlainObject(node) || !('class_type' in node) || !isPlainObject(node['inputs'])) continue;
    const classType = node['class_type'];
    if (typeof classType === 'string' && !catalogue.has(classType) && Object.hasOwn(replacements, classType)) toReplace.push(id);
    for (const [input, value] of Object.entries(node['inputs'])) {
      if (!isLink(value)) continue;
      const from = value[0];
      links.set(from, [...(links.get(from) ?? []), { node: id, input, slot: value[1] }]);
    }
  }
  for (const id of toReplace) {
    const node = prompt[id] as Record<string, unknown> & { class_type: string; inputs: Record<string, unknown> };
    const replacement = replacements[node.class_type]?.[0];
    if (replacement === undefined || !catalogue.has(replacement.new_node_id)) continue;
    const inputs: Record<string, unknown> = {};
    for (const mapping of replacement.input_mapping ?? []) {
      if ('set_value' in mapping) inputs[mapping.new_id] = mapping.set_value;
      else inputs[mapping.new_id] = node.inputs[mapping.old_id];
    }
    prompt[id] = { ...node, class_type: replacement.new_node_id, inputs, _meta: isPlainObject(node['_meta']) ? { ...node['_meta'] } : {} };
    for (const link of links.get(id) ?? []) {
      for (const output of replacement.output_mapping ?? []) {
        if (output.old_idx !== link.slot) continue;
        const target = (prompt[link.node] as { inputs: Record<string, unknown[]> }).inputs[link.input];
        if (Array.isArray(target)) target[1] = output.new_idx;
      }
    }
  }
}

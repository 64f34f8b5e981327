import type { Catalogue, InputSpec } from './catalogue.ts';
import type { FileStore } from './files.ts';
import { pyRepr, pyStr } from './py-json.ts';
import { checkChoices, checkRange, convert, reason, type Reason } from './validate-values.ts';

export type { Reason } from './validate-values.ts';

/**
 * `validate_prompt` of ComfyUI 0.3.64, rebuilt from its observable answers
 * (4_validation_errors.jsonl): same error types, messages, details and
 * `extra_info`, the same top-level `details` (only the output node's own errors),
 * and the same quirk that a failed node is charged to every failing output.
 */

export interface NodeErrors {
  errors: Reason[];
  dependent_outputs: string[];
  class_type: string;
}

export type Graph = Record<string, { class_type: string; inputs: Record<string, unknown>; [key: string]: unknown }>;

export type ValidationResult =
  | { ok: true; outputs: string[]; nodeErrors: Record<string, NodeErrors> }
  | { ok: false; error: Reason; nodeErrors: Record<string, NodeErrors> }
  /** Python would have raised outside its own handlers: the server answers 500. */
  | { ok: 'crash' };

/** A Python exception raised while validating, with the traceback Python would print. */
class PyError extends Error {
  readonly pyType: string;
  readonly pyMessage: string;
  readonly traceback: string[];
  constructor(pyType: string, pyMessage: string, traceback: string[]) {
    super(pyMessage);
    this.pyType = pyType;
    this.pyMessage = pyMessage;
    this.traceback = traceback;
  }
}

const MISSING_NODE_FRAME =
  '  File "<comfyui>/execution.py", line 788, in validate_inputs\n' +
  "    o_class_type = prompt[o_id]['class_type']\n" +
  '                   ~~~~~~^^^^^^\n';
const OUTER_FRAME =
  '  File "<comfyui>/execution.py", line 1010, in validate_prompt\n' +
  '    m = await validate_inputs(prompt_id, prompt, o, validated)\n' +
  '        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n';
const INNER_FRAME =
  '  File "<comfyui>/execution.py", line 832, in validate_inputs\n' +
  '    r = await validate_inputs(prompt_id, prompt, o_id, validated)\n' +
  '        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n';

type Verdict = [boolean, Reason[]];

interface Context {
  graph: Graph;
  validated: Map<string, Verdict>;
  /** Nodes being validated right now: meeting one again is a cycle, Python's RecursionError. */
  visiting: Set<string>;
  catalogue: Catalogue;
  files: FileStore;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validatePrompt(
  prompt: unknown,
  catalogue: Catalogue,
  files: FileStore,
  partialTargets?: unknown,
  missingNodeType = false,
): ValidationResult {
  if (!isPlainObject(prompt)) return { ok: 'crash' };
  const outputs: string[] = [];
  for (const [id, node] of Object.entries(prompt)) {
    if (!isPlainObject(node)) return { ok: 'crash' };
    if (!('class_type' in node)) {
      if (missingNodeType) return missingNode(node, id, null);
      return invalidPrompt('Cannot execute because a node is missing the class_type property.', id);
    }
    const classType = node['class_type'];
    if (typeof classType !== 'string' || !catalogue.has(classType)) {
      if (missingNodeType) return missingNode(node, id, classType);
      return invalidPrompt(`Cannot execute because node ${pyStr(classType)} does not exist.`, id);
    }
    if (!isPlainObject(node['inputs'])) return { ok: 'crash' };
    const targeted = !Array.isArray(partialTargets) || partialTargets.includes(id);
    if (catalogue.isOutputNode(classType) && targeted) outputs.push(id);
  }
  if (outputs.length === 0) {
    return { ok: false, error: reason('prompt_no_outputs', 'Prompt has no outputs', '', {}), nodeErrors: {} };
  }

  const graph = prompt as Graph;
  const validated = new Map<string, Verdict>();
  const ctx: Context = { graph, validated, visiting: new Set(), catalogue, files };
  const good: string[] = [];
  const failed: Array<[string, Reason[]]> = [];
  const nodeErrors: Record<string, NodeErrors> = {};
  for (const output of outputs) {
    let verdict: Verdict;
    try {
      verdict = validateNode(ctx, output);
    } catch (error) {
      if (!(error instanceof PyError)) throw error;
      verdict = [
        false,
        [
          reason('exception_during_validation', 'Exception when validating node', error.pyMessage, {
            exception_type: error.pyType,
            traceback: [OUTER_FRAME, ...error.traceback],
          }),
        ],
      ];
      validated.set(output, verdict);
    }
    if (verdict[0]) {
      good.push(output);
      continue;
    }
    failed.push([output, verdict[1]]);
    for (const [nodeId, [valid, reasons]] of validated) {
      if (valid || reasons.length === 0) continue;
      const entry = (nodeErrors[nodeId] ??= { errors: reasons, dependent_outputs: [], class_type: graph[nodeId]?.class_type ?? '' });
      entry.dependent_outputs.push(output);
    }
  }
  if (good.length > 0) return { ok: true, outputs: good, nodeErrors };
  const details = failed.flatMap(([, reasons]) => reasons.map((r) => `${r.message}: ${r.details}`)).join('\n');
  return {
    ok: false,
    error: reason('prompt_outputs_failed_validation', 'Prompt outputs failed validation', details, {}),
    nodeErrors,
  };
}


/**
 * Newer servers (execution.py `validate_prompt`): an unknown or absent class is
 * `missing_node_type`, named by the node's title (`_meta.title`, else its class).
 */
function missingNode(node: Record<string, unknown>, id: string, classType: unknown): ValidationResult {
  const meta = isPlainObject(node['_meta']) ? node['_meta'] : {};
  const title = typeof meta['title'] === 'string' ? meta['title'] : classType === null ? null : pyStr(classType);
  const message =
    classType === null
      ? `Node '${id}' has no class_type. The workflow may be corrupted or a custom node is missing.`
      : `Node '${title ?? ''}' not found. The custom node may not be installed.`;
  const extra = { node_id: id, class_type: classType, node_title: title };
  return { ok: false, error: reason('missing_node_type', message, `Node ID '#${id}'`, extra), nodeErrors: {} };
}

function invalidPrompt(message: string, id: string): ValidationResult {
  return { ok: false, error: reason('invalid_prompt', message, `Node ID '#${id}'`, {}), nodeErrors: {} };
}

function validateNode(ctx: Context, id: string): Verdict {
  const { graph, validated } = ctx;
  const known = validated.get(id);
  if (known !== undefined) return known;
  const node = graph[id];
  if (node === undefined) throw new PyError('KeyError', pyRepr(id), [MISSING_NODE_FRAME]);
  if (ctx.visiting.has(id)) throw new PyError('RecursionError', 'maximum recursion depth exceeded', [INNER_FRAME]);
  ctx.visiting.add(id);
  try {
    const verdict = checkInputs(ctx, node);
    validated.set(id, verdict);
    return verdict;
  } finally {
    ctx.visiting.delete(id);
  }
}

function checkInputs(ctx: Context, node: Graph[string]): Verdict {
  const { catalogue, files } = ctx;
  const inputs = node.inputs;
  const customValidated = node.class_type === 'LoadImage' || node.class_type === 'LoadImageMask' ? ['image'] : [];
  const errors: Reason[] = [];
  let valid = true;

  for (const spec of catalogue.inputs(node.class_type)) {
    const name = spec.name;
    if (!Object.hasOwn(inputs, name)) {
      if (spec.category === 'required') {
        errors.push(reason('required_input_missing', 'Required input is missing', name, { input_name: name }));
      }
      continue;
    }
    const value = inputs[name];
    if (Array.isArray(value)) {
      const linked = validateLink(ctx, spec, value);
      if (linked === 'upstream_failed') valid = false;
      else if (linked !== null) errors.push(linked);
      continue;
    }
    const converted = convert(spec, value);
    if ('error' in converted) {
      errors.push(converted.error);
      continue;
    }
    inputs[name] = converted.value;
    if (customValidated.includes(name)) continue;
    const rangeError = checkRange(spec, converted.value);
    if (rangeError !== null) {
      errors.push(rangeError);
      continue;
    }
    const listError = checkChoices(spec, converted.value);
    if (listError !== null) errors.push(listError);
  }

  for (const name of customValidated) {
    const image = inputs[name];
    if (typeof image === 'string' && !files.exists(image)) {
      errors.push(
        reason('custom_validation_failed', 'Custom validation failed for node', `${name} - Invalid image file: ${image}`, {
          input_name: name,
        }),
      );
    }
  }

  return errors.length > 0 || !valid ? [false, errors] : [true, []];
}

function validateLink(ctx: Context, spec: InputSpec, link: unknown[]): Reason | 'upstream_failed' | null {
  const { graph, validated, catalogue } = ctx;
  const name = spec.name;
  if (link.length !== 2) {
    return reason('bad_linked_input', 'Bad linked input, must be a length-2 list of [node_id, slot_index]', name, {
      input_name: name,
      input_config: spec.config,
      received_value: link,
    });
  }
  const [sourceId, slot] = link;
  const source = typeof sourceId === 'string' ? graph[sourceId] : undefined;
  if (source === undefined) throw new PyError('KeyError', pyRepr(sourceId), [MISSING_NODE_FRAME]);
  const outputs = catalogue.outputTypes(source.class_type);
  const received = typeof slot === 'number' ? outputs[slot] : undefined;
  if (received === undefined) throw new PyError('IndexError', 'tuple index out of range', []);
  if (!typesMatch(received, spec.type)) {
    return reason(
      'return_type_mismatch',
      'Return type mismatch between linked nodes',
      `${name}, received_type(${received}) mismatch input_type(${pyStr(spec.type)})`,
      { input_name: name, input_config: spec.config, received_type: received, linked_node: link },
    );
  }
  try {
    return validateNode(ctx, sourceId as string)[0] ? null : 'upstream_failed';
  } catch (error) {
    if (!(error instanceof PyError)) throw error;
    validated.set(sourceId as string, [
      false,
      [
        reason('exception_during_inner_validation', 'Exception when validating inner node', error.pyMessage, {
          input_name: name,
          input_config: spec.config,
          exception_message: error.pyMessage,
          exception_type: error.pyType,
          traceback: [INNER_FRAME, ...error.traceback],
          linked_node: link,
        }),
      ],
    ]);
    return 'upstream_failed';
  }
}

function typesMatch(received: string, expected: string | unknown[]): boolean {
  if (Array.isArray(expected) || expected === 'COMBO') return true;
  if (received === '*' || expected === '*' || received === expected) return true;
  const want = new Set(expected.split(','));
  return received.split(',').every((type) => want.has(type));
}

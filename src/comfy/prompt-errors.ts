import type { ComfycordError } from '../errors.ts';
import type { ApiGraph } from '../workflows/graph.ts';
import { bodyExcerpt, ComfyHttpError, PromptValidationError, type PromptIssue } from './errors.ts';

/**
 * Turns a refused `POST /prompt` into an error a user can act on: which node, which
 * input, which value, and what the server wanted instead. The bodies this reads are
 * the ones captured in test/fixtures/comfy-protocol/4_validation_errors.jsonl plus
 * `invalid_prompt_id` and `missing_node_type` from newer servers; anything else falls
 * back to the server's own message so nothing is ever swallowed.
 */

type Json = Record<string, unknown>;

const MAX_LINES = 10;
const MAX_CHOICES_SHOWN = 8;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

export function formatValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 80 ? `${value.slice(0, 77)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'nothing';
  // JSON.stringify gives undefined for a function or a symbol, whatever its type says.
  const json = (JSON.stringify(value) as string | undefined) ?? typeof value;
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** `input_config` is `[TYPE or [choices], {opts}]`, or `["COMBO", {options}]` on newer servers; null when long. */
function inputConfig(extra: Json): { type: string | null; choices: unknown[] | null; options: Json } {
  const config = extra['input_config'];
  if (!Array.isArray(config)) return { type: null, choices: null, options: {} };
  const [head, opts] = config as [unknown, unknown];
  const options = isObject(opts) ? opts : {};
  if (Array.isArray(head)) return { type: 'COMBO', choices: head, options };
  const fromOptions = Array.isArray(options['options']) ? options['options'] : null;
  return { type: typeof head === 'string' ? head : null, choices: fromOptions, options };
}

function choicesHint(choices: unknown[] | null): string {
  if (choices === null) return '';
  if (choices.length === 0) return ' (the server has none installed)';
  if (choices.length > MAX_CHOICES_SHOWN) return '';
  return ` (choices: ${choices.map((choice) => String(choice)).join(', ')})`;
}

function limitFrom(extra: Json, key: 'min' | 'max', message: string): string {
  const limit = inputConfig(extra).options[key];
  if (typeof limit === 'number') return String(limit);
  const match = /(?:min|max) of (\S+)/.exec(message);
  return match?.[1] ?? '?';
}

function describeIssue(error: Json, nodeId: string, graph: ApiGraph | undefined): Omit<PromptIssue, 'nodeId' | 'classType'> {
  const type = text(error['type']) || 'unknown';
  const message = text(error['message']);
  const details = text(error['details']);
  const extra = isObject(error['extra_info']) ? error['extra_info'] : {};
  let inputName = text(extra['input_name']) || null;
  // `?.` on inputs too: a raw graph file may hold a node without them, whatever the type says.
  const inputs = graph?.[nodeId]?.inputs;
  const graphValue = inputName === null ? undefined : inputs?.[inputName];
  const value = 'received_value' in extra ? extra['received_value'] : graphValue;
  const input = inputName ?? 'an input';

  switch (type) {
    case 'value_not_in_list':
      return { type, inputName, value, text: `${input} ${formatValue(value)} is not one of the server's values${choicesHint(inputConfig(extra).choices)}` };
    case 'required_input_missing':
      inputName ??= details || null;
      return { type, inputName, value: undefined, text: `required input '${inputName ?? '?'}' is missing` };
    case 'value_smaller_than_min':
      return { type, inputName, value, text: `${input} ${formatValue(value)} is below the minimum of ${limitFrom(extra, 'min', message)}` };
    case 'value_bigger_than_max':
      return { type, inputName, value, text: `${input} ${formatValue(value)} is above the maximum of ${limitFrom(extra, 'max', message)}` };
    case 'invalid_input_type': {
      const wanted = inputConfig(extra).type ?? /to a (\S+) value/.exec(message)?.[1] ?? 'value of the right type';
      return { type, inputName, value, text: `${input} ${formatValue(value)} is not a valid ${wanted}` };
    }
    case 'custom_validation_failed': {
      // details look like "image - Invalid image file: name.png"
      const reason = inputName !== null && details.startsWith(`${inputName} - `) ? details.slice(inputName.length + 3) : details;
      const missingFile = /^Invalid image file: (.+)$/.exec(reason);
      if (missingFile) {
        return { type, inputName, value: value ?? missingFile[1], text: `${input} '${missingFile[1]}' is not in ComfyUI's input folder (upload it first)` };
      }
      return { type, inputName, value, text: `${input}: ${reason || message}` };
    }
    case 'exception_during_validation': {
      // A KeyError on a node id is a link to a node the graph does not have.
      const missing = /^'([^']+)'$/.exec(details)?.[1];
      if (text(extra['exception_type']) === 'KeyError' && missing !== undefined && (graph === undefined || !(missing in graph))) {
        return { type, inputName, value: missing, text: `an input links to node ${missing}, which is not in the workflow` };
      }
      const exceptionType = text(extra['exception_type']);
      return { type, inputName, value, text: `validation raised ${exceptionType || 'an exception'}${details ? `: ${details}` : ''}` };
    }
    case 'return_type_mismatch':
      return { type, inputName, value, text: `${input} is connected to an output of the wrong type${details ? ` (${details})` : ''}` };
    default:
      return { type, inputName, value, text: [message, details].filter(Boolean).join(': ') || type };
  }
}

function nodeIssues(nodeErrors: unknown, graph: ApiGraph | undefined): PromptIssue[] {
  if (!isObject(nodeErrors)) return [];
  const issues: PromptIssue[] = [];
  for (const [nodeId, entry] of Object.entries(nodeErrors)) {
    if (!isObject(entry)) continue;
    const classType = text(entry['class_type']) || text(graph?.[nodeId]?.class_type) || null;
    const errors = Array.isArray(entry['errors']) ? entry['errors'].filter(isObject) : [];
    for (const error of errors) issues.push({ nodeId, classType, ...describeIssue(error, nodeId, graph) });
  }
  return issues;
}

export function issueLine(issue: PromptIssue): string {
  if (issue.nodeId === null) return issue.text;
  return `Node ${issue.nodeId}${issue.classType === null ? '' : ` (${issue.classType})`}: ${issue.text}`;
}

/** Lines for the top-level `error` when it says more than "see node_errors". */
function topLevelIssue(error: Json): PromptIssue | null {
  const type = text(error['type']) || 'unknown';
  const message = text(error['message']);
  const details = text(error['details']);
  const base = { nodeId: null, classType: null, inputName: null, value: undefined, type };
  switch (type) {
    case 'invalid_prompt': {
      const classType = /node (.+?) does not exist/.exec(message)?.[1];
      const nodeId = /#([^'"\s]+)/.exec(details)?.[1];
      if (classType !== undefined) {
        return { ...base, nodeId: nodeId ?? null, classType, text: 'this node type is not installed on the ComfyUI server' };
      }
      return { ...base, text: `the workflow is invalid: ${[message, details].filter(Boolean).join(' ')}` };
    }
    case 'missing_node_type': {
      // Newer servers: the class is in extra_info (the message names the node's title instead).
      const extra = isObject(error['extra_info']) ? error['extra_info'] : {};
      const classType = text(extra['class_type']) || /Node '(.+?)' not found/.exec(message)?.[1] || null;
      const nodeId = text(extra['node_id']) || /#([^'"\s]+)/.exec(details)?.[1] || null;
      if (classType === null) return { ...base, nodeId, text: 'a node of the workflow has no node type' };
      return { ...base, nodeId, classType, text: 'this node type is not installed on the ComfyUI server' };
    }
    case 'prompt_no_outputs':
      return { ...base, text: 'the workflow has no output node (such as SaveImage or PreviewImage), so ComfyUI has nothing to run' };
    case 'no_prompt':
      return { ...base, text: 'ComfyUI received no workflow in the request' };
    case 'invalid_prompt_id':
      return { ...base, text: `ComfyUI refused the prompt id: ${[message, details].filter(Boolean).join(' — ')}` };
    case 'prompt_outputs_failed_validation':
      return null;
    default:
      return { ...base, text: [message, details].filter(Boolean).join(': ') || type };
  }
}

function capitalise(line: string): string {
  return line.charAt(0).toUpperCase() + line.slice(1);
}

const UNEXPLAINED = 'ComfyUI refused the workflow (HTTP 400) without saying why.';

/**
 * ComfyUI's own refusal: `{error: {type, message, details, extra_info}, node_errors}`.
 * Only a body of that shape is read for the user; any other 400 (a proxy's JSON or
 * page, which may repeat our request headers) stays in the log.
 */
function isComfyRefusal(body: unknown): body is Json {
  if (!isObject(body)) return false;
  const error = body['error'];
  const recognisedError = isObject(error) && (typeof error['type'] === 'string' || typeof error['message'] === 'string');
  return recognisedError || isObject(body['node_errors']);
}

/** Builds the error for a 400 answer; `bodyText` is the body with this server's secrets already cut out. */
export function promptValidationError(bodyText: string, graph?: ApiGraph): PromptValidationError {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = undefined;
  }
  if (!isComfyRefusal(body)) return new PromptValidationError(UNEXPLAINED, 'unrecognised', [], undefined, bodyExcerpt(bodyText));
  const error = isObject(body['error']) ? body['error'] : {};
  const nodeErrors = body['node_errors'];
  const errorType = text(error['type']) || 'unknown';
  const issues = nodeIssues(nodeErrors, graph);
  const top = topLevelIssue(error);
  if (top !== null && issues.length === 0) issues.push(top);
  if (issues.length === 0) {
    const message = [text(error['message']), text(error['details'])].filter(Boolean).join(': ');
    issues.push({ nodeId: null, classType: null, inputName: null, value: undefined, type: errorType, text: message || 'ComfyUI refused the workflow' });
  }
  const lines = issues.slice(0, MAX_LINES).map((issue) => capitalise(issueLine(issue)));
  if (issues.length > MAX_LINES) lines.push(`…and ${issues.length - MAX_LINES} more problems`);
  return new PromptValidationError(lines.join('\n'), errorType, issues, nodeErrors, body['error']);
}

/** The error for any non-2xx answer to `POST /prompt`. */
export function promptRejection(host: string, status: number, bodyText: string, graph?: ApiGraph): ComfycordError {
  if (status === 400) return promptValidationError(bodyText, graph);
  return new ComfyHttpError(host, 'POST', '/prompt', status, bodyText);
}

/** For the log warning on a 200 that still carries node_errors (part of the graph will not run). */
export function describeNodeErrors(nodeErrors: unknown, graph?: ApiGraph): string[] {
  return nodeIssues(nodeErrors, graph).map(issueLine);
}

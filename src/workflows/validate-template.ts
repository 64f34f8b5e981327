import { canonicalOption, DEFAULT_MAX_LENGTH, LIMIT_MAX_LENGTH, MAX_SEED } from './canonical-options.ts';
import { checkGraph, formatRef, getInput, getNode, isLink, isPlainObject, parseRef, type ApiGraph, type InputRef, type PathIssue } from './graph.ts';
import { checkOptionValue } from './option-values.ts';
import { isTemplateRole, roleOfKind, roleProblems } from './template-role.ts';
import { OPTION_TYPES, TEMPLATE_KINDS, TEMPLATE_ROLES, type TemplateRole, type ChoicesFrom, type OptionType, type Template, type TemplateKind, type TemplateOption } from './template.ts';

const TEMPLATE_KEYS = ['name', 'description', 'kind', 'role', 'options', 'graph', 'stallSeconds', 'timeoutSeconds', 'maxSize'];
/** Bounds of `maxSize`: ImagePadForOutpaint's own limit is 16384. */
const MAX_SIZE_BOUNDS = { min: 64, max: 16_384 } as const;
/** Bounds of a template's own stall limit and deadline (a day: anything longer is a job nobody waits for). */
const MAX_LIMIT_SECONDS = 86_400;
const OPTION_KEYS = ['type', 'description', 'required', 'default', 'min', 'max', 'maxLength', 'choices', 'choicesFrom', 'targets'];
// Discord option names: lowercase, 1-32 characters; the CLI turns them into --flags.
const OPTION_NAME = /^[a-z][a-z0-9_]{0,31}$/;
// Discord caps option descriptions at 100 characters.
const MAX_DESCRIPTION = 100;
const NUMERIC: readonly OptionType[] = ['int', 'float', 'seed'];
const LENGTHED: readonly OptionType[] = ['text', 'string', 'image', 'choice'];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Context {
  readonly graph: ApiGraph | undefined;
  readonly issues: PathIssue[];
  /** Which option already writes each input, so two options never fight over one. */
  readonly claimed: Map<string, string>;
}

const jsType = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`);

function expectedJsType(type: OptionType): 'number' | 'string' | 'boolean' {
  if (NUMERIC.includes(type)) return 'number';
  return type === 'bool' ? 'boolean' : 'string';
}

function unknownKeys(value: Record<string, unknown>, allowed: readonly string[], path: string, issues: PathIssue[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) issues.push({ path: path === '' ? key : `${path}.${key}`, message: `unknown key (allowed: ${allowed.join(', ')})` });
  }
}

function checkTargets(name: string, type: OptionType, raw: unknown, path: string, ctx: Context): InputRef[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    ctx.issues.push({ path, message: 'targets must be a non-empty list of node inputs ("<node>.inputs.<input>" or {"node", "input"})' });
    return [];
  }
  const targets: InputRef[] = [];
  raw.forEach((entry: unknown, index) => {
    const at = `${path}[${index}]`;
    const ref = typeof entry === 'string' ? parseRef(entry)
      : isPlainObject(entry) && typeof entry['node'] === 'string' && typeof entry['input'] === 'string' ? { node: entry['node'], input: entry['input'] }
      : undefined;
    if (ref === undefined) {
      ctx.issues.push({ path: at, message: 'a target is "<node>.inputs.<input>" or {"node": "<id>", "input": "<name>"}' });
      return;
    }
    if (ctx.graph === undefined) return;
    const node = getNode(ctx.graph, ref.node);
    if (node === undefined) return void ctx.issues.push({ path: at, message: `node "${ref.node}" does not exist` });
    if (!Object.hasOwn(node.inputs, ref.input)) {
      return void ctx.issues.push({ path: at, message: `node "${ref.node}" (${node.class_type}) has no input "${ref.input}"` });
    }
    const current = getInput(ctx.graph, ref);
    if (isLink(current)) {
      return void ctx.issues.push({ path: at, message: `${formatRef(ref)} is a link from node "${current[0]}"; bind that node's input instead` });
    }
    const want = expectedJsType(type);
    if (typeof current !== want) {
      return void ctx.issues.push({ path: at, message: `${formatRef(ref)} holds ${jsType(current)}, but option "${name}" is ${type} (needs a ${want})` });
    }
    const key = formatRef(ref);
    const owner = ctx.claimed.get(key);
    if (owner !== undefined) return void ctx.issues.push({ path: at, message: `${key} is already bound by option "${owner}"` });
    ctx.claimed.set(key, name);
    targets.push(ref);
  });
  return targets;
}

function checkBounds(option: Mutable<TemplateOption>, raw: Record<string, unknown>, path: string, issues: PathIssue[]): void {
  const canonical = canonicalOption(option.name);
  for (const key of ['min', 'max'] as const) {
    const value = raw[key];
    if (value === undefined) {
      const fallback = option.type === 'seed' ? (key === 'min' ? 0 : MAX_SEED) : canonical?.[key];
      if (fallback !== undefined && NUMERIC.includes(option.type)) option[key] = fallback;
      continue;
    }
    if (!NUMERIC.includes(option.type)) {
      issues.push({ path: `${path}.${key}`, message: `${key} applies only to int, float and seed options` });
    } else if (typeof value !== 'number' || !Number.isFinite(value)) {
      issues.push({ path: `${path}.${key}`, message: `${key} must be a finite number` });
    } else if (option.type === 'seed' && (value < 0 || value > MAX_SEED)) {
      issues.push({ path: `${path}.${key}`, message: `a seed's ${key} must be between 0 and ${MAX_SEED}` });
    } else if (option.type !== 'float' && !Number.isSafeInteger(value)) {
      issues.push({ path: `${path}.${key}`, message: `${key} must be a whole number for ${option.type} options` });
    } else {
      option[key] = value;
    }
  }
  if (option.min !== undefined && option.max !== undefined && option.min > option.max) {
    issues.push({ path: `${path}.min`, message: `min (${option.min}) is greater than max (${option.max})` });
  }
  const maxLength = raw['maxLength'];
  if (maxLength === undefined) {
    const fallback = canonical?.maxLength ?? DEFAULT_MAX_LENGTH[option.type];
    if (fallback !== undefined && LENGTHED.includes(option.type)) option.maxLength = fallback;
  } else if (!LENGTHED.includes(option.type)) {
    issues.push({ path: `${path}.maxLength`, message: 'maxLength applies only to text, string, image and choice options' });
  } else if (!Number.isSafeInteger(maxLength) || (maxLength as number) < 1 || (maxLength as number) > LIMIT_MAX_LENGTH) {
    issues.push({ path: `${path}.maxLength`, message: `maxLength must be a whole number from 1 to ${LIMIT_MAX_LENGTH}` });
  } else {
    option.maxLength = maxLength as number;
  }
}

function checkChoices(option: Mutable<TemplateOption>, raw: Record<string, unknown>, path: string, issues: PathIssue[]): void {
  const { choices, choicesFrom } = raw;
  if (option.type !== 'choice') {
    if (choices !== undefined) issues.push({ path: `${path}.choices`, message: 'choices apply only to choice options' });
    if (choicesFrom !== undefined) issues.push({ path: `${path}.choicesFrom`, message: 'choicesFrom applies only to choice options' });
    return;
  }
  if (choices !== undefined) {
    const list = Array.isArray(choices) ? choices : [];
    if (list.length === 0 || !list.every((c) => typeof c === 'string' && c !== '') || new Set(list).size !== list.length) {
      issues.push({ path: `${path}.choices`, message: 'choices must be a non-empty list of distinct, non-empty strings' });
    } else {
      option.choices = list as string[];
    }
  }
  if (choicesFrom !== undefined) {
    if (isPlainObject(choicesFrom) && typeof choicesFrom['class'] === 'string' && choicesFrom['class'] !== '' && typeof choicesFrom['input'] === 'string' && choicesFrom['input'] !== '') {
      option.choicesFrom = { class: choicesFrom['class'], input: choicesFrom['input'] } satisfies ChoicesFrom;
    } else {
      issues.push({ path: `${path}.choicesFrom`, message: 'choicesFrom must be {"class": "<node class>", "input": "<input name>"}' });
    }
  } else if (choices === undefined) {
    const canonical = canonicalOption(option.name)?.choicesFrom;
    if (canonical !== undefined) option.choicesFrom = canonical;
    else issues.push({ path, message: 'a choice option needs "choices" or "choicesFrom"' });
  }
}

function checkDefault(option: Mutable<TemplateOption>, raw: Record<string, unknown>, path: string, ctx: Context): void {
  const given = raw['default'];
  if (option.required) {
    if (given !== undefined) ctx.issues.push({ path: `${path}.default`, message: 'a required option cannot have a default' });
    return;
  }
  let value: unknown = given;
  let where = `${path}.default`;
  let from = 'default';
  if (value === undefined) {
    if (option.type === 'seed') return void (option.default = 'random');
    // The graph's file name is a placeholder the server does not have: an image not given is left out (render.ts).
    if (option.type === 'image') return;
    const first = option.targets[0];
    if (first === undefined || ctx.graph === undefined) return;
    value = getInput(ctx.graph, first);
    where = path;
    from = `the graph's value at ${formatRef(first)} (used as the default)`;
  } else if (typeof value !== expectedJsType(option.type) && !(option.type === 'seed' && value === 'random')) {
    return void ctx.issues.push({ path: where, message: `default must be a ${expectedJsType(option.type)}${option.type === 'seed' ? ' or "random"' : ''}, got ${jsType(value)}` });
  }
  const check = checkOptionValue({ ...option, required: false }, value);
  if (check.ok) option.default = check.value;
  else ctx.issues.push({ path: where, message: `${from}: ${check.message}` });
}

function checkOption(name: string, raw: unknown, path: string, ctx: Context): TemplateOption | undefined {
  const { issues } = ctx;
  if (!OPTION_NAME.test(name)) issues.push({ path, message: 'option names are lowercase letters, digits and _, starting with a letter, at most 32 characters' });
  if (!isPlainObject(raw)) return void issues.push({ path, message: 'an option must be an object with "type" and "targets"' });
  unknownKeys(raw, OPTION_KEYS, path, issues);
  const type = raw['type'];
  if (typeof type !== 'string' || !(OPTION_TYPES as readonly string[]).includes(type)) {
    return void issues.push({ path: `${path}.type`, message: `type must be one of: ${OPTION_TYPES.join(', ')}` });
  }
  const canonical = canonicalOption(name);
  if (canonical !== undefined && !canonical.types.includes(type as OptionType)) {
    issues.push({ path: `${path}.type`, message: `"${name}" is a standard option and must be of type ${canonical.types.join(' or ')}` });
  }
  const description = raw['description'] ?? canonical?.description ?? name;
  if (typeof description !== 'string' || description.length === 0 || description.length > MAX_DESCRIPTION) {
    issues.push({ path: `${path}.description`, message: `description must be 1 to ${MAX_DESCRIPTION} characters (a Discord limit)` });
  }
  const required = raw['required'] ?? false;
  if (typeof required !== 'boolean') issues.push({ path: `${path}.required`, message: 'required must be true or false' });
  const option: Mutable<TemplateOption> = {
    name,
    type: type as OptionType,
    description: typeof description === 'string' ? description : name,
    required: required === true,
    targets: checkTargets(name, type as OptionType, raw['targets'], `${path}.targets`, ctx),
  };
  const before = issues.length;
  checkBounds(option, raw, path, issues);
  checkChoices(option, raw, path, issues);
  if (issues.length === before) checkDefault(option, raw, path, ctx);
  return option;
}

/** What a declared template file holds, before it is trusted. */
export interface TemplateSource {
  readonly name: string;
  readonly file: string;
  readonly source: Template['source'];
  readonly notes?: readonly string[];
}

/**
 * Checks a declared template (the file format in workflows/README.md) and returns it, or
 * every issue found, each with its JSON path.
 */
export function validateTemplate(value: unknown, meta: TemplateSource): { template: Template } | { issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  if (!isPlainObject(value)) return { issues: [{ path: '', message: 'a template must be a JSON object' }] };
  unknownKeys(value, TEMPLATE_KEYS, '', issues);
  if (value['name'] !== undefined && value['name'] !== meta.name) {
    issues.push({ path: 'name', message: `${JSON.stringify(value['name'])} differs from the file name "${meta.name}"; the file name is the template's name` });
  }
  const description = value['description'] ?? '';
  if (typeof description !== 'string' || description.length > 500) issues.push({ path: 'description', message: 'description must be a string of at most 500 characters' });
  const kind = value['kind'];
  if (typeof kind !== 'string' || !(TEMPLATE_KINDS as readonly string[]).includes(kind)) {
    issues.push({ path: 'kind', message: `kind must be one of: ${TEMPLATE_KINDS.join(', ')}` });
  }
  const limits = checkLimits(value, issues);
  const graphOk = checkGraph(value['graph'], 'graph', issues);
  const ctx: Context = { graph: graphOk ? (value['graph'] as ApiGraph) : undefined, issues, claimed: new Map() };
  const rawOptions = value['options'] ?? {};
  const options: TemplateOption[] = [];
  if (!isPlainObject(rawOptions)) {
    issues.push({ path: 'options', message: 'options must be an object of named options' });
  } else {
    for (const [name, raw] of Object.entries(rawOptions)) {
      const option = checkOption(name, raw, `options.${name}`, ctx);
      if (option !== undefined) options.push(option);
    }
  }
  const role = checkRole(value['role'], kind as TemplateKind, options, issues);
  if (issues.length > 0 || ctx.graph === undefined) return { issues };
  return {
    template: {
      name: meta.name,
      file: meta.file,
      description: description as string,
      kind: kind as TemplateKind,
      role: role.role,
      source: meta.source,
      options,
      graph: ctx.graph,
      notes: [...(meta.notes ?? []), ...role.notes],
      ...limits,
    },
  };
}

/** `stallSeconds` / `timeoutSeconds`: whole seconds from 1 to a day, each optional. */
function checkLimits(value: Record<string, unknown>, issues: PathIssue[]): { stallSeconds?: number; timeoutSeconds?: number; maxSize?: number } {
  const limits: { stallSeconds?: number; timeoutSeconds?: number; maxSize?: number } = {};
  const maxSize = value['maxSize'];
  if (maxSize !== undefined) {
    if (typeof maxSize !== 'number' || !Number.isInteger(maxSize) || maxSize < MAX_SIZE_BOUNDS.min || maxSize > MAX_SIZE_BOUNDS.max) {
      issues.push({ path: 'maxSize', message: `maxSize must be a whole number of pixels from ${MAX_SIZE_BOUNDS.min} to ${MAX_SIZE_BOUNDS.max}` });
    } else {
      limits.maxSize = maxSize;
    }
  }
  for (const key of ['stallSeconds', 'timeoutSeconds'] as const) {
    const raw = value[key];
    if (raw === undefined) continue;
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > MAX_LIMIT_SECONDS) {
      issues.push({ path: key, message: `${key} must be a whole number of seconds from 1 to ${MAX_LIMIT_SECONDS}` });
    } else {
      limits[key] = raw;
    }
  }
  return limits;
}


/**
 * A declared `role` must be one of TEMPLATE_ROLES and the template must have the bindings
 * it needs (each lack is an issue at `role`). Without one the kind's role applies if the
 * template can fill it; one that cannot (an inpaint graph with no `mask` option) is
 * `other`, noted, so no button picks a template that cannot take what it sends.
 */
function checkRole(raw: unknown, kind: TemplateKind, options: readonly TemplateOption[], issues: PathIssue[]): { role: TemplateRole; notes: string[] } {
  if (raw !== undefined) {
    if (!isTemplateRole(raw)) {
      issues.push({ path: 'role', message: `role must be one of: ${TEMPLATE_ROLES.join(', ')}` });
      return { role: 'other', notes: [] };
    }
    for (const problem of roleProblems(raw, options)) issues.push({ path: 'role', message: problem });
    return { role: raw, notes: [] };
  }
  if (!(TEMPLATE_KINDS as readonly string[]).includes(kind)) return { role: 'other', notes: [] };
  const derived = roleOfKind(kind);
  const problems = roleProblems(derived, options);
  if (problems.length === 0) return { role: derived, notes: [] };
  return { role: 'other', notes: [`not used as ${derived} template: ${problems.join('; ')}`] };
}

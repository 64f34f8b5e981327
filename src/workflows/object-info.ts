import { isPlainObject } from './graph.ts';
import type { ChoiceSource } from './option-values.ts';

/**
 * GET /object_info: `{Class: {input: {required, optional, hidden}, output, output_node, …}}`.
 * An input spec is `[TYPE, {default, min, max, …}]`, `[[choice, …], {…}]` (older combos) or
 * `["COMBO", {options: [choice, …]}]` (newer combos). It comes from a server, so it is read
 * defensively: anything malformed reads as "unknown", never as a crash.
 */
export type ObjectInfo = Readonly<Record<string, unknown>>;

export interface InputInfo {
  /** `INT`, `FLOAT`, `STRING`, `BOOLEAN`, `COMBO`, or a link type such as `MODEL`. */
  readonly type: string;
  readonly required: boolean;
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** LoadImage-style inputs: the list is what is uploaded now, not a fixed set. */
  readonly upload: boolean;
}

export function hasClass(info: ObjectInfo, className: string): boolean {
  return Object.hasOwn(info, className) && isPlainObject(info[className]);
}

function section(info: ObjectInfo, className: string, name: 'required' | 'optional'): Record<string, unknown> {
  const cls = hasClass(info, className) ? (info[className] as Record<string, unknown>) : undefined;
  const input = cls?.['input'];
  const part = isPlainObject(input) ? input[name] : undefined;
  return isPlainObject(part) ? part : {};
}

function stringList(value: unknown): readonly string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function inputInfo(info: ObjectInfo, className: string, input: string): InputInfo | undefined {
  for (const name of ['required', 'optional'] as const) {
    const part = section(info, className, name);
    if (!Object.hasOwn(part, input)) continue;
    const spec = part[input];
    if (!Array.isArray(spec) || spec.length === 0) return undefined;
    const [head, rawExtra] = spec as [unknown, unknown];
    const extra = isPlainObject(rawExtra) ? rawExtra : {};
    const upload = extra['image_upload'] === true || extra['video_upload'] === true || extra['audio_upload'] === true || extra['file_upload'] === true;
    const choices = Array.isArray(head) ? stringList(head) : head === 'COMBO' ? stringList(extra['options']) : undefined;
    const min = finite(extra['min']);
    const max = finite(extra['max']);
    return {
      type: Array.isArray(head) ? 'COMBO' : typeof head === 'string' ? head : 'UNKNOWN',
      required: name === 'required',
      upload,
      ...(choices === undefined ? {} : { choices }),
      ...(min === undefined ? {} : { min }),
      ...(max === undefined ? {} : { max }),
    };
  }
  return undefined;
}

export function requiredInputs(info: ObjectInfo, className: string): string[] {
  return Object.keys(section(info, className, 'required'));
}

export function isOutputNode(info: ObjectInfo, className: string): boolean {
  return hasClass(info, className) && (info[className] as Record<string, unknown>)['output_node'] === true;
}

/** The server's choice list for one combo input, or undefined when the class or input is unknown or not a combo. */
export function comboChoices(info: ObjectInfo, className: string, input: string): readonly string[] | undefined {
  return inputInfo(info, className, input)?.choices;
}

export function choicesFromObjectInfo(info: ObjectInfo): ChoiceSource {
  return { peek: (className, input) => comboChoices(info, className, input) };
}

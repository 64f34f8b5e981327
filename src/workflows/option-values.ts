import { closestNames } from './closest-names.ts';
import type { OptionValue, TemplateOption } from './template.ts';

/** Server-side choice lists, read synchronously (see ServerChoices.peek and choicesFromObjectInfo). */
export interface ChoiceSource {
  peek(className: string, input: string): readonly string[] | undefined;
}

export type ValueCheck = { readonly ok: true; readonly value: OptionValue | 'random' } | { readonly ok: false; readonly message: string };

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
// C0 controls and DEL, except tab and line breaks: they break logs and are never part of a prompt.
// Matching control characters is the point of this pattern.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);
const SHOWN_CHOICES = 10;
/** Server lists can hold hundreds of models: a refusal names the few nearest to what was typed. */
const SHOWN_CLOSEST = 5;

const fail = (message: string): ValueCheck => ({ ok: false, message });
const pass = (value: OptionValue | 'random'): ValueCheck => ({ ok: true, value });

function describe(raw: unknown): string {
  if (typeof raw === 'string') return `'${raw.length > 40 ? `${raw.slice(0, 40)}…` : raw}'`;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  if (raw === null) return 'null';
  return Array.isArray(raw) ? 'a list' : `a value of type ${typeof raw}`;
}

function toNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && NUMBER_TEXT.test(raw.trim())) return Number(raw.trim());
  return undefined;
}

function rangeText(option: TemplateOption): string {
  const { min, max } = option;
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  return `at most ${String(max)}`;
}

function outOfRange(option: TemplateOption, value: number): boolean {
  return (option.min !== undefined && value < option.min) || (option.max !== undefined && value > option.max);
}

function checkNumber(option: TemplateOption, raw: unknown, whole: boolean): ValueCheck {
  const what = whole ? 'a whole number' : 'a number';
  const value = toNumber(raw);
  if (value === undefined) return fail(`${option.name} must be ${what}, got ${describe(raw)}`);
  if (!Number.isFinite(value)) return fail(`${option.name} must be a finite number, got ${describe(raw)}`);
  if (whole && !Number.isSafeInteger(value)) return fail(`${option.name} must be ${what}${option.min !== undefined || option.max !== undefined ? ` ${rangeText(option)}` : ''}, got ${describe(raw)}`);
  if (outOfRange(option, value)) return fail(`${option.name} must be ${rangeText(option)}, got ${describe(raw)}`);
  return pass(value);
}

function checkSeed(option: TemplateOption, raw: unknown): ValueCheck {
  if (typeof raw === 'string' && raw.trim().toLowerCase() === 'random') return pass('random');
  const value = toNumber(raw);
  if (value === undefined || !Number.isSafeInteger(value) || outOfRange(option, value)) {
    return fail(`${option.name} must be "random" or a whole number ${rangeText(option)}, got ${describe(raw)}`);
  }
  return pass(value);
}

function checkBool(option: TemplateOption, raw: unknown): ValueCheck {
  if (typeof raw === 'boolean') return pass(raw);
  const word = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
  if (word !== undefined && TRUE_WORDS.has(word)) return pass(true);
  if (word !== undefined && FALSE_WORDS.has(word)) return pass(false);
  return fail(`${option.name} must be true or false, got ${describe(raw)}`);
}

function checkString(option: TemplateOption, raw: unknown): string | ValueCheck {
  if (typeof raw !== 'string') return fail(`${option.name} must be text, got ${describe(raw)}`);
  const max = option.maxLength;
  if (max !== undefined && raw.length > max) return fail(`${option.name} is too long: ${raw.length} characters, at most ${max}`);
  const control = CONTROL_CHARS.exec(raw);
  if (control !== null) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return fail(`${option.name} contains a control character (U+${code})`);
  }
  if (option.required && raw.trim() === '') return fail(`${option.name} must not be empty`);
  return raw;
}

function listChoices(choices: readonly string[]): string {
  const shown = choices.slice(0, SHOWN_CHOICES).join(', ');
  return choices.length > SHOWN_CHOICES ? `${shown}, … (${choices.length} in all)` : shown;
}

function checkChoice(option: TemplateOption, value: string, serverChoices: ChoiceSource | undefined): ValueCheck {
  if (option.choices !== undefined) {
    return option.choices.includes(value) ? pass(value) : fail(`${option.name} must be one of: ${listChoices(option.choices)}; got ${describe(value)}`);
  }
  const from = option.choicesFrom;
  const server = from === undefined ? undefined : serverChoices?.peek(from.class, from.input);
  if (server !== undefined) {
    if (server.includes(value)) return pass(value);
    return fail(server.length === 0
      ? `${option.name} ${describe(value)} is not on the server, which has none to offer`
      : `${option.name} ${describe(value)} is not on the server; closest: ${closestNames(value, server, SHOWN_CLOSEST).join(', ')}${server.length > SHOWN_CLOSEST ? ` (${server.length} in all)` : ''}`);
  }
  return value.trim() === '' ? fail(`${option.name} must not be empty`) : pass(value);
}

function checkImageName(option: TemplateOption, value: string): ValueCheck {
  const segments = value.split('/');
  if (value.trim() === '' || value.startsWith('/') || value.includes('\\') || segments.includes('..')) {
    return fail(`${option.name} must be the name of an uploaded image, got ${describe(value)}`);
  }
  return pass(value);
}

/**
 * Checks one value for one option: type, range, length, choices (the server's list when
 * one is at hand). Strings are accepted for numbers and booleans, so `--set steps=30` from
 * the CLI and a typed Discord option go through the same rules and the same messages.
 */
export function checkOptionValue(option: TemplateOption, raw: unknown, serverChoices?: ChoiceSource): ValueCheck {
  switch (option.type) {
    case 'int':
      return checkNumber(option, raw, true);
    case 'float':
      return checkNumber(option, raw, false);
    case 'seed':
      return checkSeed(option, raw);
    case 'bool':
      return checkBool(option, raw);
    case 'text':
    case 'string':
    case 'image':
    case 'choice': {
      const text = checkString(option, raw);
      if (typeof text !== 'string') return text;
      if (option.type === 'string' && /[\r\n]/.test(text)) return fail(`${option.name} must be a single line`);
      if (option.type === 'image') return checkImageName(option, text);
      if (option.type === 'choice') return checkChoice(option, text, serverChoices);
      return pass(text);
    }
  }
}

import { pyRepr, pyTypeName } from './py-json.ts';

/**
 * Python's `int()`, `float()` and `bool()` on a JSON value, with the exception
 * text Python gives, because ComfyUI copies that text into its validation errors.
 */

export type Converted = { value: unknown } | { message: string };

const INT_LITERAL = /^[+-]?\d+(_\d+)*$/;
const FLOAT_LITERAL = /^[+-]?(\d+(_\d+)*\.?(\d+(_\d+)*)?|\.\d+(_\d+)*)([eE][+-]?\d+(_\d+)*)?$/;
const FLOAT_SPECIAL = /^[+-]?(inf|infinity|nan)$/i;

export function toPyInt(value: unknown): Converted {
  if (typeof value === 'number') return { value: Math.trunc(value) };
  if (typeof value === 'boolean') return { value: value ? 1 : 0 };
  if (typeof value === 'string') {
    const text = value.trim();
    if (INT_LITERAL.test(text)) return { value: Number(text.replace(/_/g, '')) };
    return { message: `invalid literal for int() with base 10: ${pyRepr(value)}` };
  }
  return { message: `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(value)}'` };
}

export function toPyFloat(value: unknown): Converted {
  if (typeof value === 'number') return { value };
  if (typeof value === 'boolean') return { value: value ? 1 : 0 };
  if (typeof value === 'string') {
    const text = value.trim();
    if (FLOAT_LITERAL.test(text)) return { value: Number(text.replace(/_/g, '')) };
    if (FLOAT_SPECIAL.test(text)) {
      const negative = text.startsWith('-');
      if (/nan/i.test(text)) return { value: Number.NaN };
      return { value: negative ? -Infinity : Infinity };
    }
    return { message: `could not convert string to float: ${pyRepr(value)}` };
  }
  return { message: `float() argument must be a string or a real number, not '${pyTypeName(value)}'` };
}

export function toPyBool(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length > 0;
  return Boolean(value);
}

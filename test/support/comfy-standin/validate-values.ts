import type { InputSpec } from './catalogue.ts';
import { pyFloatStr, pyRepr, pyStr } from './py-json.ts';
import { toPyBool, toPyFloat, toPyInt } from './py-values.ts';

/**
 * Checks on one widget value, as ComfyUI's validate_inputs makes them: convert
 * to the declared type (Python's int()/float()), then min/max, then the choices.
 */

export interface Reason {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}

export function reason(type: string, message: string, details: string, extra: Record<string, unknown>): Reason {
  return { type, message, details, extra_info: extra };
}

export function convert(spec: InputSpec, value: unknown): { value: unknown } | { error: Reason } {
  const converters: Record<string, (v: unknown) => { value: unknown } | { message: string }> = {
    INT: toPyInt,
    FLOAT: toPyFloat,
    STRING: (v) => ({ value: pyStr(v) }),
    BOOLEAN: (v) => ({ value: toPyBool(v) }),
  };
  const converter = typeof spec.type === 'string' ? converters[spec.type] : undefined;
  if (converter === undefined) return { value };
  const result = converter(value);
  if ('value' in result) return result;
  return {
    error: reason(
      'invalid_input_type',
      `Failed to convert an input value to a ${String(spec.type)} value`,
      `${spec.name}, ${pyStr(value)}, ${result.message}`,
      { input_name: spec.name, input_config: spec.config, received_value: value, exception_message: result.message },
    ),
  };
}

function formatNumber(spec: InputSpec, value: number): string {
  return spec.type === 'FLOAT' ? pyFloatStr(value) : String(value);
}

export function checkRange(spec: InputSpec, value: unknown): Reason | null {
  if (typeof value !== 'number') return null;
  const { min, max } = spec.options;
  const extra = { input_name: spec.name, input_config: spec.config, received_value: value };
  if (typeof min === 'number' && value < min) {
    const message = `Value ${formatNumber(spec, value)} smaller than min of ${formatNumber(spec, min)}`;
    return reason('value_smaller_than_min', message, spec.name, extra);
  }
  if (typeof max === 'number' && value > max) {
    const message = `Value ${formatNumber(spec, value)} bigger than max of ${formatNumber(spec, max)}`;
    return reason('value_bigger_than_max', message, spec.name, extra);
  }
  return null;
}

export function checkChoices(spec: InputSpec, value: unknown): Reason | null {
  let choices: unknown[] | undefined;
  if (Array.isArray(spec.type)) choices = spec.type;
  else if (spec.type === 'COMBO' && Array.isArray(spec.options['options'])) choices = spec.options['options'];
  if (choices === undefined || choices.includes(value)) return null;
  const long = choices.length > 20;
  const listInfo = long ? `(list of length ${choices.length})` : pyRepr(choices);
  return reason('value_not_in_list', 'Value not in list', `${spec.name}: '${pyStr(value)}' not in ${listInfo}`, {
    input_name: spec.name,
    input_config: long ? null : spec.config,
    received_value: value,
  });
}

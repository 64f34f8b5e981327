/**
 * ComfyUI answers with Python's `json.dumps` defaults (`", "` and `": "` separators,
 * non-ASCII escaped, `1.0` for floats). The stand-in writes the same bytes so a
 * client that looks at raw bodies or frame lengths sees what the real server sends.
 */

/** A number Python holds as a float: serialised as `1.0`, not `1`. */
export class PyFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
  toJSON(): number {
    return this.value;
  }
}

function pyNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  // Python writes exponents with a sign and at least two digits: 1e-07, 1e+16.
  return String(value).replace(/e([+-]?)(\d)$/, (_m, sign: string, digit: string) => `e${sign || '+'}0${digit}`);
}

function pyFloatText(value: number): string {
  const text = pyNumber(value);
  return Number.isInteger(value) && !text.includes('e') ? `${text}.0` : text;
}

function pyString(value: string): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `json.dumps(value)` as Python writes it. */
export function pyJson(value: unknown): string {
  if (value instanceof PyFloat) return pyFloatText(value.value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map((item) => pyJson(item)).join(', ')}]`;
  if (typeof value === 'object') {
    const withJson = value as { toJSON?: () => unknown };
    if (typeof withJson.toJSON === 'function') return pyJson(withJson.toJSON());
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    return `{${entries.map(([key, item]) => `${pyString(key)}: ${pyJson(item)}`).join(', ')}}`;
  }
  return 'null';
}

/** Python's `repr()` of a JSON value, as it appears inside error messages. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value instanceof PyFloat) return pyFloatText(value.value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const escaped = value
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(/\t/g, '\\t');
    return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
  }
  if (Array.isArray(value)) return `[${value.map((item) => pyRepr(item)).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([key, item]) => `${pyRepr(key)}: ${pyRepr(item)}`).join(', ')}}`;
  }
  return typeof value === 'bigint' ? value.toString() : `<${typeof value}>`;
}

/** Python's `str()`: like repr, except a string is itself. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** `str(float(x))` for a value Python holds as a float. */
export function pyFloatStr(value: number): string {
  return pyFloatText(value);
}

/** Python's `type(x).__name__` for a JSON value. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

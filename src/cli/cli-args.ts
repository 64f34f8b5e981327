import { parseArgs } from 'node:util';
import { CliUsageError } from './cli-errors.ts';

/** Flags `generate` maps onto template options of the same meaning. */
export const OPTION_FLAGS = {
  prompt: 'prompt',
  negative: 'negative',
  seed: 'seed',
  steps: 'steps',
  cfg: 'cfg',
  width: 'width',
  height: 'height',
  denoise: 'denoise',
} as const;

export interface GenerateArgs {
  template: string;
  server: string | null;
  out: string;
  /** Each --image in order: the first binds `image`, the next `image2`, then `image3` (an edit's references). */
  images: string[];
  /** A mask for the first image (an inpaint template's `mask`): white = change, or transparent pixels. */
  mask: string | null;
  /** Longest the whole run may take, in ms (0: no limit); null when --timeout was not given (the template's timeoutSeconds, else 600 s). */
  timeoutMs: number | null;
  /** Option values as text; the template's own validation turns them into typed values. */
  values: Record<string, string>;
}

export interface TemplatesArgs {
  server: string | null;
}

export function parseGenerateArgs(argv: string[]): GenerateArgs {
  const { values, positionals } = parse(argv, {
    server: { type: 'string' },
    out: { type: 'string' },
    image: { type: 'string', multiple: true },
    mask: { type: 'string' },
    set: { type: 'string', multiple: true },
    timeout: { type: 'string' },
    ...Object.fromEntries(Object.keys(OPTION_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
  });
  const template = positionals[0];
  if (template === undefined) throw new CliUsageError('name a template: comfycord generate <template> [options] (see comfycord templates)');
  if (positionals.length > 1) throw new CliUsageError(`unexpected argument '${positionals[1]}' (quote a prompt with spaces: --prompt "a red fox")`);
  const options: Record<string, string> = {};
  for (const flag of Object.keys(OPTION_FLAGS) as (keyof typeof OPTION_FLAGS)[]) {
    const value = values[flag];
    if (typeof value === 'string') options[OPTION_FLAGS[flag]] = value;
  }
  for (const pair of (values['set'] as string[] | undefined) ?? []) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new CliUsageError(`--set takes name=value, got '${pair}'`);
    options[pair.slice(0, equals).trim()] = pair.slice(equals + 1);
  }
  return {
    template,
    server: serverUrl(values['server']),
    timeoutMs: timeoutMs(values['timeout']),
    out: stringOrNull(values['out']) ?? 'output',
    images: (values['image'] as string[] | undefined) ?? [],
    mask: stringOrNull(values['mask']),
    values: options,
  };
}

export function parseTemplatesArgs(argv: string[]): TemplatesArgs {
  const { values, positionals } = parse(argv, { server: { type: 'string' } });
  if (positionals.length > 0) throw new CliUsageError(`unexpected argument '${positionals[0]}'`);
  return { server: serverUrl(values['server']) };
}

/** `--server` must be an http(s) URL; checked here so a typo is a one-line answer. */
function serverUrl(value: unknown): string | null {
  const text = stringOrNull(value);
  if (text === null) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliUsageError(`--server '${text}' is not a URL; write it like http://127.0.0.1:8188`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliUsageError(`--server must be an http:// or https:// URL, got '${url.protocol}'`);
  return text.replace(/\/+$/, '');
}

function timeoutMs(value: unknown): number | null {
  const text = stringOrNull(value);
  if (text === null) return null;
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 7 * 86_400) {
    throw new CliUsageError(`--timeout takes seconds from 0 (no limit) to 604800, got '${text}'`);
  }
  return Math.round(seconds * 1000);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

function parse(argv: string[], options: OptionSpec): { values: Record<string, unknown>; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util's messages name the flag; keep the first sentence, drop its hints at code.
    const text = error instanceof Error ? error.message : String(error);
    const ambiguous = /^Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(text);
    if (ambiguous) throw new CliUsageError(`${ambiguous[1]} needs a value; for one that starts with '-', write ${ambiguous[1]}=-5`);
    const missing = /^Option '(--[\w-]+)[^']*' argument missing/.exec(text);
    if (missing) throw new CliUsageError(`${missing[1]} needs a value`);
    throw new CliUsageError(text.split(/\.\s/)[0]!.replace(/^Unknown option/, 'unknown option').replace(/\.$/, ''));
  }
}

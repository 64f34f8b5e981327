import { createHash } from 'node:crypto';

/**
 * Template names are typed on the command line and offered as Discord choices, so they
 * are kept plain: lower-case letters, digits, `-` and `_`, at most TEMPLATE_NAME_MAX.
 * Any file name gives one: other characters become `-` (accents dropped first), and a
 * name too long is cut with a suffix from a hash of the whole file name, so two long
 * names sharing a beginning stay apart and a name never changes between starts.
 */
export const TEMPLATE_NAME_MAX = 40;

const PLAIN_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const SUFFIX_LENGTH = 6;

export function isPlainTemplateName(name: string): boolean {
  return name.length <= TEMPLATE_NAME_MAX && PLAIN_NAME.test(name);
}

/** The template name for a file's base name without `.json` (e.g. `My Fox (v2)` → `my-fox-v2`). */
export function deriveTemplateName(base: string): string {
  const folded = base
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
  const name = folded === '' ? 'template' : folded;
  if (name.length <= TEMPLATE_NAME_MAX && name === folded) return name;
  const suffix = createHash('sha256').update(base).digest('hex').slice(0, SUFFIX_LENGTH);
  const head = name.slice(0, TEMPLATE_NAME_MAX - SUFFIX_LENGTH - 1).replace(/[-_]+$/, '');
  return `${head}-${suffix}`;
}

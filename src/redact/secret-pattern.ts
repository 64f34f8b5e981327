/**
 * The regular-expression source that finds one secret in text however it was escaped
 * on the way: raw, JSON-escaped (`\"`, `\\`, `\/`, `\u0041`), Markdown-escaped (a
 * backslash before punctuation), URL-encoded (`%41`) or HTML-escaped (`&amp;`). Each
 * character of the secret may appear in any of those forms independently, so a value
 * that was escaped twice over (JSON inside Markdown, say) is still found.
 */

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/-]/g;
const HTML_ENTITIES: Record<string, string[]> = {
  '&': ['&amp;', '&#38;', '&#x26;'],
  '<': ['&lt;', '&#60;', '&#x3c;'],
  '>': ['&gt;', '&#62;', '&#x3e;'],
  '"': ['&quot;', '&#34;', '&#x22;'],
  "'": ['&#39;', '&#x27;', '&apos;'],
};

function literal(text: string): string {
  return text.replace(REGEX_SPECIAL, '\\$&');
}

/** `7a` → `7[aA]`: escapes write hex digits in either case. */
function anyCaseHex(hex: string): string {
  return [...hex].map((digit) => (/[a-f]/i.test(digit) ? `[${digit.toLowerCase()}${digit.toUpperCase()}]` : digit)).join('');
}

function jsonUnicodeEscape(char: string): string {
  return [...Array.from({ length: char.length }, (_, i) => char.charCodeAt(i))]
    .map((unit) => `\\\\u${anyCaseHex(unit.toString(16).padStart(4, '0'))}`)
    .join('');
}

function urlEncoded(char: string): string {
  return [...Buffer.from(char, 'utf8')].map((byte) => `%${anyCaseHex(byte.toString(16).padStart(2, '0'))}`).join('');
}

/** Every way one character of a secret may be written. */
function characterForms(char: string): string {
  const forms = new Set<string>([
    literal(char),
    // One backslash before it: JSON (`\"`, `\/`, `\\`) and Markdown (`\*`, `\_`) escapes.
    `\\\\${literal(char)}`,
    jsonUnicodeEscape(char),
    urlEncoded(char),
    ...(char === ' ' ? ['\\+'] : []),
    ...(HTML_ENTITIES[char] ?? []).map(literal),
  ]);
  return `(?:${[...forms].join('|')})`;
}

/** The pattern source for `secret` in any of the escaped forms above. */
export function secretPattern(secret: string): string {
  return [...secret].map(characterForms).join('');
}

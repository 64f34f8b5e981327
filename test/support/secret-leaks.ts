import { escapeMarkdown } from 'discord.js';

/**
 * Finds secrets in captured output: each secret is looked for raw, as the base64 of
 * itself, JSON-escaped, Markdown-escaped (discord.js's escapeMarkdown) and
 * URL-encoded. Returns one line per hit naming the secret, the form and where.
 */

export interface NamedSecret {
  name: string;
  value: string;
}

export function secretForms(value: string): Array<{ form: string; text: string }> {
  const forms = [
    { form: 'raw', text: value },
    { form: 'base64', text: Buffer.from(value, 'utf8').toString('base64') },
    { form: 'json-escaped', text: JSON.stringify(value).slice(1, -1) },
    { form: 'markdown-escaped', text: escapeMarkdown(value) },
    { form: 'url-encoded', text: encodeURIComponent(value) },
  ];
  return forms.filter((entry, index) => forms.findIndex((other) => other.text === entry.text) === index);
}

export function findLeaks(secrets: readonly NamedSecret[], haystacks: ReadonlyArray<{ where: string; text: string }>): string[] {
  const hits: string[] = [];
  for (const secret of secrets) {
    for (const { form, text } of secretForms(secret.value)) {
      for (const haystack of haystacks) {
        if (haystack.text.includes(text)) hits.push(`${secret.name} (${form}) in ${haystack.where}`);
      }
    }
  }
  return hits;
}

/** Every string inside a parsed JSON value, for looking at a payload's raw field texts. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}

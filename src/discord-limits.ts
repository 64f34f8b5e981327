/**
 * Discord's message limits (docs/discord-limits.md) and the text helpers that keep a
 * view inside them. Lengths are counted in UTF-16 code units, which is never less than
 * what Discord counts, so a string that fits here fits there. Plain data and text, in the
 * base layer: the commands' embeds and the discord adapter's views are both cut with it.
 */
export const DISCORD_LIMITS = {
  content: 2000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  embedTotal: 6000,
  customId: 100,
  buttonLabel: 80,
  buttonsPerRow: 5,
  actionRows: 5,
} as const;

const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `text` cut to at most `max` code units, with an ellipsis when cut. The cut falls on a
 * grapheme boundary, so no emoji, flag or combining sequence is split in half.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const room = max - ELLIPSIS.length;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    if (index + segment.length > room) break;
    end = index + segment.length;
  }
  return text.slice(0, end) + ELLIPSIS;
}

/** Characters Discord's markdown would act on; a backslash before punctuation renders as the character. */
const MARKDOWN = /[\\*_~`|>#[\]<-]/g;

/** User text shown literally: no bold, spoilers, headings, mentions or code blocks from a prompt. */
export function escapeMarkdown(text: string): string {
  return text.replace(MARKDOWN, (char) => `\\${char}`);
}

/**
 * Text from a graph (a caption node) or another untrusted source, shown literally:
 * markdown escaped, and `@everyone` / `@here` broken with a zero-width space so not
 * even a client that ignores allowed_mentions would ping (user and role mentions are
 * already inert: their `<` is escaped).
 */
export function escapeUntrusted(text: string): string {
  return escapeMarkdown(text).replace(/@(everyone|here)/gi, '@\u200b$1');
}

/** Server-provided text for one line: no line breaks, no markdown. */
export function oneLine(text: string, max: number): string {
  return truncate(escapeMarkdown(text.replace(/\s+/g, ' ').trim()), max);
}

import { ComfycordError } from '../errors.ts';

export class BlockedWordError extends ComfycordError {
  constructor(word: string) {
    super('BLOCKED_WORD', `Your prompt contains a word this server does not allow ("${word}"). Please rephrase it.`, {
      context: { word },
    });
  }
}

// Zero-width and bidi control characters can hide a word from a plain substring test.
const INVISIBLE = /[\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g;

/** Lower-cased, compatibility-normalised text with invisible characters removed. */
export function normaliseForMatching(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '').toLowerCase();
}

/** The first blocked word found as a whole word (or phrase) in any of the texts. */
export function findBlockedWord(texts: string[], blocked: string[]): string | null {
  if (blocked.length === 0) return null;
  const haystack = texts.map(normaliseForMatching).join('\n');
  for (const word of blocked) {
    const needle = normaliseForMatching(word);
    if (needle.length === 0) continue;
    const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, 'u').test(haystack)) return word;
  }
  return null;
}

export function assertNoBlockedWords(texts: string[], blocked: string[]): void {
  const word = findBlockedWord(texts, blocked);
  if (word !== null) throw new BlockedWordError(word);
}

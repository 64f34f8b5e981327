import { ComfycordError } from '../errors.ts';
import { foldText, joinSpacedLetters } from './text-fold.ts';
import type { AccessErrorCode } from './error-codes.ts';

export class BlockedWordError extends ComfycordError<AccessErrorCode> {
  constructor(word: string) {
    super('BLOCKED_WORD', `Your prompt contains a word this server does not allow ("${word}"). Please rephrase it.`, {
      context: { word },
    });
  }
}

/**
 * How an entry of BLOCKED_WORDS matches (README "Security and access" says the same):
 *
 * - Both sides are folded first (text-fold.ts): NFKC, invisible characters removed,
 *   accents dropped, Cyrillic/Greek/small-capital lookalikes made Latin, case folded.
 * - An entry must start where a word starts, so its letters inside another word never
 *   match: `gory` does not refuse "allegory", `hell` not "shell".
 * - It ends where the word ends, or after a plain English ending (-s, -es, -ed, -ing, and
 *   -d after an e): `forbiddenword` refuses "forbiddenwords" but not "forbiddenwordsmith".
 *   A trailing `*` takes any ending: `forbidden*` refuses "forbiddenness".
 * - Inside a word, punctuation between letters is skipped ("forbid-den.word"), letters
 *   may be stretched ("forbiddddenword") and the digits or signs that stand for letters
 *   count as those letters ("f0rb1dd3nw0rd", "@$$"). Apostrophes are not skipped, so
 *   `hell` does not refuse "he'll".
 * - Between the words of a phrase, any run of spaces, line breaks and punctuation (or
 *   none) counts as one space: `bad phrase` refuses "bad  phrase", "bad\nphrase",
 *   "bad-phrase", "badphrase".
 * - Letters spelled out one by one ("f o r b i d d e n w o r d") are read joined.
 */

/** What each letter may also be written as. */
const STANDS_FOR: Record<string, string> = { a: '4@', b: '8', e: '3', g: '9', i: '1!', l: '1', o: '0', s: '5$', t: '7', z: '2' };
/** Skipped between the letters of one word: punctuation and symbols except apostrophes and the signs above. */
const IN_WORD = String.raw`[[\p{P}\p{S}]--['’@$!]]*`;
/** Between the words of a phrase: any run of spaces and punctuation, or none. */
const BETWEEN_WORDS = String.raw`[\s\p{P}\p{S}]*`;
const WORD_CHAR = String.raw`[\p{L}\p{N}]`;
const ENDINGS = ['s', 'es', 'ed', 'ing'];
/** Characters that have a meaning inside a `v`-flag class or pattern and must be escaped. */
const SYNTAX = /[\\^$.*+?()[\]{}|/\-&!#%,:;<=>@`~]/gu;

function escape(text: string): string {
  return text.replace(SYNTAX, (c) => `\\${c}`);
}

function letterPattern(letter: string, times: number): string {
  const also = STANDS_FOR[letter] ?? '';
  const one = also === '' ? escape(letter) : `[${escape(letter)}${escape(also)}]`;
  // At least `times` of the letter, stretched further at will, with separators between them.
  return `${one}(?:${IN_WORD}${one}){${times - 1},}`;
}

/** One word of an entry: each run of a letter at least as long, separators skipped between letters. */
function wordPattern(word: string): string {
  const runs: Array<{ letter: string; times: number }> = [];
  for (const letter of word) {
    const last = runs.at(-1);
    if (last?.letter === letter) last.times += 1;
    else runs.push({ letter, times: 1 });
  }
  return runs.map((run) => letterPattern(run.letter, run.times)).join(IN_WORD);
}

interface CompiledEntry {
  entry: string;
  pattern: RegExp;
}

function compile(entry: string): CompiledEntry | null {
  const trimmed = entry.trim();
  const anySuffix = trimmed.endsWith('*');
  const words = foldText(anySuffix ? trimmed.slice(0, -1) : trimmed)
    .split(/[\s\p{P}\p{S}]+/u)
    .filter((word) => word.length > 0);
  const last = words.at(-1);
  if (last === undefined) return null;
  const endings = last.endsWith('e') ? [...ENDINGS, 'd'] : ENDINGS;
  const tail = anySuffix ? '' : `(?:${endings.join('|')})?(?!${WORD_CHAR})`;
  const body = words.map(wordPattern).join(BETWEEN_WORDS);
  return { entry: trimmed, pattern: new RegExp(`(?<!${WORD_CHAR})${body}${tail}`, 'v') };
}

/** BLOCKED_WORDS compiled once; `find` tells which entry a set of texts contains. */
export class BlockedWords {
  readonly #entries: CompiledEntry[];

  constructor(entries: readonly string[]) {
    this.#entries = entries.map(compile).filter((compiled): compiled is CompiledEntry => compiled !== null);
  }

  /** The first entry found in any of the texts (each read as written and with spaced letters joined), or null. */
  find(texts: readonly string[]): string | null {
    if (this.#entries.length === 0) return null;
    const folded = texts.map(foldText);
    const haystacks = [...folded, ...folded.map(joinSpacedLetters)];
    for (const { entry, pattern } of this.#entries) {
      if (haystacks.some((text) => pattern.test(text))) return entry;
    }
    return null;
  }

  /** Throws BlockedWordError naming the entry found. */
  assertNone(texts: readonly string[]): void {
    const entry = this.find(texts);
    if (entry !== null) throw new BlockedWordError(entry);
  }
}

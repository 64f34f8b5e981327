import { foldLookalikes } from './confusables.ts';

/**
 * Text folded for matching, the way a reader would read it: what looks the same is the
 * same. Used on BLOCKED_WORDS entries and on the texts checked against them alike.
 */

/**
 * Characters that show nothing: every default-ignorable code point (zero-width spaces and
 * joiners, U+034F, variation selectors, the Hangul fillers U+115F/U+1160/U+3164/U+FFA0,
 * soft hyphen) and every format character (Unicode Cf: bidi controls, invisible operators).
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/gu;
/** Accents and other combining marks, once NFD has split them from their letters. */
const NONSPACING_MARK = /\p{Mn}/gu;
/** A character repeated more than 3 times in a row: "forbiddddden" reads as "forbidden". */
const LONG_RUN = /(.)\1{3,}/gsu;

/** Compatibility-normalised, invisible characters and accents removed, lookalikes Latin, case-folded. */
export function foldText(text: string): string {
  const visible = text.normalize('NFKC').replace(INVISIBLE, '');
  const unaccented = visible.normalize('NFD').replace(NONSPACING_MARK, '').normalize('NFC');
  const latin = foldLookalikes(unaccented);
  // toLowerCase() leaves ß alone; full case folding makes it "ss".
  return latin.toLowerCase().replaceAll('ß', 'ss').replace(LONG_RUN, '$1$1$1');
}

/** Lower-cased, compatibility-normalised text with invisible characters removed (for loose name lookups). */
export function normaliseForMatching(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '').toLowerCase();
}

const LETTER_OR_DIGIT = String.raw`[\p{L}\p{N}]`;
/** Three or more single letters apart from each other ("f o r b", "f.o.r.b", "f-o-r-b"). */
const SPACED_LETTERS = new RegExp(String.raw`(?<!${LETTER_OR_DIGIT})(?:${LETTER_OR_DIGIT}[\s\p{P}\p{S}]+){2,}${LETTER_OR_DIGIT}(?!${LETTER_OR_DIGIT})`, 'gu');
const SEPARATORS = /[\s\p{P}\p{S}]+/gu;

/** `text` with runs of single spaced-out letters joined into the word they spell. */
export function joinSpacedLetters(text: string): string {
  return text.replace(SPACED_LETTERS, (run) => run.replace(SEPARATORS, ''));
}

/**
 * Letters of other scripts that look like Latin ones, mapped to the Latin letter a reader
 * sees (written here from the glyphs; Unicode's confusables list has the same idea at
 * full size). Upper and lower case are listed apart because they differ: Greek `Η` reads
 * as H but `η` as n, Cyrillic `Н` as H but `н` as a small-capital H. Applied before case
 * folding, after NFKC (which already turns fullwidth, mathematical, circled and
 * superscript letters into plain ones).
 */
const LOOKALIKES: Record<string, string> = {
  // Cyrillic capitals
  А: 'A', В: 'B', Е: 'E', З: '3', І: 'I', Ј: 'J', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Ѕ: 'S', Т: 'T', У: 'Y', Х: 'X',
  Ү: 'Y', Һ: 'H', Ԁ: 'D', Ԛ: 'Q', Ԝ: 'W', Ӏ: 'l', Ԍ: 'G', Ѵ: 'V', Ь: 'b',
  // Cyrillic small letters
  а: 'a', в: 'b', е: 'e', ё: 'e', з: '3', і: 'i', ї: 'i', ј: 'j', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', ѕ: 's', т: 't',
  у: 'y', х: 'x', ү: 'y', һ: 'h', ԁ: 'd', ԛ: 'q', ԝ: 'w', ӏ: 'l', ԍ: 'g', ѵ: 'v', ь: 'b', п: 'n', г: 'r', ѡ: 'w',
  // Greek capitals
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X', Ϲ: 'C', Ϳ: 'J',
  // Greek small letters
  α: 'a', β: 'b', γ: 'y', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', ς: 's', σ: 'o', τ: 't', υ: 'u', χ: 'x', ω: 'w',
  ϲ: 'c', ϳ: 'j', ί: 'i', ό: 'o', ύ: 'u', ά: 'a', έ: 'e', ή: 'n', ώ: 'w', μ: 'u',
  // Latin letters NFKC leaves alone: small capitals, dotless i and j, script forms
  ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ꜰ: 'f', ɢ: 'g', ʜ: 'h', ɪ: 'i', ᴊ: 'j', ᴋ: 'k', ʟ: 'l', ᴍ: 'm', ɴ: 'n', ᴏ: 'o', ᴘ: 'p',
  ʀ: 'r', ꜱ: 's', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ʏ: 'y', ᴢ: 'z', ı: 'i', ȷ: 'j', ɑ: 'a', ɡ: 'g', ɩ: 'i', ɵ: 'o', ƅ: 'b',
};

const LOOKALIKE = new RegExp(`[${Object.keys(LOOKALIKES).join('')}]`, 'gu');

/** `text` with every listed lookalike replaced by its Latin letter. */
export function foldLookalikes(text: string): string {
  return text.replace(LOOKALIKE, (letter) => LOOKALIKES[letter] ?? letter);
}

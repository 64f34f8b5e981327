import { describe, expect, it } from 'vitest';
import { BlockedWordError, BlockedWords } from '../../src/access/blocked-words.ts';

/**
 * GIVEN BLOCKED_WORDS=forbiddenword,bad phrase (the list) THEN every way of
 * writing them that a reader still reads as them is refused; GIVEN words whose letters
 * sit inside innocent words THEN those prompts pass.
 */

const blocked = new BlockedWords(['forbiddenword', 'bad phrase']);

const BYPASSES: Array<[string, string]> = [
  // The six of the issue.
  ['plural', 'a forbiddenwords poster'],
  ['Cyrillic і', 'forb\u0456ddenword'],
  ['combining grapheme joiner U+034F', 'forbidden\u034Fword'],
  ['Hangul filler U+3164', 'forbidden\u3164word'],
  ['two spaces in the phrase', 'a bad  phrase'],
  ['line break in the phrase', 'bad\nphrase'],
  // Case, width and compatibility forms.
  ['capitals', 'FORBIDDENWORD'],
  ['fullwidth', 'ＦＯＲＢＩＤＤＥＮＷＯＲＤ'],
  ['mathematical bold', '𝐟𝐨𝐫𝐛𝐢𝐝𝐝𝐞𝐧𝐰𝐨𝐫𝐝'],
  ['circled letters', 'ⓕⓞⓡⓑⓘⓓⓓⓔⓝⓦⓞⓡⓓ'],
  ['small capitals', 'ʙᴀᴅ ᴘʜʀᴀꜱᴇ'],
  // Invisible and format characters.
  ['zero-width space', 'forbidden\u200Bword'],
  ['zero-width joiner', 'forbid\u200Ddenword'],
  ['word joiner', 'forbidden\u2060word'],
  ['byte-order mark', '\uFEFFforbiddenword'],
  ['soft hyphen', 'forbid\u00ADdenword'],
  ['variation selector 16', 'forbidden\uFE0Fword'],
  ['variation selector 17 (supplement)', 'forbidden\u{E0100}word'],
  ['Hangul choseong filler U+115F', 'forbidden\u115Fword'],
  ['Hangul jungseong filler U+1160', 'forbidden\u1160word'],
  ['halfwidth Hangul filler U+FFA0', 'forbidden\uFFA0word'],
  ['right-to-left override', 'forbidden\u202Eword'],
  ['Mongolian vowel separator', 'forbidden\u180Eword'],
  // Lookalikes of other scripts.
  ['Cyrillic о twice', 'f\u043Erbiddenw\u043Erd'],
  ['Cyrillic capitals', 'F\u041ERBIDDENW\u041ERD'],
  ['Greek alpha', 'b\u03B1d phr\u03B1se'],
  ['Greek capitals', '\u0392\u0391D PHRASE'],
  ['accents', 'forbíddénword'],
  ['combining accent', 'forbi\u0301ddenword'],
  // Spacing, punctuation, stretching, digits.
  ['tab in the phrase', 'bad\tphrase'],
  ['ideographic space in the phrase', 'bad\u3000phrase'],
  ['no-break space in the phrase', 'bad\u00A0phrase'],
  ['hyphen in the phrase', 'bad-phrase'],
  ['underscore in the phrase', 'bad_phrase'],
  ['dots and spaces in the phrase', 'bad . . . phrase'],
  ['phrase written together', 'BadPhrase'],
  ['punctuation inside the word', 'forbid-den.word'],
  ['letters spelled out', 'f o r b i d d e n w o r d'],
  ['letters with dots', 'f.o.r.b.i.d.d.e.n.w.o.r.d'],
  ['stretched letters', 'forbiddddddenwoooord'],
  ['digits for letters', 'f0rb1dd3nw0rd'],
  ['other endings', 'forbiddenworded, forbiddenwording'],
  ['inside other text', 'a castle, (forbiddenword), at dusk'],
];

const INNOCENT = [
  'an allegory of spring in a category of its own',
  'hello, a shell on the beach, Michelle and a hellebore',
  "he'll paint a classic bass guitar in a grassy field",
  'an embassy at sunset, assets assembled, an assassin in the passage',
  'cumulus clouds over a document, cumin on the table',
  'a titan reading the title page of a petite book',
  'the forbidden city at night, words on a wall',
  'a bad dog with a phrasebook',
  'abaddon phrased it differently',
  'forbiddenwordsmith at the forge',
  'Москва in winter, καλός ήλιος',
  'a 1024x1024 render, 3d, 8k, f/1.8',
];

describe('BLOCKED_WORDS=forbiddenword,bad phrase', () => {
  it(`refuses all ${BYPASSES.length} ways of writing them`, () => {
    expect(BYPASSES.length).toBeGreaterThanOrEqual(25);
    const missed = BYPASSES.filter(([, text]) => blocked.find([text]) === null).map(([what]) => what);
    expect(missed).toEqual([]);
  });

  it('names the entry it found, in the error the user sees', () => {
    expect(blocked.find(['bad\nphrase'])).toBe('bad phrase');
    expect(() => blocked.assertNone(['ok', 'f0rbiddenword'])).toThrow(BlockedWordError);
    expect(() => blocked.assertNone(['forbiddenwords'])).toThrow('Your prompt contains a word this server does not allow ("forbiddenword"). Please rephrase it.');
  });
});

describe('innocent prompts whose words contain the letters of a blocked word', () => {
  const list = new BlockedWords(['forbiddenword', 'bad phrase', 'gory', 'hell', 'ass', 'cum', 'tit']);

  it(`accepts all ${INNOCENT.length}`, () => {
    expect(INNOCENT.length).toBeGreaterThanOrEqual(10);
    const refused = INNOCENT.filter((text) => list.find([text]) !== null).map((text) => `${text} → ${list.find([text])}`);
    expect(refused).toEqual([]);
  });

  it('while the words themselves and their plain endings are refused', () => {
    for (const text of ['Gory', 'hells', 'a$$', 'asses', 'cum', 't1t']) expect(list.find([text]), text).not.toBeNull();
  });
});

describe('entries', () => {
  it('a trailing * takes any ending; without it, only plain endings', () => {
    const star = new BlockedWords(['forbidden*']);
    expect(star.find(['forbiddenness'])).toBe('forbidden*');
    expect(star.find(['FORBIDDENly'])).toBe('forbidden*');
    expect(star.find(['unforbidden'])).toBeNull();
    const plain = new BlockedWords(['forbidden']);
    expect(plain.find(['forbiddenness'])).toBeNull();
    expect(plain.find(['forbiddens'])).toBe('forbidden');
  });

  it('an entry written in lookalikes or capitals is folded like the text', () => {
    expect(new BlockedWords(['ＢＡＤ  Phr\u0430se']).find(['bad phrase'])).toBe('ＢＡＤ  Phr\u0430se');
  });

  it('ignores empty entries and an empty list', () => {
    expect(new BlockedWords([]).find(['anything'])).toBeNull();
    expect(new BlockedWords(['', ' ', '*', '\u200B']).find(['anything at all'])).toBeNull();
  });

  it('stays fast on long hostile input (a 6,000-character prompt of separators and lookalike digits)', () => {
    const list = new BlockedWords(['forbiddenword', 'bad phrase', 'ass', 'sissies', 'lil']);
    const hostile = ['$@!|'.repeat(1500), '1l1l'.repeat(1500), 's$5.'.repeat(1500), 'bad '.repeat(1500)];
    const started = performance.now();
    for (const text of hostile) list.find([text]);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

import { describe, expect, it } from 'vitest';
import { PREFIX_LENGTH, SecretFinder } from '../../src/redact/secret-finder.ts';
import { secretPattern } from '../../src/redact/secret-pattern.ts';
import { MIN_SECRET_LENGTH } from '../../src/redact/redactor.ts';

/** A small deterministic generator, so a failure prints the same case again. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&#60;', '>': '&#x3e;', '"': '&quot;', "'": '&apos;' };

/** One character written in one of the forms secret-pattern.ts lists, picked at random. */
function escapeChar(char: string, next: () => number): string {
  const forms = [
    char,
    `\\${char}`,
    [...Array.from({ length: char.length }, (_, i) => char.charCodeAt(i))].map((unit) => `\\u${unit.toString(16).padStart(4, '0')}`).join(''),
    [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
    ...(char === ' ' ? ['+'] : []),
    ...(ENTITY[char] ? [ENTITY[char]] : []),
  ];
  return forms[Math.floor(next() * forms.length)]!;
}

const ALPHABET = [...'abcXYZ019-_./:=&<>"\' \\%+é€', '😀'];

describe('SecretFinder', () => {
  it('finds a secret in every escaping the secret pattern describes, where the pattern finds it', () => {
    const next = random(12);
    for (let round = 0; round < 400; round += 1) {
      const length = PREFIX_LENGTH + Math.floor(next() * 10);
      const secret = Array.from({ length }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]!).join('');
      const written = [...secret].map((char) => escapeChar(char, next)).join('');
      const text = `before ${written} after`;
      const finder = new SecretFinder();
      finder.add(secret);
      const spans = finder.find(text);
      const pattern = new RegExp(secretPattern(secret), 'g');
      const matches = [...text.matchAll(pattern)].map((match) => [match.index, match.index + match[0].length] as const);
      // Where the pattern matches, a span of the finder covers the match.
      expect(matches.length, `round ${round}: ${JSON.stringify(secret)} as ${JSON.stringify(written)}`).toBeGreaterThan(0);
      for (const [start, end] of matches) {
        expect(spans.some(([from, to]) => from <= start && to >= end), `round ${round}: ${JSON.stringify(written)}`).toBe(true);
      }
      // And the finder cuts nothing the pattern would not: each span is a reading of the secret.
      for (const [from, to] of spans) expect(new RegExp(`^(?:${secretPattern(secret)})$`).test(text.slice(from, to))).toBe(true);
    }
  });

  it('finds each of many secrets, and forgets a deleted one', () => {
    const finder = new SecretFinder();
    const tokens = Array.from({ length: 1000 }, (_, i) => `aW50ZXJhY3Rpb246${i.toString(36).padStart(6, '0')}${'Q'.repeat(100)}`);
    for (const token of tokens) finder.add(token);
    const text = `{"content":"see ${tokens[737]!} and ${tokens[3]!.replace('a', '%61')}"}`;
    expect(finder.find(text).map(([from, to]) => text.slice(from, to)).sort()).toEqual([tokens[737], tokens[3]!.replace('a', '%61')].sort());
    finder.delete(tokens[737]!);
    expect(finder.find(text).map(([from, to]) => text.slice(from, to))).toEqual([tokens[3]!.replace('a', '%61')]);
  });

  it('stays linear on a text built to branch: a secret of backslashes in 5,000 backslashes', () => {
    const finder = new SecretFinder();
    finder.add('\\'.repeat(8));
    const spans = finder.find('\\'.repeat(5_000));
    expect(spans.length).toBeGreaterThan(4_900);
  });

  it('takes no secret shorter than its prefix, and the redactor never asks it to', () => {
    expect(() => new SecretFinder().add('short')).toThrow(RangeError);
    expect(MIN_SECRET_LENGTH).toBeGreaterThanOrEqual(PREFIX_LENGTH);
  });
});

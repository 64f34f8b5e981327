/**
 * Finds where known secrets occur in a text, however each character was escaped on the
 * way: the same forms secret-pattern.ts describes (raw, a backslash before it, JSON
 * `\uXXXX` per UTF-16 unit, URL `%XX` per UTF-8 byte, `+` for a space, HTML entities),
 * each character in any of them independently.
 *
 * It reads the text once: at each position it spells out the first PREFIX_LENGTH
 * characters every way the escapes allow, looks that prefix up among the secrets, and
 * follows only the secrets that start with it. Adding a secret is a map insert. One
 * regular expression for hundreds of interaction tokens did the same search, but was
 * compiled again on every new token, which held the event loop for seconds in a burst
 * of interactions (bench/scale.ts, issue 12.3).
 */

/** Secrets are indexed by this many leading characters; none shorter is ever searched for. */
export const PREFIX_LENGTH = 6;

const ENTITIES: ReadonlyArray<readonly [string, number]> = [
  ['&amp;', 0x26],
  ['&#38;', 0x26],
  ['&#x26;', 0x26],
  ['&lt;', 0x3c],
  ['&#60;', 0x3c],
  ['&#x3c;', 0x3c],
  ['&gt;', 0x3e],
  ['&#62;', 0x3e],
  ['&#x3e;', 0x3e],
  ['&quot;', 0x22],
  ['&#34;', 0x22],
  ['&#x22;', 0x22],
  ['&#39;', 0x27],
  ['&#x27;', 0x27],
  ['&apos;', 0x27],
];

const HEX = /^[0-9a-fA-F]{2}$/;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** A character read at some position: its code point and where the next one starts. */
interface Step {
  codePoint: number;
  next: number;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** The code point written raw at `at`, and its length in UTF-16 units. */
function rawAt(text: string, at: number): Step | null {
  const codePoint = text.codePointAt(at);
  if (codePoint === undefined) return null;
  return { codePoint, next: at + (codePoint > 0xffff ? 2 : 1) };
}

/** `\uXXXX` (and a second one for the low half of a pair) at `at`. */
function jsonEscapeAt(text: string, at: number): Step | null {
  if (text[at] !== '\\' || text[at + 1] !== 'u') return null;
  const hex = text.slice(at + 2, at + 6);
  if (!HEX4.test(hex)) return null;
  const unit = Number.parseInt(hex, 16);
  if (isHighSurrogate(unit) && text[at + 6] === '\\' && text[at + 7] === 'u') {
    const low = text.slice(at + 8, at + 12);
    const lowUnit = HEX4.test(low) ? Number.parseInt(low, 16) : -1;
    if (isLowSurrogate(lowUnit)) return { codePoint: 0x10000 + ((unit - 0xd800) << 10) + (lowUnit - 0xdc00), next: at + 12 };
  }
  return { codePoint: unit, next: at + 6 };
}

/** `%XX` bytes at `at` that spell one UTF-8 character. */
function urlEscapeAt(text: string, at: number): Step | null {
  const byte = (offset: number): number => {
    const hex = text.slice(offset + 1, offset + 3);
    return text[offset] === '%' && HEX.test(hex) ? Number.parseInt(hex, 16) : -1;
  };
  const first = byte(at);
  if (first < 0) return null;
  if (first < 0x80) return { codePoint: first, next: at + 3 };
  const length = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 0;
  if (length === 0) return null;
  const bytes = [first];
  for (let i = 1; i < length; i += 1) {
    const continuation = byte(at + 3 * i);
    if (continuation < 0x80 || continuation > 0xbf) return null;
    bytes.push(continuation);
  }
  const decoded = Buffer.from(bytes).toString('utf8');
  const codePoint = decoded.codePointAt(0);
  if (codePoint === undefined || codePoint === 0xfffd || decoded.length !== (codePoint > 0xffff ? 2 : 1)) return null;
  return { codePoint, next: at + 3 * length };
}

/** Every way a character can be read starting at `at`. */
function stepsAt(text: string, at: number): Step[] {
  const raw = rawAt(text, at);
  if (raw === null) return [];
  const steps = [raw];
  const char = text[at];
  if (char === '\\') {
    const escaped = rawAt(text, at + 1);
    if (escaped !== null) steps.push(escaped);
    const json = jsonEscapeAt(text, at);
    if (json !== null) steps.push(json);
  } else if (char === '%') {
    const url = urlEscapeAt(text, at);
    if (url !== null) steps.push(url);
  } else if (char === '+') {
    steps.push({ codePoint: 0x20, next: at + 1 });
  } else if (char === '&') {
    for (const [entity, codePoint] of ENTITIES) if (text.startsWith(entity, at)) steps.push({ codePoint, next: at + entity.length });
  }
  return steps;
}

export class SecretFinder {
  /** The first PREFIX_LENGTH characters → the secrets (as code points) that start with them. */
  readonly #byPrefix = new Map<string, Map<string, number[]>>();
  /** Every shorter start of those prefixes, with how many prefixes share it: spelling stops where none does. */
  readonly #partials = new Map<string, number>();

  /** Searches for `secret` from now on; it must be at least PREFIX_LENGTH characters. */
  add(secret: string): void {
    const codePoints = [...secret].map((char) => char.codePointAt(0)!);
    if (codePoints.length < PREFIX_LENGTH) throw new RangeError(`a secret is at least ${PREFIX_LENGTH} characters`);
    const prefix = String.fromCodePoint(...codePoints.slice(0, PREFIX_LENGTH));
    let secrets = this.#byPrefix.get(prefix);
    if (secrets === undefined) {
      secrets = new Map();
      this.#byPrefix.set(prefix, secrets);
      this.#countPartials(prefix, 1);
    }
    secrets.set(secret, codePoints);
  }

  delete(secret: string): void {
    const prefix = [...secret].slice(0, PREFIX_LENGTH).join('');
    const secrets = this.#byPrefix.get(prefix);
    if (secrets === undefined) return;
    secrets.delete(secret);
    if (secrets.size > 0) return;
    this.#byPrefix.delete(prefix);
    this.#countPartials(prefix, -1);
  }

  #countPartials(prefix: string, change: 1 | -1): void {
    const chars = [...prefix];
    for (let length = 1; length < PREFIX_LENGTH; length += 1) {
      const partial = chars.slice(0, length).join('');
      const count = (this.#partials.get(partial) ?? 0) + change;
      if (count > 0) this.#partials.set(partial, count);
      else this.#partials.delete(partial);
    }
  }

  get isEmpty(): boolean {
    return this.#byPrefix.size === 0;
  }

  /** Every stretch [start, end) of `text` that spells a secret, in no particular order. */
  find(text: string): Array<[number, number]> {
    const spans: Array<[number, number]> = [];
    if (this.#byPrefix.size === 0) return spans;
    for (let start = 0; start < text.length; start += 1) {
      this.#prefixesFrom(text, start, '', 0, (prefix, after) => {
        const secrets = this.#byPrefix.get(prefix);
        if (secrets === undefined) return;
        for (const codePoints of secrets.values()) {
          const end = this.#rest(text, after, codePoints, PREFIX_LENGTH, new Map());
          if (end !== -1) spans.push([start, end]);
        }
      });
    }
    return spans;
  }

  /** Spells PREFIX_LENGTH characters from `at` every possible way; calls `found` with each. */
  #prefixesFrom(text: string, at: number, spelled: string, count: number, found: (prefix: string, after: number) => void): void {
    if (count === PREFIX_LENGTH) {
      found(spelled, at);
      return;
    }
    for (const step of stepsAt(text, at)) {
      const next = spelled + String.fromCodePoint(step.codePoint);
      // No secret starts this way: stop here. Most positions end at the first character.
      if (count + 1 < PREFIX_LENGTH && !this.#partials.has(next)) continue;
      this.#prefixesFrom(text, step.next, next, count + 1, found);
    }
  }

  /**
   * Where the secret ends when its characters from `index` on can be read from `at`; -1
   * when they cannot. The longest reading wins. `seen` keeps each (position, index) once,
   * so a secret of backslashes against a text of backslashes stays linear.
   */
  #rest(text: string, at: number, codePoints: readonly number[], index: number, seen: Map<number, number>): number {
    if (index === codePoints.length) return at;
    const key = at * (codePoints.length + 1) + index;
    const known = seen.get(key);
    if (known !== undefined) return known;
    let best = -1;
    for (const step of stepsAt(text, at)) {
      if (step.codePoint !== codePoints[index]) continue;
      best = Math.max(best, this.#rest(text, step.next, codePoints, index + 1, seen));
    }
    seen.set(key, best);
    return best;
  }
}

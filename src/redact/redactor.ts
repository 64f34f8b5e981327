import { SecretFinder } from './secret-finder.ts';
import { secretPattern } from './secret-pattern.ts';

/**
 * The one place that knows the process's secrets and cuts them out of text before the
 * text leaves: log lines, Discord payloads, CLI output. It is fed at start-up with
 * every secret the configuration holds (see config-secrets.ts) and, while running,
 * with values that appear on the way (interaction tokens).
 *
 * A value shorter than MIN_SECRET_LENGTH is never searched for alone: a 4-letter
 * password would otherwise turn every "pass" in a prompt into "[redacted]". Such a
 * value is redacted only where it stands next to what marks it as a secret (its
 * header name, `Basic `, `user:`), and `add` says it was not taken so the caller can
 * warn the operator.
 */

export const REDACTED = '[redacted]';
/** Never below secret-finder.ts's PREFIX_LENGTH, which indexes secrets by that many characters. */
export const MIN_SECRET_LENGTH = 6;

export interface RedactorOptions {
  /** Most runtime values (interaction tokens) kept at once; the oldest go first. Default 1000. */
  maxRuntimeSecrets?: number;
  /** How long a runtime value is kept, ms. Default 20 minutes (an interaction token lives 15). */
  runtimeTtlMs?: number;
  /** Injected clock. */
  now?: () => number;
}

export class Redactor {
  /** Configured secrets searched for alone, kept for the life of the process. */
  readonly #fixed = new Set<string>();
  /** Pattern sources of secrets cut only after their marker (addAfterMarker). */
  readonly #afterMarker = new Map<string, string>();
  #markerPattern: RegExp | null = null;
  #markerDirty = false;
  /** Runtime values with the time they were added (refreshed when seen again), oldest first. */
  readonly #runtime = new Map<string, number>();
  /** Both the configured and the runtime values; adding one is a map insert, not a recompile. */
  readonly #finder = new SecretFinder();
  readonly #maxRuntime: number;
  readonly #runtimeTtlMs: number;
  readonly #now: () => number;

  constructor(options: RedactorOptions = {}) {
    this.#maxRuntime = options.maxRuntimeSecrets ?? 1000;
    this.#runtimeTtlMs = options.runtimeTtlMs ?? 20 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** A secret to cut wherever it appears. False (and nothing added) when it is too short to search for alone. */
  add(secret: string): boolean {
    const value = secret.trim();
    if (value.length < MIN_SECRET_LENGTH) return false;
    this.#fixed.add(value);
    this.#finder.add(value);
    return true;
  }

  /**
   * A secret cut only where `marker` (a header name, `Basic`) stands right before it,
   * separated by `:`, `=`, quotes or spaces. For values too short to search for alone.
   */
  addAfterMarker(marker: string, secret: string): void {
    const value = secret.trim();
    if (value === '') return;
    const key = `${marker}\u0000${value}`;
    if (this.#afterMarker.has(key)) return;
    const markerSource = `(?:${[...marker].map((char) => (/[a-z]/i.test(char) ? `[${char.toLowerCase()}${char.toUpperCase()}]` : secretPattern(char))).join('')})`;
    // Behind a lookbehind, so the marker itself (a header name) stays readable.
    this.#afterMarker.set(key, `(?<=${markerSource}(?:\\\\?["']|\\s|[:=])*)${secretPattern(value)}`);
    this.#markerDirty = true;
  }

  /** A value seen while running (an interaction token): kept for a while, then forgotten. */
  addRuntime(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    const known = this.#runtime.delete(secret);
    this.#runtime.set(secret, this.#now());
    if (known) return;
    this.#finder.add(secret);
    while (this.#runtime.size > this.#maxRuntime) {
      const oldest = this.#runtime.keys().next();
      if (oldest.done === true) break;
      this.#forget(oldest.value);
    }
  }

  /** How many values are searched for (configured and runtime). */
  get size(): number {
    this.#expire();
    return this.#fixed.size + this.#afterMarker.size + this.#runtime.size;
  }

  /** `text` with every known secret, in any escaped form, replaced by REDACTED. */
  scrub(text: string): string {
    if (text === '') return text;
    this.#expire();
    const spans = this.#finder.find(text);
    const markers = this.#markers();
    if (markers !== null) {
      markers.lastIndex = 0;
      for (const match of text.matchAll(markers)) spans.push([match.index, match.index + match[0].length]);
    }
    return cutSpans(text, spans);
  }

  /** A copy of `value` with every string in it (at any depth) scrubbed; keys are kept. */
  scrubDeep<T>(value: T): T {
    return this.#deep(value, 0) as T;
  }

  #deep(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (typeof value !== 'object' || value === null || depth > 32) return value;
    if (Array.isArray(value)) return value.map((item) => this.#deep(item, depth + 1));
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.#deep(item, depth + 1)]));
  }

  #forget(secret: string): void {
    this.#runtime.delete(secret);
    // A configured secret that was also seen at runtime stays searched for.
    if (!this.#fixed.has(secret)) this.#finder.delete(secret);
  }

  #expire(): void {
    const cutoff = this.#now() - this.#runtimeTtlMs;
    for (const [secret, addedAt] of this.#runtime) {
      if (addedAt >= cutoff) break;
      this.#forget(secret);
    }
  }

  #markers(): RegExp | null {
    if (this.#markerDirty) {
      // Longest first, so a value that contains another is cut whole.
      const sources = [...this.#afterMarker.entries()].sort((a, b) => b[0].length - a[0].length).map(([, source]) => source);
      this.#markerPattern = sources.length === 0 ? null : new RegExp(sources.join('|'), 'g');
      this.#markerDirty = false;
    }
    return this.#markerPattern;
  }
}

/** `text` with each run of overlapping spans replaced by one REDACTED. */
function cutSpans(text: string, spans: Array<[number, number]>): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  let [start, end] = spans[0]!;
  for (const [from, to] of spans.slice(1)) {
    if (from <= end) {
      end = Math.max(end, to);
      continue;
    }
    out += text.slice(at, start) + REDACTED;
    at = end;
    [start, end] = [from, to];
  }
  return out + text.slice(at, start) + REDACTED + text.slice(end);
}

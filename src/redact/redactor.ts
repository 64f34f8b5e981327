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
  /** Pattern sources of configured secrets, kept for the life of the process. */
  readonly #fixed = new Map<string, string>();
  /** Runtime values with the time they were added and their pattern source, oldest first. */
  readonly #runtime = new Map<string, { addedAt: number; source: string }>();
  readonly #maxRuntime: number;
  readonly #runtimeTtlMs: number;
  readonly #now: () => number;
  #pattern: RegExp | null = null;
  #dirty = true;

  constructor(options: RedactorOptions = {}) {
    this.#maxRuntime = options.maxRuntimeSecrets ?? 1000;
    this.#runtimeTtlMs = options.runtimeTtlMs ?? 20 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** A secret to cut wherever it appears. False (and nothing added) when it is too short to search for alone. */
  add(secret: string): boolean {
    const value = secret.trim();
    if (value.length < MIN_SECRET_LENGTH) return false;
    if (!this.#fixed.has(value)) {
      this.#fixed.set(value, secretPattern(value));
      this.#dirty = true;
    }
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
    if (this.#fixed.has(key)) return;
    const markerSource = `(?:${[...marker].map((char) => (/[a-z]/i.test(char) ? `[${char.toLowerCase()}${char.toUpperCase()}]` : secretPattern(char))).join('')})`;
    // Behind a lookbehind, so the marker itself (a header name) stays readable.
    this.#fixed.set(key, `(?<=${markerSource}(?:\\\\?["']|\\s|[:=])*)${secretPattern(value)}`);
    this.#dirty = true;
  }

  /** A value seen while running (an interaction token): kept for a while, then forgotten. */
  addRuntime(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    const known = this.#runtime.get(secret);
    this.#runtime.delete(secret);
    this.#runtime.set(secret, { addedAt: this.#now(), source: known?.source ?? secretPattern(secret) });
    while (this.#runtime.size > this.#maxRuntime) {
      const oldest = this.#runtime.keys().next();
      if (oldest.done === true) break;
      this.#runtime.delete(oldest.value);
      this.#dirty = true;
    }
    if (known === undefined) this.#dirty = true;
  }

  /** How many values are searched for (configured and runtime). */
  get size(): number {
    this.#expire();
    return this.#fixed.size + this.#runtime.size;
  }

  /** `text` with every known secret, in any escaped form, replaced by REDACTED. */
  scrub(text: string): string {
    const pattern = this.#current();
    if (pattern === null || text === '') return text;
    pattern.lastIndex = 0;
    return text.replace(pattern, REDACTED);
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

  #expire(): void {
    const cutoff = this.#now() - this.#runtimeTtlMs;
    for (const [secret, { addedAt }] of this.#runtime) {
      if (addedAt >= cutoff) break;
      this.#runtime.delete(secret);
      this.#dirty = true;
    }
  }

  #current(): RegExp | null {
    this.#expire();
    if (!this.#dirty) return this.#pattern;
    // Longest first, so a secret that contains another is cut whole.
    const sources = [
      ...[...this.#fixed.entries()].map(([secret, source]) => ({ length: secret.length, source })),
      ...[...this.#runtime.entries()].map(([secret, { source }]) => ({ length: secret.length, source })),
    ].sort((a, b) => b.length - a.length);
    this.#pattern = sources.length === 0 ? null : new RegExp(sources.map((entry) => entry.source).join('|'), 'g');
    this.#dirty = false;
    return this.#pattern;
  }
}

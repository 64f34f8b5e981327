import { randomBytes } from 'node:crypto';
import type { RemixImage } from './remix-image.ts';
import type { RemixMode } from './remix-modal.ts';

/** What the Remix modal needs once it is submitted; too long for a custom_id (CDN URLs run past 100 chars). */
export interface RemixTarget {
  imageUrl: string;
  /** The message's further images (at most two), for Remix → Edit's image2 and image3; checked when the Edit is submitted. */
  references?: RemixImage[];
  channelId: string | null;
  /** Only the person who opened the modal may submit it. */
  userId: string;
  /** Filled into the modal; kept so a second attempt can start from it. */
  prompt: string;
  /** What the form's Mode offered (Remix, Edit, and Animate where the channel has it): the submit may pick only one of these. */
  modes: readonly RemixMode[];
}

export interface RemixStashOptions {
  /** How long an opened modal stays usable; Discord keeps a modal open for at most 15 minutes. */
  ttlMs?: number;
  /** Entries kept at most; the oldest go first, so a flood of opened modals cannot grow memory. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  target: RemixTarget;
  expiresAt: number;
}

/** 16 hex characters: unguessable enough for a 15-minute, user-bound key. */
const KEY = /^[0-9a-f]{16}$/;

/**
 * Short-lived keys for opened Remix modals: the context menu stores the image URL
 * under a random key, the modal's custom_id carries the key, the submit looks it up.
 * In memory on purpose: a modal cannot outlive its 15 minutes, nor should the key a
 * restart. An instance is owned by the command table, not the module.
 */
export class RemixStash {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: RemixStashOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 15 * 60_000;
    this.#maxEntries = options.maxEntries ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  put(target: RemixTarget): string {
    this.#prune();
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    let key = randomBytes(8).toString('hex');
    while (this.#entries.has(key)) key = randomBytes(8).toString('hex');
    this.#entries.set(key, { target, expiresAt: this.#now() + this.#ttlMs });
    return key;
  }

  /** The target for `key` if it exists, is not expired and belongs to `userId`; null otherwise. */
  get(key: string, userId: string): RemixTarget | null {
    if (!KEY.test(key)) return null;
    const entry = this.#entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return null;
    }
    return entry.target.userId === userId ? entry.target : null;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Entries are kept in insertion order, and all share one TTL, so expired ones are at the front. */
  #prune(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#entries.delete(key);
    }
  }
}

import type { Logger } from '../log.ts';
import { cancelOnServer } from './cancel-run.ts';
import type { ComfyHttp } from './http.ts';
import type { ServerFeatures } from './server-features.ts';

/**
 * Prompts this client gave up on while their server was unreachable (their jobs went
 * to another server). A server that comes back may still hold them — a network
 * partition, not a restart — so once it answers again each is deleted from its queue,
 * or interrupted by its prompt id if it is running: its GPU time belongs to new work,
 * and its result must never be delivered a second time (its route is gone, so nothing
 * listens for it). Bounded: the oldest ids are dropped past MAX_REMEMBERED.
 */

const MAX_REMEMBERED = 1_000;

export class AbandonedPrompts {
  readonly #ids = new Set<string>();
  readonly #http: ComfyHttp;
  readonly #log: Logger;
  readonly #features: ServerFeatures;
  #cleaning: Promise<void> | null = null;

  constructor(http: ComfyHttp, features: ServerFeatures, log: Logger) {
    this.#http = http;
    this.#features = features;
    this.#log = log;
  }

  get size(): number {
    return this.#ids.size;
  }

  add(promptIds: Iterable<string>): void {
    for (const id of promptIds) this.#ids.add(id);
    for (const id of this.#ids) {
      if (this.#ids.size <= MAX_REMEMBERED) break;
      this.#ids.delete(id);
    }
  }

  /** Called when the server is reachable again; ids it still holds are taken off it, the rest forgotten. */
  clean(): Promise<void> {
    if (this.#ids.size === 0) return Promise.resolve();
    this.#cleaning ??= this.#cleanOnce().finally(() => {
      this.#cleaning = null;
    });
    return this.#cleaning;
  }

  async #cleanOnce(): Promise<void> {
    try {
      const queue = await this.#http.queue();
      const pending = queue.pending.map((entry) => entry.promptId).filter((id) => this.#ids.has(id));
      const running = queue.running.map((entry) => entry.promptId).filter((id) => this.#ids.has(id));
      // One by one through the cancel path: a pending prompt that starts meanwhile is interrupted instead.
      for (const id of pending) await cancelOnServer(this.#http, this.#features, id, false, this.#log);
      for (const id of running) await cancelOnServer(this.#http, this.#features, id, true, this.#log);
      if (pending.length + running.length > 0) {
        this.#log.warn({ deleted: pending, interrupted: running }, 'comfy server came back holding prompts whose jobs moved; taken off it');
      }
      this.#ids.clear();
    } catch (error) {
      // Still unreachable after all: kept for the next time it is back.
      this.#log.warn({ err: error, prompts: this.#ids.size }, 'comfy: could not take abandoned prompts off the server yet');
    }
  }
}

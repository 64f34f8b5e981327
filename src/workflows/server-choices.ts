import { isPlainObject } from './graph.ts';
import type { ObjectInfo } from './object-info.ts';
import { comboChoices } from './object-info.ts';
import type { ChoiceSource } from './option-values.ts';

export interface ServerChoicesOptions {
  /** How long a fetched /object_info stays fresh. Default 5 minutes: new models show up without a restart. */
  readonly ttlMs?: number;
  /** After a failed fetch, how long to keep serving the old lists (or the error) before trying again. Default 15 s. */
  readonly retryMs?: number;
  /** Clock, for tests. Default Date.now. */
  readonly now?: () => number;
}

/**
 * The server's own choice lists (checkpoints, LoRAs, samplers, upscale models), from
 * /object_info, cached and refreshed now and then so users pick what the server really
 * has. Concurrent callers share one fetch. When a refresh fails, the last good lists keep
 * serving until the next attempt; with no lists yet, the fetch error is thrown.
 */
export class ServerChoices implements ChoiceSource {
  readonly #fetch: () => Promise<ObjectInfo>;
  readonly #ttlMs: number;
  readonly #retryMs: number;
  readonly #now: () => number;
  #info: ObjectInfo | undefined;
  #fetchedAt = 0;
  #retryAt = 0;
  #lastError: unknown;
  #inFlight: Promise<{ cause: unknown } | undefined> | undefined;

  constructor(fetchObjectInfo: () => Promise<ObjectInfo>, options: ServerChoicesOptions = {}) {
    this.#fetch = fetchObjectInfo;
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#retryMs = options.retryMs ?? 15_000;
    this.#now = options.now ?? Date.now;
  }

  /** The choices for `className.input`, fetching /object_info first when the cache is stale. */
  async get(className: string, input: string): Promise<readonly string[] | undefined> {
    return comboChoices(await this.objectInfo(), className, input);
  }

  /** The whole /object_info, fresh within the TTL (for checkTemplateAgainstServer). */
  async objectInfo(): Promise<ObjectInfo> {
    const now = this.#now();
    const stale = this.#info === undefined || now - this.#fetchedAt >= this.#ttlMs;
    if (stale && now >= this.#retryAt) await this.#load();
    if (this.#info === undefined) throw this.#lastError;
    return this.#info;
  }

  /**
   * Before a job is checked against the lists: with none cached yet, waits up to
   * `maxWaitMs` for the first fetch (joining one already running); with stale lists,
   * starts a refresh in the background and returns at once. Never throws: without lists
   * the job is checked by ComfyUI itself.
   */
  async settle(maxWaitMs: number): Promise<void> {
    const now = this.#now();
    if (this.#info !== undefined) {
      if (now - this.#fetchedAt >= this.#ttlMs && now >= this.#retryAt) void this.#load();
      return;
    }
    if (this.#inFlight === undefined && now < this.#retryAt) return;
    const load = this.#inFlight ?? this.#load();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxWaitMs);
    });
    await Promise.race([load, waited]);
    clearTimeout(timer);
  }

  /** Fetches now, whatever the age of the cache. */
  async refresh(): Promise<void> {
    const error = await this.#load();
    if (error !== undefined) throw error.cause;
  }

  /** The cached choices without fetching (for Discord autocomplete, which must answer at once); undefined before the first fetch. */
  peek(className: string, input: string): readonly string[] | undefined {
    return this.#info === undefined ? undefined : comboChoices(this.#info, className, input);
  }

  /** When the cached lists were fetched (ms, from the clock), or undefined if never. */
  get fetchedAt(): number | undefined {
    return this.#info === undefined ? undefined : this.#fetchedAt;
  }

  /** Resolves with the failure (wrapped, since anything can be thrown), or undefined on success. */
  #load(): Promise<{ cause: unknown } | undefined> {
    this.#inFlight ??= Promise.resolve().then(() => this.#fetch()).then(
      (info) => {
        if (!isPlainObject(info)) throw new TypeError('/object_info did not return an object');
        return info;
      },
    ).then(
      (info) => {
        this.#info = info;
        this.#fetchedAt = this.#now();
        this.#lastError = undefined;
        this.#retryAt = 0;
        return undefined;
      },
      (error: unknown) => {
        this.#lastError = error;
        this.#retryAt = this.#now() + this.#retryMs;
        return { cause: error };
      },
    ).finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }
}

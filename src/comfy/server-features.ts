import type { Logger } from '../log.ts';
import type { ComfyHttp } from './http.ts';

/**
 * What this ComfyUI server can do, found out from the server itself, never from its
 * version number: the feature flags it sends on the socket (or GET /features), and
 * whether it has the jobs API (GET /api/jobs). Forgotten when the socket reconnects:
 * the process behind the URL may have been replaced by another version meanwhile.
 */

type Flags = Record<string, unknown>;

export class ServerFeatures {
  readonly #http: ComfyHttp;
  readonly #log: Logger;
  #flags: Flags | null = null;
  #flagsLookup: Promise<Flags> | null = null;
  #jobsApi: Promise<boolean> | null = null;

  constructor(http: ComfyHttp, log: Logger) {
    this.#http = http;
    this.#log = log;
  }

  /** The socket's `feature_flags` answer (parsed at the edge): the freshest word on them. */
  setFlags(flags: Flags): void {
    this.#flags = flags;
  }

  /** The socket came up again: ask anew. */
  forget(): void {
    this.#flags = null;
    this.#flagsLookup = null;
    this.#jobsApi = null;
  }

  /** Flags from the socket, else GET /features once; a server without that route has none. */
  async flags(): Promise<Flags> {
    if (this.#flags !== null) return this.#flags;
    this.#flagsLookup ??= this.#http.features().catch((error: unknown) => {
      // Not cached: a server that could not answer now may answer the next time.
      this.#flagsLookup = null;
      throw error;
    });
    return this.#flagsLookup;
  }

  /** `max_upload_size` in bytes, or null when the server does not say (older than the flag, or no /features). */
  async maxUploadSize(): Promise<number | null> {
    let flags: Flags;
    try {
      flags = await this.flags();
    } catch (error) {
      this.#log.debug({ err: error }, 'comfy feature flags unreadable; upload size not checked before sending');
      return null;
    }
    const size = flags['max_upload_size'];
    return typeof size === 'number' && Number.isFinite(size) && size > 0 ? size : null;
  }

  /**
   * Whether GET /api/jobs/{id} and POST /api/jobs/{id}/cancel exist. Asked once per
   * connection; a failed probe (not a plain 404) is asked again next time.
   */
  jobsApi(): Promise<boolean> {
    this.#jobsApi ??= this.#http.hasJobsApi().then(
      (has) => {
        this.#log.debug({ jobsApi: has }, 'comfy jobs API probed');
        return has;
      },
      (error: unknown) => {
        this.#jobsApi = null;
        throw error;
      },
    );
    return this.#jobsApi;
  }
}

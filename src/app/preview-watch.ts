import type { Logger } from '../log.ts';

/** What doctor, /comfy status and the log say about a server that runs samplers without sending previews. */
export const PREVIEWS_OFF_NOTICE = 'previews are off on this server: start ComfyUI with --preview-method auto';

/**
 * Notices servers that send no preview frames. ComfyUI 0.3.64 ignores the per-prompt
 * `extra_data.preview_method` and previews only when started with --preview-method;
 * newer versions honour the field. A run whose sampler reported steps but sent no
 * preview is the evidence; one preview clears it. Logged once per server.
 */
export class PreviewWatch {
  readonly #off = new Set<string>();
  readonly #told = new Set<string>();
  readonly #log: Logger;
  readonly #enabled: boolean;

  /** `enabled` is false when COMFY_PREVIEW_METHOD=none: no previews is then what was asked for. */
  constructor(logger: Logger, enabled: boolean) {
    this.#log = logger;
    this.#enabled = enabled;
  }

  /** One finished run on `server`: how many sampler steps and preview frames it reported. */
  observe(server: string, steps: number, previews: number): void {
    if (!this.#enabled || steps === 0) return;
    if (previews > 0) {
      this.#off.delete(server);
      return;
    }
    this.#off.add(server);
    if (this.#told.has(server)) return;
    this.#told.add(server);
    this.#log.warn({ server, steps }, `ComfyUI ${server}: ${PREVIEWS_OFF_NOTICE}`);
  }

  previewsOff(server: string): boolean {
    return this.#off.has(server);
  }
}

import type { CancelTimer, Clock } from '../clock.ts';
import type { ComfyServer } from '../comfy/server.ts';
import type { Logger } from '../log.ts';

/** Defaults of the pool's timing options (COMFY_LOST_AFTER_SECONDS is the first). */
export const HEALTH_DEFAULTS = { lostAfterMs: 15_000, healthCheckMs: 5_000, healthTimeoutMs: 5_000 } as const;

export interface HealthOptions {
  lostAfterMs: number;
  healthTimeoutMs: number;
  /** Every timer and timestamp of the tracker. */
  clock: Clock;
  log: Logger;
  /** Health changed: the scheduler should look at its servers again. */
  onChange: () => void;
}

/**
 * Whether one ComfyUI server may take work. A blip is ridden out by the socket's own
 * recovery; a server unreachable for lostAfterMs (refused port, dropped socket, or a
 * health check failing while the socket still looks open) gives up its running and
 * queued jobs, which the scheduler sends elsewhere. A server can also be benched for a
 * while (it stalled jobs twice in a row) while it stays connected.
 */
export class HealthTracker {
  readonly #server: ComfyServer;
  readonly #name: string;
  readonly #o: HealthOptions;
  #everReady = false;
  /** Since when the socket is down or the health check fails (null: reachable). */
  #downSince: number | null = null;
  #lostTimer: CancelTimer | null = null;
  #benchTimer: CancelTimer | null = null;
  #probeFailing = false;
  #probing = false;
  #benchedUntil = 0;
  #benchedWhy = '';

  constructor(name: string, server: ComfyServer, options: HealthOptions) {
    this.#name = name;
    this.#server = server;
    this.#o = options;
  }

  /** Reachable, answering and not benched: may take new work. */
  get healthy(): boolean {
    return this.#server.state === 'ready' && this.#downSince === null && !this.benched;
  }

  /** Unreachable, but not yet for lostAfterMs: jobs asked for now are queued rather than refused. */
  get inGrace(): boolean {
    return this.#lostTimer !== null;
  }

  get benched(): boolean {
    return this.#o.clock.now() < this.#benchedUntil;
  }

  /** What /comfy status shows beside the socket state; null when all is well. */
  describe(): string | null {
    if (this.benched) return `unhealthy until ${new Date(this.#benchedUntil).toISOString().slice(11, 19)} UTC (${this.#benchedWhy})`;
    if (this.#probeFailing) return 'health check failing';
    if (this.#downSince !== null && this.#lostTimer === null && this.#everReady) return 'lost; its jobs went to other servers';
    return null;
  }

  /** Takes the server out of dispatch for `ms` while it stays connected. */
  bench(ms: number, why: string): void {
    this.#benchedUntil = this.#o.clock.now() + ms;
    this.#benchedWhy = why;
    this.#o.log.warn({ server: this.#name, why, ms }, 'ComfyUI server marked unhealthy for a cool-down');
    // When the cool-down ends, waiting work must look again.
    this.#benchTimer?.();
    this.#benchTimer = this.#o.clock.after(ms + 1, () => {
      this.#benchTimer = null;
      this.#o.onChange();
    });
    this.#o.onChange();
  }

  socketState(state: string): void {
    if (state === 'ready') {
      this.#everReady = true;
      if (!this.#probeFailing) this.#markUp();
    } else if (state === 'reconnecting' && this.#everReady) {
      this.#markDown();
    }
  }

  /** GET /prompt, bounded: a socket can look open while the server no longer answers. */
  probe(): void {
    if (this.#probing || this.#server.state !== 'ready') return;
    this.#probing = true;
    this.#server.http
      .queueRemaining(AbortSignal.timeout(this.#o.healthTimeoutMs))
      .then(
        () => {
          if (!this.#probeFailing) return;
          this.#probeFailing = false;
          this.#o.log.info({ server: this.#name }, 'ComfyUI health check passes again');
          if (this.#server.state === 'ready') this.#markUp();
          void this.#server.cleanAbandoned();
          this.#o.onChange();
        },
        (error: unknown) => {
          if (this.#probeFailing) return;
          this.#probeFailing = true;
          this.#o.log.warn({ server: this.#name, err: error }, 'ComfyUI health check failed');
          this.#markDown();
          this.#o.onChange();
        },
      )
      .finally(() => {
        this.#probing = false;
      });
  }

  close(): void {
    this.#lostTimer?.();
    this.#lostTimer = null;
    this.#benchTimer?.();
    this.#benchTimer = null;
  }

  #markDown(): void {
    if (this.#downSince !== null) return;
    this.#downSince = this.#o.clock.now();
    this.#lostTimer = this.#o.clock.after(this.#o.lostAfterMs, () => {
      this.#lostTimer = null;
      if (this.#downSince === null) return;
      const seconds = Math.round(this.#o.lostAfterMs / 1000);
      const abandoned = this.#server.abandonInFlight(`unreachable for ${seconds} s; its jobs go to another server`);
      this.#o.log.warn({ server: this.#name, abandoned, healthCheckFailing: this.#probeFailing }, 'ComfyUI server lost');
      this.#o.onChange();
    });
  }

  #markUp(): void {
    this.#lostTimer?.();
    this.#lostTimer = null;
    this.#downSince = null;
  }
}

/**
 * The knobs a test turns (pause, manual steps) and the one wake-up signal every
 * wait in the stand-in listens to: any state change notifies, each waiter
 * re-checks its own condition. Simple, and no wait can miss a change.
 */

export class Wakeup {
  #waiters: Array<() => void> = [];

  next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** What a saved image looks like: one flat colour (tiny PNG), or a texture that compresses like a photo. */
export type OutputTexture = 'flat' | 'noise';

/** Knobs for benchmarks; none changes anything unless set. */
export interface BenchKnobs {
  /**
   * A prompt's sampler steps are paced so the last one is due this many ms after its
   * execution_start (step i of n at start + i·D/n, against the clock, so neither the
   * nodes before the sampler nor timer lateness add up). Only the nodes after the
   * sampler add to D: ~5 ms for a small flat PNG. Meant for one-sampler graphs; a
   * second sampler finds its steps overdue and runs at once. Default: stepDelayMs per step.
   */
  promptDurationMs?: number;
  /** A preview frame every N steps instead of every step (default 1, as ComfyUI). */
  previewEverySteps?: number;
  /** 'noise' saves photo-like PNGs (≈1.7 MB at 1024×1024) instead of flat colours (default 'flat'). */
  outputTexture?: OutputTexture;
}

export interface ControlOptions extends BenchKnobs {
  stepDelayMs: number;
  defaultSteps: number;
  manualSteps: boolean;
  /** ComfyUI's --preview-method, which overrides the prompt's own (0.3.64); null: the prompt's decides. */
  launchPreviewMethod: string | null;
  /** Each step's preview a different shade (see StandinOptions.previewsChange). */
  previewsChange: boolean;
}

export class Controls {
  readonly wake = new Wakeup();
  readonly stepDelayMs: number;
  readonly defaultSteps: number;
  readonly manualSteps: boolean;
  readonly promptDurationMs: number | null;
  readonly previewEverySteps: number;
  readonly outputTexture: OutputTexture;
  readonly launchPreviewMethod: string | null;
  readonly previewsChange: boolean;
  #paused = false;
  #stepCredits = 0;

  constructor(options: ControlOptions) {
    this.stepDelayMs = options.stepDelayMs;
    this.defaultSteps = options.defaultSteps;
    this.manualSteps = options.manualSteps;
    this.promptDurationMs = options.promptDurationMs ?? null;
    this.previewEverySteps = Math.max(1, Math.trunc(options.previewEverySteps ?? 1));
    this.outputTexture = options.outputTexture ?? 'flat';
    this.launchPreviewMethod = options.launchPreviewMethod;
    this.previewsChange = options.previewsChange;
  }

  get paused(): boolean {
    return this.#paused;
  }

  setPaused(paused: boolean): void {
    this.#paused = paused;
    this.wake.notify();
  }

  get stepCredits(): number {
    return this.#stepCredits;
  }

  addSteps(n: number): void {
    this.#stepCredits += n;
    this.wake.notify();
  }

  /** A restart kills the job the credits were meant for. */
  resetSteps(): void {
    this.#stepCredits = 0;
  }

  takeStep(): void {
    this.#stepCredits = Math.max(0, this.#stepCredits - 1);
  }
}

/** Thrown inside a killed process's executor so it stops without sending anything. */
export class Aborted extends Error {
  constructor() {
    super('ComfyUI stand-in process was stopped');
  }
}

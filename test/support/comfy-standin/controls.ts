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

export class Controls {
  readonly wake = new Wakeup();
  readonly stepDelayMs: number;
  readonly defaultSteps: number;
  readonly manualSteps: boolean;
  #paused = false;
  #stepCredits = 0;

  constructor(options: { stepDelayMs: number; defaultSteps: number; manualSteps: boolean }) {
    this.stepDelayMs = options.stepDelayMs;
    this.defaultSteps = options.defaultSteps;
    this.manualSteps = options.manualSteps;
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

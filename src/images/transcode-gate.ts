import { systemClock, type CancelTimer, type Clock } from '../clock.ts';
import { MediaToolError } from './media-errors.ts';

export interface TranscodeGateOptions {
  /** Re-encodes that may wait for the slot; one more is refused at once ('busy'). */
  maxWaiting: number;
  /** Longest a re-encode waits for the slot before it is refused ('busy'). */
  maxWaitMs: number;
  /** Longest one holds the slot: then the signal its work was given aborts (its ffmpeg is killed) and the caller is told 'timeout'. */
  maxRunMs: number;
  clock?: Clock;
}

/** The work a re-encode does; it must stop (kill its tool) when `signal` aborts. */
export type TranscodeWork<T> = (signal: AbortSignal) => Promise<T>;

interface Waiter {
  start: () => void;
  cancelTimer: CancelTimer;
  dropAbort: () => void;
}

/**
 * One re-encode at a time, for the whole process: ffmpeg on a video takes the CPU
 * (and hundreds of MB) for seconds to minutes, and a burst of finished video jobs must
 * not start one each. The rest wait in a bounded line, each for a bounded time, and
 * each run holds the slot for a bounded time. The slot is given to the next one only
 * when the work has really settled (a killed ffmpeg has exited), so two never overlap,
 * even after a deadline.
 */
export class TranscodeGate {
  readonly #o: Required<TranscodeGateOptions>;
  readonly #waiters: Waiter[] = [];
  #busy = false;

  constructor(options: TranscodeGateOptions) {
    this.#o = { clock: systemClock, ...options };
  }

  /** Re-encodes waiting for the slot now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Runs `work` when the slot is free. `tool` names the re-encoder in the refusals
   * (MediaToolError 'busy', 'timeout', 'aborted'); `signal` is the caller giving up;
   * `maxWaitMs` a shorter wait than the gate's, for work that is only worth it soon (a poster).
   */
  run<T>(tool: string, work: TranscodeWork<T>, signal?: AbortSignal, options: { maxWaitMs?: number } = {}): Promise<T> {
    const maxWaitMs = Math.min(options.maxWaitMs ?? this.#o.maxWaitMs, this.#o.maxWaitMs);
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted === true) return reject(new MediaToolError('aborted', tool));
      const start = () => this.#start(tool, work, signal, resolve, reject);
      if (!this.#busy && this.#waiters.length === 0) return start();
      if (this.#waiters.length >= this.#o.maxWaiting) {
        return reject(new MediaToolError('busy', tool, { context: { reason: 'queue-full', maxWaiting: this.#o.maxWaiting } }));
      }
      const waiter: Waiter = {
        start: () => {
          leave();
          start();
        },
        cancelTimer: this.#o.clock.after(maxWaitMs, () => {
          leave();
          reject(new MediaToolError('busy', tool, { context: { reason: 'waited-too-long', maxWaitMs } }));
        }),
        dropAbort: () => signal?.removeEventListener('abort', onAbort),
      };
      const onAbort = () => {
        leave();
        reject(new MediaToolError('aborted', tool));
      };
      const leave = () => {
        waiter.cancelTimer();
        waiter.dropAbort();
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #start<T>(tool: string, work: TranscodeWork<T>, signal: AbortSignal | undefined, resolve: (value: T) => void, reject: (error: unknown) => void): void {
    this.#busy = true;
    const controller = new AbortController();
    let answered = false;
    const answer = (settle: () => void) => {
      if (answered) return;
      answered = true;
      settle();
    };
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const cancelDeadline = this.#o.clock.after(this.#o.maxRunMs, () => {
      controller.abort();
      // The caller is answered now; the slot stays taken until the work has stopped.
      answer(() => reject(new MediaToolError('timeout', tool, { context: { maxRunMs: this.#o.maxRunMs } })));
    });
    const finished = (settle: () => void) => {
      cancelDeadline();
      signal?.removeEventListener('abort', onAbort);
      answer(settle);
      this.#busy = false;
      this.#waiters[0]?.start();
    };
    let running: Promise<T>;
    try {
      running = work(controller.signal);
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => finished(() => resolve(value)),
      (error: unknown) => finished(() => reject(error)),
    );
  }
}

/**
 * The process's gate, used by fitMediaToLimit. A fit takes seconds to a minute and
 * deliveries give up after DELIVERY_TIMEOUT_SECONDS (120 s by default), so a few may
 * wait, each for up to a minute; one fit (a few ffmpeg tries of 90 s at most each,
 * fit-video.ts) holds the slot for at most three minutes.
 */
export const TRANSCODES = new TranscodeGate({ maxWaiting: 4, maxWaitMs: 60_000, maxRunMs: 180_000 });

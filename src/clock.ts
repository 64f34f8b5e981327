/**
 * Time as the transport sees it: the wall clock and the timers it waits on. Passed in
 * as an option so a test can read what was asked for or freeze the clock; production
 * uses `systemClock`. Each timer returns its own cancel function, so no code holds a
 * runtime-specific timer handle.
 */

export type CancelTimer = () => void;

export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number;
  /** Calls `run` once after `ms`. */
  after(ms: number, run: () => void): CancelTimer;
  /** Calls `run` every `ms` until cancelled. */
  every(ms: number, run: () => void): CancelTimer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, run) {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
  every(ms, run) {
    const timer = setInterval(run, ms);
    return () => clearInterval(timer);
  },
};

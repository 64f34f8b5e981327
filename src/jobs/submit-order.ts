/**
 * Keeps each server's prompts in the order the scheduler started them. With look-ahead,
 * two jobs start on one server at once, and each prepares on its own (uploads, the
 * server's node list) before its POST /prompt; the faster one would otherwise reach
 * ComfyUI's queue first and run ahead of the job that was fairly before it.
 */
export class SubmitOrder {
  /** Per server: settles when the job started last there has been queued (or has ended). */
  readonly #last = new Map<string, Promise<void>>();

  /**
   * Takes the next place on `worker`. `turn()` resolves once every job started earlier
   * there was queued or ended, and rejects with the signal's reason if the job is
   * aborted while waiting. `release()` (idempotent) lets the next job go.
   */
  take(worker: string, signal: AbortSignal): { turn: () => Promise<void>; release: () => void } {
    const before = this.#last.get(worker) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const last = before.then(() => mine);
    this.#last.set(worker, last);
    // Forget the chain once it has run out, so an idle server holds no promise.
    void last.then(() => {
      if (this.#last.get(worker) === last) this.#last.delete(worker);
    });
    return {
      turn: () => waitUnlessAborted(before, signal),
      release,
    };
  }
}

function waitUnlessAborted(wait: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void wait.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

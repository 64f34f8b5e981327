/**
 * Runs queued work one piece per turn of the event loop. The gateway hands the bot a
 * burst of interactions in one read (a thousand /imagine within two seconds); handled
 * inline, their synchronous parts ran back to back and held timers, sockets and the
 * deferrals of those at the back for hundreds of milliseconds (bench/scale.ts, issue
 * 12.3). Here each piece runs in its own setImmediate turn: the loop serves timers and
 * I/O between two interactions, and the order of arrival is kept.
 */
export class TurnTaker {
  readonly #queue: Array<(() => void) | undefined> = [];
  #head = 0;
  #scheduled = false;
  readonly #onError: (error: unknown) => void;
  readonly #maxWaiting: number;

  /** Past `maxWaiting` waiting pieces a new one runs at once: late beats lost. */
  constructor(onError: (error: unknown) => void, maxWaiting = 10_000) {
    this.#onError = onError;
    this.#maxWaiting = maxWaiting;
  }

  /** Waiting pieces (not counting the one running). */
  get waiting(): number {
    return this.#queue.length - this.#head;
  }

  push(work: () => void): void {
    if (this.waiting >= this.#maxWaiting) {
      this.#run(work);
      return;
    }
    this.#queue.push(work);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#turn());
    }
  }

  #turn(): void {
    const work = this.#queue[this.#head];
    this.#queue[this.#head] = undefined;
    this.#head += 1;
    // Compact now and then rather than shift() per piece: a burst of thousands stays O(1) each.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (work !== undefined) this.#run(work);
    // Queued from inside an immediate, the next turn comes after timers and I/O have had theirs.
    if (this.waiting > 0) setImmediate(() => this.#turn());
    else this.#scheduled = false;
  }

  #run(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.#onError(error);
    }
  }
}

import { ComfycordError } from '../errors.ts';
import type { AppErrorCode } from './error-codes.ts';

export class DownloadBusyError extends ComfycordError<AppErrorCode> {
  constructor(waitedMs: number) {
    super('DOWNLOADS_BUSY', 'The bot is busy fetching other images; please try again in a minute.', { context: { waitedMs } });
  }
}

interface Waiter {
  userId: string;
  start: () => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface DownloadLimiterOptions {
  /** Downloads in flight at once across everyone (DOWNLOAD_CONCURRENCY). */
  concurrency: number;
  /** Longest a download may wait for its turn before it is refused. Default 120 s. */
  maxWaitMs?: number;
}

/**
 * Turns for attachment downloads: at most one in flight per user, at most
 * `concurrency` overall; waiting ones are served in arrival order, skipping users who
 * already have one in flight. Each download is byte-capped and timed out by itself
 * (discord/attachments.ts); this bounds how many of them hold memory at once.
 */
export class DownloadLimiter {
  readonly #concurrency: number;
  readonly #maxWaitMs: number;
  readonly #active = new Set<string>();
  readonly #waiting: Waiter[] = [];

  constructor(options: DownloadLimiterOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    this.#concurrency = options.concurrency;
    this.#maxWaitMs = options.maxWaitMs ?? 120_000;
  }

  /** Runs `task` when it is this user's turn; rejects with DownloadBusyError after waiting too long. */
  async run<T>(userId: string, task: () => Promise<T>): Promise<T> {
    await this.#turn(userId);
    try {
      return await task();
    } finally {
      this.#active.delete(userId);
      this.#next();
    }
  }

  /** Downloads in flight now. */
  get inFlight(): number {
    return this.#active.size;
  }

  #turn(userId: string): Promise<void> {
    if (this.#canStart(userId)) {
      this.#active.add(userId);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const startedWaiting = Date.now();
      const waiter: Waiter = {
        userId,
        start: () => {
          clearTimeout(waiter.timer);
          this.#active.add(userId);
          resolve();
        },
        timer: setTimeout(() => {
          const index = this.#waiting.indexOf(waiter);
          if (index !== -1) this.#waiting.splice(index, 1);
          reject(new DownloadBusyError(Date.now() - startedWaiting));
        }, this.#maxWaitMs),
      };
      this.#waiting.push(waiter);
    });
  }

  #canStart(userId: string): boolean {
    return this.#active.size < this.#concurrency && !this.#active.has(userId);
  }

  #next(): void {
    for (let index = 0; index < this.#waiting.length && this.#active.size < this.#concurrency; ) {
      const waiter = this.#waiting[index]!;
      if (this.#active.has(waiter.userId)) {
        index += 1;
        continue;
      }
      this.#waiting.splice(index, 1);
      waiter.start();
    }
  }
}

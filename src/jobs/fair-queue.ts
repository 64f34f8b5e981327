/**
 * Jobs waiting for a GPU, served by turns: the next job always comes from the user
 * served least recently (a user never served goes first), so one user's twenty jobs
 * do not starve another's one, even when the first user's jobs were queued earlier.
 * Within a user, first come first served. Pure data structure: no timers, no I/O,
 * so the positions it reports are exactly the order `take()` follows.
 */
export interface FairQueueItem {
  id: string;
  userId: string;
}

/** Users never served rank before everyone served; a returned job ranks before both. */
const NEVER_SERVED_RANK = -1e12;
const RETURNED_RANK = -2e12;

interface UserLine<T> {
  jobs: T[];
  /** When this user's current line began, to break ties between never-served users. */
  arrival: number;
}

export class FairQueue<T extends FairQueueItem> {
  readonly #lines = new Map<string, UserLine<T>>();
  /** Every waiting item by id, so lookups need not search the lines. */
  readonly #byId = new Map<string, T>();
  /** Turn number at which each user was last served; lower goes first. */
  readonly #lastServed = new Map<string, number>();
  #turn = 0;
  #arrivals = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    this.#lineOf(item.userId).jobs.push(item);
    this.#byId.set(item.id, item);
    this.#size += 1;
  }

  /** Puts a job back first in line, e.g. when the server running it died. */
  pushFront(item: T): void {
    this.#lineOf(item.userId).jobs.unshift(item);
    this.#byId.set(item.id, item);
    this.#lastServed.set(item.userId, RETURNED_RANK - this.#turn);
    this.#size += 1;
  }

  /** Takes the next job, or the first in turn order that `accept` allows (e.g. a server lacks a model). */
  take(accept: (item: T) => boolean = () => true): T | undefined {
    for (const [userId, line] of this.#turnOrder()) {
      const index = line.jobs.findIndex(accept);
      if (index === -1) continue;
      const [item] = line.jobs.splice(index, 1);
      this.#turn += 1;
      this.#lastServed.set(userId, this.#turn);
      if (line.jobs.length === 0) this.#lines.delete(userId);
      if (item !== undefined) this.#byId.delete(item.id);
      this.#size -= 1;
      return item;
    }
    return undefined;
  }

  remove(id: string): T | undefined {
    const item = this.#byId.get(id);
    const line = item === undefined ? undefined : this.#lines.get(item.userId);
    if (item === undefined || line === undefined) return undefined;
    line.jobs.splice(line.jobs.indexOf(item), 1);
    if (line.jobs.length === 0) this.#lines.delete(item.userId);
    this.#byId.delete(id);
    this.#size -= 1;
    return item;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /**
   * 1-based place of one item in the order `ordered()` gives, without building it:
   * the k-th job of a user comes after its own k earlier jobs, after up to k + 1 jobs of
   * each user ranked before its user, and after up to k of each user ranked after.
   * O(users + that user's line).
   */
  positionOf(id: string): number | undefined {
    const item = this.#byId.get(id);
    const line = item === undefined ? undefined : this.#lines.get(item.userId);
    if (item === undefined || line === undefined) return undefined;
    const k = line.jobs.indexOf(item);
    let before = k;
    for (const [userId, other] of this.#lines) {
      if (other === line) continue;
      const ranksBefore = FairQueue.#compare(userId, other, item.userId, line, this.#lastServed) < 0;
      before += Math.min(other.jobs.length, ranksBefore ? k + 1 : k);
    }
    return before + 1;
  }

  countFor(userId: string): number {
    return this.#lines.get(userId)?.jobs.length ?? 0;
  }

  /** One user's waiting jobs in the order they will be served (first come, first served). */
  jobsOf(userId: string): T[] {
    return [...(this.#lines.get(userId)?.jobs ?? [])];
  }

  /** Every waiting job in the order `take()` would return them (with no filter). */
  ordered(): T[] {
    // Once served, a user ranks after everyone else, so from the current turn order on
    // it is plain round-robin: the k-th round takes each user's k-th job. O(n + u log u).
    const lines = this.#turnOrder().map(([, line]) => line.jobs);
    const order: T[] = [];
    for (let round = 0; order.length < this.#size; round += 1) {
      for (const jobs of lines) {
        const job = jobs[round];
        if (job !== undefined) order.push(job);
      }
    }
    return order;
  }

  /** 1-based place in line for each waiting job. */
  positions(): Map<string, number> {
    return new Map(this.ordered().map((item, index) => [item.id, index + 1]));
  }

  #lineOf(userId: string): UserLine<T> {
    let line = this.#lines.get(userId);
    if (!line) {
      this.#arrivals += 1;
      line = { jobs: [], arrival: this.#arrivals };
      this.#lines.set(userId, line);
    }
    return line;
  }

  #turnOrder(): [string, UserLine<T>][] {
    const served = this.#lastServed;
    return [...this.#lines].sort(([a, lineA], [b, lineB]) => FairQueue.#compare(a, lineA, b, lineB, served));
  }

  static #compare<L extends { arrival: number }>(a: string, lineA: L, b: string, lineB: L, served: Map<string, number>): number {
    const servedA = served.get(a) ?? NEVER_SERVED_RANK;
    const servedB = served.get(b) ?? NEVER_SERVED_RANK;
    if (servedA !== servedB) return servedA < servedB ? -1 : 1;
    return lineA.arrival - lineB.arrival;
  }

}

/** One file part of a multipart request (`files[n]` in what discord.js sends). */
export interface RecordedFile {
  /** The form field name, e.g. `files[0]`. */
  name: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

/** How the request authenticated. The token itself is never kept. */
export type AuthorizationKind = 'absent' | 'bot' | 'bearer' | 'other';

/** A request the REST stand-in answered, and how it answered it. */
export interface RecordedRequest {
  /** 1-based arrival order. */
  seq: number;
  /** Arrival time (ms since epoch, from the stand-in's clock). */
  at: number;
  method: string;
  /** The raw request path, e.g. `/api/v10/webhooks/1/tok/messages/%40original`. */
  path: string;
  /** `10` for `/api/v10/...`, null for unversioned `/api/...` and non-API paths. */
  apiVersion: number | null;
  /** The decoded path without `/api` and `/vN`, e.g. `/webhooks/1/tok/messages/@original`. */
  route: string;
  query: Record<string, string>;
  /** Lower-cased request headers, without `authorization`. */
  headers: Record<string, string>;
  authorization: AuthorizationKind;
  /** True when a bot token was sent and it matched the stand-in's `botToken` (always true if none is configured). */
  botTokenMatched: boolean;
  /** The JSON body, or the parsed `payload_json` part of a multipart body. */
  json: unknown;
  multipart: boolean;
  files: RecordedFile[];
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: unknown;
  /** Set when the answer came from `failNext` or the rate limiter, not from the route. */
  injectedBy: 'fault' | 'rate-limiter' | null;
}

/**
 * An append-only history with waits that always time out; the REST stand-in keeps its
 * requests in one, the gateway stand-in the frames it received.
 */
export class WaitableLog<T> {
  readonly #entries: T[] = [];
  readonly #waiters = new Set<(entry: T) => void>();
  readonly #describe: (entry: T) => string;

  constructor(describe: (entry: T) => string) {
    this.#describe = describe;
  }

  get entries(): readonly T[] {
    return this.#entries;
  }

  add(entry: T): void {
    this.#entries.push(entry);
    for (const waiter of [...this.#waiters]) waiter(entry);
  }

  /** Resolves with the first entry (already logged or future) that matches. */
  waitFor(predicate: (entry: T) => boolean, timeoutMs: number): Promise<T> {
    const seen = this.#entries.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = (entry: T): void => {
        if (!predicate(entry)) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve(entry);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const seen = this.#entries.map(this.#describe).join(', ') || 'nothing';
        reject(new Error(`no matching entry within ${timeoutMs} ms; saw: ${seen}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }
}

export function describeRequest(entry: RecordedRequest): string {
  return `${entry.method} ${entry.route} -> ${entry.status}`;
}

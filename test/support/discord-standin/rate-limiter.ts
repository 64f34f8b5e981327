import { createHash } from 'node:crypto';
import type { StandinReply } from './api-errors.ts';

export interface RateLimitRule {
  limit: number;
  windowMs: number;
}

/** Which limits the stand-in enforces. Discord does not publish its numbers; these are typical. */
export interface RateLimitConfig {
  /** GET/PATCH/DELETE /webhooks/{app}/{token}/messages/{id}, per method, token and message. Default 5 per 5 s. */
  webhookMessage?: RateLimitRule;
  /** POST /webhooks/{app}/{token} (follow-ups), per token. Default 5 per 5 s. */
  webhookExecute?: RateLimitRule;
  /** POST/PATCH/DELETE on /channels/{id}/messages..., per method and channel. Default 5 per 5 s. */
  channelMessage?: RateLimitRule;
  /** Requests per second across all bot-token routes. Default 50 (Discord's global limit). */
  globalPerSecond?: number;
  /**
   * How `Retry-After` is written: `seconds` rounds up to whole seconds as Discord does;
   * `milliseconds` keeps three decimals so tests wait less. Default `seconds`.
   */
  retryAfter?: 'seconds' | 'milliseconds';
}

export type BucketClass = 'webhookMessage' | 'webhookExecute' | 'channelMessage';

export interface BucketRef {
  bucket: BucketClass;
  key: string;
}

interface Window {
  startedAt: number;
  used: number;
}

const DEFAULT_RULE: RateLimitRule = { limit: 5, windowMs: 5000 };

/** Fixed-window buckets answering with Discord's `X-RateLimit-*` headers and 429 bodies. */
export class RateLimiter {
  readonly #config: RateLimitConfig;
  readonly #windows = new Map<string, Window>();
  #global: Window = { startedAt: 0, used: 0 };

  constructor(config: RateLimitConfig) {
    this.#config = config;
  }

  /**
   * Counts one request. Returns the headers to add to the answer, and a complete 429
   * reply when the request must be refused.
   */
  take(ref: BucketRef | null, usesBotToken: boolean, now: number): { headers: Record<string, string>; refusal: StandinReply | null } {
    if (usesBotToken) {
      const perSecond = this.#config.globalPerSecond ?? 50;
      if (now - this.#global.startedAt >= 1000) this.#global = { startedAt: now, used: 0 };
      if (this.#global.used >= perSecond) {
        const waitMs = this.#global.startedAt + 1000 - now;
        return { headers: {}, refusal: this.#tooMany(waitMs, { 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' }, true) };
      }
      this.#global.used += 1;
    }
    if (!ref) return { headers: {}, refusal: null };

    const rule = this.#config[ref.bucket] ?? DEFAULT_RULE;
    const id = `${ref.bucket}:${ref.key}`;
    let window = this.#windows.get(id);
    if (!window || now - window.startedAt >= rule.windowMs) {
      window = { startedAt: now, used: 0 };
      this.#windows.set(id, window);
    }
    const resetAfterMs = window.startedAt + rule.windowMs - now;
    const exceeded = window.used >= rule.limit;
    if (!exceeded) window.used += 1;
    const headers = {
      'x-ratelimit-limit': String(rule.limit),
      'x-ratelimit-remaining': String(rule.limit - window.used),
      'x-ratelimit-reset': ((now + resetAfterMs) / 1000).toFixed(3),
      'x-ratelimit-reset-after': (resetAfterMs / 1000).toFixed(3),
      'x-ratelimit-bucket': bucketHash(ref.bucket),
    };
    if (!exceeded) return { headers, refusal: null };
    return { headers, refusal: this.#tooMany(resetAfterMs, { ...headers, 'x-ratelimit-scope': 'user' }, false) };
  }

  #tooMany(waitMs: number, headers: Record<string, string>, global: boolean): StandinReply {
    const seconds = waitMs / 1000;
    const header = this.#config.retryAfter === 'milliseconds' ? seconds.toFixed(3) : String(Math.max(1, Math.ceil(seconds)));
    return tooManyRequests(Number(seconds.toFixed(3)), { ...headers, 'retry-after': header }, global);
  }
}

/** A 429 as Discord sends it: `Retry-After` header plus `{message, retry_after, global}`. */
export function tooManyRequests(retryAfterSeconds: number, headers: Record<string, string> = {}, global = false): StandinReply {
  return {
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds), 'x-ratelimit-scope': global ? 'global' : 'user', ...headers },
    body: { message: 'You are being rate limited.', retry_after: retryAfterSeconds, global },
  };
}

/**
 * A per-route 429 as Discord sends it when a bucket is held for a long time: the
 * bucket's headers (remaining 0, reset-after = retry-after) besides `Retry-After` and
 * the body, so a client that learns from headers sees the same wait either way.
 */
export function routeHeld(retryAfterSeconds: number, options: { now?: number; bucket?: BucketClass; limit?: number } = {}): StandinReply {
  const now = options.now ?? Date.now();
  return tooManyRequests(retryAfterSeconds, {
    'retry-after': String(Math.ceil(retryAfterSeconds)),
    'x-ratelimit-limit': String(options.limit ?? 5),
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': ((now + retryAfterSeconds * 1000) / 1000).toFixed(3),
    'x-ratelimit-reset-after': retryAfterSeconds.toFixed(3),
    'x-ratelimit-bucket': bucketHash(options.bucket ?? 'webhookMessage'),
  });
}

/** Discord's bucket ids are opaque hex strings; derive a stable one per bucket class. */
function bucketHash(bucket: BucketClass): string {
  return createHash('sha1').update(bucket).digest('hex').slice(0, 32);
}

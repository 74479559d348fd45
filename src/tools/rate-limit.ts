import { requireNumber } from '../resilience/policy.js';

export interface RateLimitOptions {
  /** Calls a caller may make to one tool in a burst. @default DEFAULT_RATE_LIMIT.capacity */
  capacity: number;
  /** Tokens added back per second. @default DEFAULT_RATE_LIMIT.refillPerSecond */
  refillPerSecond: number;
}

/** @default 60 calls in a burst, refilled at 10 per second, per caller and tool. */
export const DEFAULT_RATE_LIMIT: Readonly<RateLimitOptions> = { capacity: 60, refillPerSecond: 10 };

/** Buckets kept at most; the least recently used go first (an idle bucket has refilled anyway). */
export const DEFAULT_MAX_BUCKETS = 10_000;

export type RateDecision = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

export interface RateLimiter {
  /** Takes one token from `key`'s bucket, or says how long until one is there. */
  take(key: string): RateDecision;
}

/** Options or `false` (no limit) to a limiter. */
export function coerceRateLimit(
  value: Partial<RateLimitOptions> | false | undefined,
  now: () => number = Date.now,
): RateLimiter | undefined {
  if (value === false) return undefined;
  return tokenBucket({ ...DEFAULT_RATE_LIMIT, ...value }, now);
}

// Finite, since the bucket's arithmetic turns an infinite rate into NaN tokens.
const requirePositive = (field: string, value: number): number =>
  requireNumber(`rate limit ${field}`, value, { above: 0, max: Number.MAX_SAFE_INTEGER });

/**
 * A token bucket per key: `capacity` calls at once, then `refillPerSecond` calls per second.
 * `now` is injectable so tests move time instead of waiting.
 *
 * @example
 * const limiter = tokenBucket({ capacity: 2, refillPerSecond: 1 });
 * limiter.take('agent-1:kv-read'); // { ok: true, remaining: 1 }
 */
export function tokenBucket(options: RateLimitOptions, now: () => number = Date.now): RateLimiter {
  const capacity = requirePositive('capacity', options.capacity);
  const rate = requirePositive('refillPerSecond', options.refillPerSecond);
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: capacity, at: t };
      // A clock that goes backwards refills nothing rather than draining the bucket.
      bucket.tokens = Math.min(capacity, bucket.tokens + (Math.max(0, t - bucket.at) / 1000) * rate);
      bucket.at = t;
      buckets.delete(key);
      buckets.set(key, bucket);
      if (buckets.size > DEFAULT_MAX_BUCKETS) buckets.delete(buckets.keys().next().value as string);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { ok: true, remaining: Math.floor(bucket.tokens) };
      }
      return { ok: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / rate) * 1000) };
    },
  };
}

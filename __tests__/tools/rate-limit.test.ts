import { coerceRateLimit, DEFAULT_MAX_BUCKETS, DEFAULT_RATE_LIMIT, tokenBucket } from '../../src/tools/rate-limit.js';

describe('token bucket rate limit', () => {
  it('allows a burst up to capacity, then says when the next token arrives', () => {
    const now = 0;
    const limiter = tokenBucket({ capacity: 3, refillPerSecond: 2 }, () => now);
    expect([limiter.take('k'), limiter.take('k'), limiter.take('k')].map((d) => d.ok)).toEqual([true, true, true]);
    expect(limiter.take('k')).toEqual({ ok: false, retryAfterMs: 500 });
  });

  it('refills over time, never above capacity', () => {
    let now = 0;
    const limiter = tokenBucket({ capacity: 2, refillPerSecond: 1 }, () => now);
    limiter.take('k');
    limiter.take('k');
    now = 500;
    expect(limiter.take('k')).toEqual({ ok: false, retryAfterMs: 500 });
    now = 1000;
    expect(limiter.take('k')).toEqual({ ok: true, remaining: 0 });
    now = 60_000;
    expect(limiter.take('k')).toEqual({ ok: true, remaining: 1 });
    expect(limiter.take('k').ok).toBe(true);
    expect(limiter.take('k').ok).toBe(false);
  });

  it('keeps separate buckets per key and refills nothing when the clock goes back', () => {
    let now = 10_000;
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 1 }, () => now);
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('b').ok).toBe(true);
    now = 0;
    expect(limiter.take('a').ok).toBe(false);
  });

  it('forgets the least recently used bucket past the bucket limit', () => {
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 0.001 }, () => 0);
    limiter.take('first');
    for (let i = 0; i < DEFAULT_MAX_BUCKETS; i++) limiter.take(`k${i}`);
    expect(limiter.take('first').ok).toBe(true);
  });

  it('rejects a non-positive capacity or rate, and coerces options, defaults or false', () => {
    expect(() => tokenBucket({ capacity: 0, refillPerSecond: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER' }));
    expect(() => tokenBucket({ capacity: 1, refillPerSecond: Number.NaN })).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER' }));
    expect(coerceRateLimit(false)).toBeUndefined();
    const limiter = coerceRateLimit(undefined, () => 0)!;
    for (let i = 0; i < DEFAULT_RATE_LIMIT.capacity; i++) expect(limiter.take('k').ok).toBe(true);
    expect(limiter.take('k').ok).toBe(false);
    expect(coerceRateLimit({ capacity: 1 }, () => 0)!.take('k')).toEqual({ ok: true, remaining: 0 });
  });
});

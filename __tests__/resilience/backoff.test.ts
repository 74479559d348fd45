import fc from 'fast-check';
import { isNoError } from '../../src/contracts/errors.js';
import { exponentialBackoff } from '../../src/resilience/backoff.js';
import { createRandom } from '../../src/scheduler/random.js';

describe('exponentialBackoff', () => {
  it('grows by the factor and is capped at maxDelayMs without jitter', () => {
    const delay = exponentialBackoff({ initialDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 'none' });
    expect([1, 2, 3, 4, 5, 6].map(delay)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('uses the documented defaults (100 ms, x2, 30 s cap)', () => {
    const delay = exponentialBackoff({ jitter: 'none' });
    expect(delay(1)).toBe(100);
    expect(delay(2)).toBe(200);
    expect(delay(50)).toBe(30_000);
  });

  it('treats attempt numbers below 1 or non-finite as the first attempt', () => {
    const delay = exponentialBackoff({ jitter: 'none' });
    expect(delay(0)).toBe(100);
    expect(delay(-3)).toBe(100);
    expect(delay(Number.NaN)).toBe(100);
  });

  it('does not overflow for huge attempt numbers', () => {
    expect(exponentialBackoff({ jitter: 'none' })(10_000)).toBe(30_000);
  });

  it('full jitter stays within [0, capped exponential delay] (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 100_000 }),
        (seed, attempt, initial, extra) => {
          const max = initial + extra;
          const delay = exponentialBackoff({ initialDelayMs: initial, maxDelayMs: max, random: createRandom(seed) });
          const cap = Math.min(max, initial * 2 ** (attempt - 1));
          const value = delay(attempt);
          return value >= 0 && value <= cap;
        },
      ),
    );
  });

  it('full jitter scales the capped delay by the random draw', () => {
    const delay = exponentialBackoff({ initialDelayMs: 100, random: () => 0.5 });
    expect(delay(3)).toBe(200);
  });

  it('is reproducible from a seed', () => {
    const a = exponentialBackoff({ random: createRandom(7) });
    const b = exponentialBackoff({ random: createRandom(7) });
    expect([1, 2, 3].map(a)).toEqual([1, 2, 3].map(b));
  });

  it('decorrelated jitter stays within [initial, max] and restarts at attempt 1', () => {
    const draws = [1, 1, 1, 0.999, 0];
    let i = 0;
    const delay = exponentialBackoff({ initialDelayMs: 10, maxDelayMs: 100, jitter: 'decorrelated', random: () => draws[i++] ?? 0 });
    expect(delay(1)).toBe(30); // uniform in [10, 3 × 10]
    expect(delay(2)).toBe(90); // [10, 90]
    expect(delay(3)).toBe(100); // [10, 270] capped at 100
    expect(delay(1)).toBeCloseTo(29.98); // starts over from the initial delay
    expect(delay(2)).toBe(10);
  });

  it('decorrelated jitter never leaves [initial, max] (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 30 }), (seed, attempts) => {
        const delay = exponentialBackoff({ initialDelayMs: 50, maxDelayMs: 5000, jitter: 'decorrelated', random: createRandom(seed) });
        for (let n = 1; n <= attempts; n++) {
          const value = delay(n);
          if (value < 50 || value > 5000) return false;
        }
        return true;
      }),
    );
  });

  it.each([
    [{ initialDelayMs: -1 }],
    [{ initialDelayMs: Number.NaN }],
    [{ initialDelayMs: 500, maxDelayMs: 100 }],
    [{ factor: 0.5 }],
  ])('rejects invalid numeric options %p with INVALID_NUMBER', (options) => {
    expect(() => exponentialBackoff(options)).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER' }));
  });

  it('rejects an unknown jitter kind with INVALID_INPUT', () => {
    let thrown: unknown;
    try {
      exponentialBackoff({ jitter: 'equal' as unknown as 'full' });
    } catch (error) {
      thrown = error;
    }
    expect(isNoError(thrown, 'INVALID_INPUT')).toBe(true);
  });
});

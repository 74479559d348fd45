import fc from 'fast-check';
import { errorRateDetector, robustDetector, stallDetector } from '../../src/coordination/anomaly';
import { isNoError } from '../../src/contracts/errors';

const feed = (d: { observe(v: number): unknown }, values: number[]): unknown[] => values.map((v) => d.observe(v));
const steady = (n: number, base = 100): number[] => Array.from({ length: n }, (_, i) => base + (i % 5) - 2);

describe('robustDetector', () => {
  it('does not call one slow call an incident', () => {
    const d = robustDetector({ trip: 3 });
    feed(d, steady(20));
    expect(d.observe(5_000)).toBeUndefined();
    expect(feed(d, steady(5))).not.toContain('detected');
    expect(d.anomalous).toBe(false);
  });

  it('opens after `trip` outliers in a row and closes after `clear` normal ones', () => {
    const d = robustDetector({ trip: 3, clear: 2 });
    feed(d, steady(20));
    expect(feed(d, [5_000, 5_000, 5_000])).toEqual([undefined, undefined, 'detected']);
    expect(d.anomalous).toBe(true);
    expect(feed(d, [5_000, 100, 101])).toEqual([undefined, undefined, 'resolved']);
    expect(d.anomalous).toBe(false);
  });

  it('keeps outliers out of the baseline, so a degraded subject stays anomalous', () => {
    const d = robustDetector({ trip: 2, window: 20 });
    feed(d, steady(20));
    const verdicts = feed(d, Array.from({ length: 100 }, () => 5_000));
    expect(verdicts.filter((v) => v === 'detected')).toHaveLength(1);
    expect(verdicts).not.toContain('resolved');
    expect(d.baseline).toBeCloseTo(100, 0);
  });

  it('judges nothing before minSamples', () => {
    const d = robustDetector({ minSamples: 10, trip: 1 });
    expect(feed(d, [1, 1_000_000, 1_000_000])).toEqual([undefined, undefined, undefined]);
    expect(d.bound).toBeUndefined();
  });

  it('floors the spread so a perfectly steady series does not flag a small change', () => {
    const d = robustDetector({ trip: 1, minRelativeSpread: 0.1, threshold: 6 });
    feed(d, Array.from({ length: 20 }, () => 100));
    expect(d.bound).toBeCloseTo(160, 5);
    expect(d.observe(150)).toBeUndefined();
    expect(d.observe(170)).toBe('detected');
  });

  it('honours an absolute floor (minSpread) and the low side', () => {
    const jitter = robustDetector({ trip: 1, minSpread: 10, minRelativeSpread: 0 });
    feed(jitter, Array.from({ length: 20 }, () => 5));
    expect(jitter.observe(50)).toBeUndefined();
    expect(jitter.observe(70)).toBe('detected');
    const low = robustDetector({ trip: 1, side: 'low' });
    feed(low, steady(20));
    expect(low.observe(10_000)).toBeUndefined();
    expect(low.observe(0)).toBe('detected');
  });

  it.each([
    [{ window: 2 }, 'window'],
    [{ trip: 0 }, 'trip'],
    [{ threshold: 0 }, 'threshold'],
    [{ minSamples: 60, window: 50 }, 'minSamples'],
    [{ minSpread: -1 }, 'minSpread'],
  ])('refuses %p with a NoError that names %s', (options, name) => {
    let caught: unknown;
    try {
      robustDetector(options);
    } catch (error) {
      caught = error;
    }
    expect(isNoError(caught) && caught.code === 'INVALID_NUMBER' && caught.message.includes(name)).toBe(true);
  });

  it('refuses a non-finite observation', () => {
    expect(() => robustDetector().observe(Number.NaN)).toThrow(/finite/);
  });

  it('never opens on isolated outliers, whatever the series (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ jitter: fc.double({ min: -0.05, max: 0.05, noNaN: true }), spike: fc.boolean() }), { minLength: 1, maxLength: 300 }),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        (series, base) => {
          const d = robustDetector({ trip: 2, minSamples: 5 });
          let previousSpike = true; // the first few are never spikes
          for (const { jitter, spike } of series) {
            const isSpike: boolean = spike && !previousSpike;
            previousSpike = isSpike;
            if (d.observe(isSpike ? base * 1_000 : base * (1 + jitter)) === 'detected') return false;
          }
          return true;
        },
      ),
    );
  });

  it('always opens on `trip` outliers in a row after a warm baseline (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.double({ min: 1, max: 1e6, noNaN: true }), (trip, base) => {
        const d = robustDetector({ trip });
        for (let i = 0; i < 20; i++) d.observe(base);
        const verdicts = Array.from({ length: trip }, () => d.observe(base * 10));
        return verdicts[trip - 1] === 'detected' && verdicts.slice(0, -1).every((v) => v === undefined);
      }),
    );
  });
});

describe('errorRateDetector', () => {
  it('opens at the threshold and closes only well below it (hysteresis)', () => {
    const d = errorRateDetector({ threshold: 0.5, resolveRatio: 0.5, minSamples: 4, alpha: 0.5 });
    expect([false, false, false, false].map((f) => d.observe(f))).not.toContain('detected');
    const fails = [true, true].map((f) => d.observe(f));
    expect(fails).toContain('detected');
    // One success brings the rate under the threshold but not under half of it: still open.
    expect(d.observe(false)).toBeUndefined();
    expect(d.anomalous).toBe(true);
    const after = [false, false, false].map((f) => d.observe(f));
    expect(after).toContain('resolved');
  });

  it('waits for minSamples', () => {
    const d = errorRateDetector({ minSamples: 3 });
    expect([true, true].map((f) => d.observe(f))).toEqual([undefined, undefined]);
    expect(d.observe(true)).toBe('detected');
  });

  it('refuses a threshold outside (0, 1]', () => {
    expect(() => errorRateDetector({ threshold: 1.5 })).toThrow(/threshold/);
  });
});

describe('stallDetector', () => {
  it('stalls after `rounds` rounds without progress and ends at the next progress', () => {
    const d = stallDetector({ rounds: 3 });
    expect([d.round(), d.round()]).toEqual([undefined, undefined]);
    expect(d.progress()).toBeUndefined();
    expect([d.round(), d.round(), d.round()]).toEqual([undefined, undefined, 'detected']);
    expect(d.round()).toBeUndefined();
    expect(d.idleRounds).toBe(4);
    expect(d.progress()).toBe('resolved');
    expect(d.anomalous).toBe(false);
  });

  it('refuses zero rounds', () => {
    expect(() => stallDetector({ rounds: 0 })).toThrow(/rounds/);
  });
});

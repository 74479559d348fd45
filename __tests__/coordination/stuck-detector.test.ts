import fc from 'fast-check';
import { DEFAULT_STUCK_DETECTOR, stuckDetector, type StuckDetector } from '../../src/coordination/stuck-detector';
import { isNoError } from '../../src/contracts/errors';

/** Teaches `n` completed attempts of `ms` each, the last one ending at `at`. */
function teach(d: StuckDetector, agentId: string, n: number, ms: number, at = 1_000): number {
  for (let i = 0; i < n; i++) d.completed(agentId, ms, at);
  return at;
}
const on = (agentId: string, ...ages: number[]) => new Map([[agentId, ages]]);

describe('stuckDetector', () => {
  it('opens once an attempt passes its agent bound by the margin, with no call completed since, and closes when it ends', () => {
    const d = stuckDetector();
    const t0 = teach(d, 'w1', 10, 20);
    // 20 ms calls: the 250 ms floor is the bound, so an attempt started at t0 opens past 375 ms.
    expect(d.round(t0 + 300, on('w1', 300))).toEqual([]);
    expect(d.round(t0 + 370, on('w1', 370))).toEqual([]);
    const [v] = d.round(t0 + 400, on('w1', 400, 5));
    expect(v).toEqual({ agentId: 'w1', transition: 'detected', ageMs: 400, boundMs: 375, medianMs: 20, basis: 'own', stuck: 1, alive: false });
    // Open once: later rounds say nothing while it still hangs.
    expect(d.round(t0 + 5_000, on('w1', 5_000))).toEqual([]);
    // It ended (pre-empted): nothing runs on w1 past its bound any more.
    expect(d.round(t0 + 5_002, new Map())).toEqual([expect.objectContaining({ agentId: 'w1', transition: 'resolved', ageMs: 0 })]);
  });

  it('closes only once no attempt is past the bound itself, so an age between bound and opening bound does not flap', () => {
    const d = stuckDetector();
    const t0 = teach(d, 'w1', 10, 20);
    expect(d.round(t0 + 400, on('w1', 400, 300))).toEqual([expect.objectContaining({ transition: 'detected' })]);
    // The stuck one ended; the other is at 300 ms, past the 250 ms bound but short of the 375 ms opening bound.
    expect(d.round(t0 + 401, on('w1', 300))).toEqual([]);
    expect(d.round(t0 + 402, on('w1', 10))).toEqual([expect.objectContaining({ transition: 'resolved' })]);
  });

  it('gives an attempt on an agent that completed another since it started aliveFactor times the leash', () => {
    const d = stuckDetector();
    const t0 = teach(d, 'w1', 10, 20);
    d.completed('w1', 20, t0 + 30);
    // Started at t0, so the completion at t0 + 30 came after it.
    expect(d.round(t0 + 1_000, on('w1', 1_000))).toEqual([]);
    expect(d.round(t0 + 1_500, on('w1', 1_500))).toEqual([]);
    expect(d.round(t0 + 1_501, on('w1', 1_501))).toEqual([expect.objectContaining({ transition: 'detected', boundMs: 375, alive: true, stuck: 1 })]);
  });

  it('never flags attempts shorter than medianFactor times the median, however many run', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 5_000 }), fc.integer({ min: 1, max: 8 }), fc.double({ min: 0, max: 4.99, noNaN: true }), (med, running, ratio) => {
        const d = stuckDetector({ floorMs: 0 });
        const t0 = teach(d, 'a', 20, med);
        return d.round(t0 + ratio * med, on('a', ...Array.from({ length: running }, () => ratio * med))).length === 0;
      }),
    );
  });

  it('judges a new agent by its capability peers, and by nothing before anyone has samples unless coldBoundMs is set', () => {
    const d = stuckDetector();
    expect(d.round(100_000, on('new', 100_000))).toEqual([]);
    expect(d.round(100_000, on('new', 100_000), () => ['new', 'old'])).toEqual([]);
    teach(d, 'old', 10, 100);
    expect(d.round(100_000, on('new', 100_000), () => ['new', 'old'])).toEqual([expect.objectContaining({ agentId: 'new', basis: 'peers', medianMs: 100, boundMs: 750 })]);

    const cold = stuckDetector({ coldBoundMs: 1_000 });
    expect(cold.round(1_400, on('new', 1_400))).toEqual([]);
    expect(cold.round(1_501, on('new', 1_501))).toEqual([expect.objectContaining({ basis: 'cold', boundMs: 1_500, medianMs: 0 })]);
  });

  it('forgets what an agent taught once it gets a fresh start', () => {
    const d = stuckDetector();
    const t0 = teach(d, 'w1', 10, 20);
    d.forget('w1');
    expect(d.round(t0 + 10_000, on('w1', 10_000))).toEqual([]);
  });

  it('refuses bad options and latencies with a NoError that names them', () => {
    const cases: [() => unknown, string][] = [
      ...[{ window: 2 }, { minSamples: 0 }, { minSamples: 60 }, { medianFactor: -1 }, { floorMs: Number.NaN }, { margin: Infinity }, { aliveFactor: 0.5 }, { coldBoundMs: 0 }]
        .map((bad): [() => unknown, string] => [() => stuckDetector(bad), Object.keys(bad)[0]!]),
      [() => stuckDetector().completed('a', -1, 0), 'latencyMs'],
    ];
    for (const [fn, name] of cases) {
      let error: unknown;
      try {
        fn();
      } catch (e) {
        error = e;
      }
      expect(isNoError(error, 'INVALID_NUMBER')).toBe(true);
      expect((error as Error).message).toContain(name);
    }
    expect(DEFAULT_STUCK_DETECTOR).toMatchObject({ medianFactor: 5, floorMs: 250, margin: 0.5 });
  });
});

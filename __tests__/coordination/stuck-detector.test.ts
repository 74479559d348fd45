import fc from 'fast-check';
import { DEFAULT_STUCK_DETECTOR, stuckDetector, type StuckDetector } from '../../src/coordination/stuck-detector';
import { isNoError } from '../../src/contracts/errors';

/** Completes `n` attempts of `ms` each on the agent, one after the other from `from`; returns when the last ended. */
function teach(d: StuckDetector, agentId: string, n: number, ms: number, from = 0): number {
  let at = from;
  for (let i = 0; i < n; i++) {
    d.started(`${agentId}/${i}/${from}`, agentId, at);
    at += ms;
    d.ended(`${agentId}/${i}/${from}`, at, true);
  }
  return at;
}

describe('stuckDetector', () => {
  it('opens once an attempt passes its agent bound by the margin, with no call completed since, and closes when it ends', () => {
    const d = stuckDetector();
    const t0 = teach(d, 'w1', 10, 20);
    d.started('hung', 'w1', t0);
    // 20 ms calls: the 250 ms floor is the bound, so the attempt opens past 375 ms.
    expect(d.round(t0 + 300)).toEqual([]);
    expect(d.round(t0 + 370)).toEqual([]);
    const [v] = d.round(t0 + 400);
    expect(v).toEqual({ agentId: 'w1', transition: 'detected', ageMs: 400, boundMs: 375, medianMs: 20, basis: 'own', stuck: 1, alive: false });
    // Open once: later rounds say nothing while it still hangs.
    expect(d.round(t0 + 5_000)).toEqual([]);
    d.ended('hung', t0 + 5_001, false);
    expect(d.round(t0 + 5_002)).toEqual([expect.objectContaining({ agentId: 'w1', transition: 'resolved', ageMs: 0 })]);
    expect(d.running).toBe(0);
  });

  it('gives an attempt on an agent that still completes others aliveFactor times the leash', () => {
    const d = stuckDetector();
    const t0 = teach(d, 'w1', 10, 20);
    d.started('long', 'w1', t0);
    d.started('other', 'w1', t0 + 10);
    d.ended('other', t0 + 30, true);
    expect(d.round(t0 + 1_000)).toEqual([]);
    expect(d.round(t0 + 1_500)).toEqual([]);
    expect(d.round(t0 + 1_501)).toEqual([expect.objectContaining({ transition: 'detected', boundMs: 375, alive: true, stuck: 1 })]);
  });

  it('never flags attempts shorter than medianFactor times the median, however the agent is loaded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 5_000 }), fc.integer({ min: 1, max: 8 }), fc.double({ min: 0, max: 4.99, noNaN: true }), (med, running, ratio) => {
        const d = stuckDetector({ floorMs: 0 });
        const t0 = teach(d, 'a', 20, med);
        for (let i = 0; i < running; i++) d.started(`r${i}`, 'a', t0);
        return d.round(t0 + ratio * med).length === 0;
      }),
    );
  });

  it('judges a new agent by its capability peers, and by nothing before anyone has samples unless coldBoundMs is set', () => {
    const d = stuckDetector();
    d.started('x', 'new', 0);
    expect(d.round(100_000)).toEqual([]);
    expect(d.round(100_000, () => ['new', 'old'])).toEqual([]);
    teach(d, 'old', 10, 100);
    expect(d.round(100_000, () => ['new', 'old'])).toEqual([expect.objectContaining({ agentId: 'new', basis: 'peers', medianMs: 100, boundMs: 750 })]);

    const cold = stuckDetector({ coldBoundMs: 1_000 });
    cold.started('x', 'new', 0);
    expect(cold.round(1_400)).toEqual([]);
    expect(cold.round(1_501)).toEqual([expect.objectContaining({ basis: 'cold', boundMs: 1_500, medianMs: 0 })]);
  });

  it('forgets what an agent taught once it gets a fresh start, and drops the attempts of a run that ended', () => {
    const d = stuckDetector();
    const t0 = teach(d, 'w1', 10, 20);
    d.started('run1\u0000t1\u00001', 'w1', t0);
    d.started('run2\u0000t1\u00001', 'w1', t0);
    d.forget('w1');
    expect(d.round(t0 + 10_000)).toEqual([]);
    d.endAll('run1\u0000');
    expect(d.running).toBe(1);
  });

  it('refuses bad options with a NoError that names the option', () => {
    for (const bad of [{ window: 2 }, { minSamples: 0 }, { minSamples: 60 }, { medianFactor: -1 }, { floorMs: Number.NaN }, { margin: Infinity }, { aliveFactor: 0.5 }, { coldBoundMs: 0 }]) {
      let error: unknown;
      try {
        stuckDetector(bad);
      } catch (e) {
        error = e;
      }
      expect(isNoError(error, 'INVALID_NUMBER')).toBe(true);
      expect((error as Error).message).toContain(Object.keys(bad)[0]);
    }
    expect(DEFAULT_STUCK_DETECTOR).toMatchObject({ medianFactor: 5, floorMs: 250, margin: 0.5 });
  });
});

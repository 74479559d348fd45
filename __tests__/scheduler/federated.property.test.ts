import fc from 'fast-check';
import { CONCRETE_STRATEGIES, type ConcreteStrategy } from '../../src/contracts/scheduler';
import {
  addEvidence,
  adaptiveDelta,
  createAdaptiveEngine,
  emptyContribution,
  mergeAdaptiveStates,
  parseContribution,
  type AdaptiveContribution,
  type AdaptiveState,
} from '../../src/scheduler/index';
import { feedback } from '../helpers/feedback';

const run = fc.record({
  who: fc.integer({ min: 0, max: 2 }),
  taskClass: fc.constantFrom('etl', 'report'),
  strategy: fc.constantFrom<ConcreteStrategy>(...CONCRETE_STRATEGIES),
  succeeded: fc.integer({ min: 0, max: 10 }),
});

/** Each contributor learns its runs from the merge of everyone's shares so far, as loops on one Store do. */
function learnFederated(runs: Array<{ who: number; taskClass: string; strategy: ConcreteStrategy; succeeded: number }>) {
  let shares: AdaptiveContribution[] = [0, 1, 2].map((i) => emptyContribution(`p${i}`));
  for (const r of runs) {
    const before: AdaptiveState | undefined = shares.some((s) => Object.keys(s.classes).length > 0) ? mergeAdaptiveStates(shares) : undefined;
    const engine = createAdaptiveEngine({ samples: 20 }, before);
    engine.adaptStrategy(feedback({ taskClass: r.taskClass, strategy: r.strategy, succeededTasks: r.succeeded, failedTasks: 10 - r.succeeded }));
    shares = shares.map((s, i) => (i === r.who ? addEvidence(s, adaptiveDelta(before, engine.getState())) : s));
  }
  return shares;
}

describe('federated adaptive state', () => {
  it('merges to what one engine learning every run would hold: runs exactly, reward sums to float precision', () => {
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 25 }), (runs) => {
        const shares = learnFederated(runs);
        const single = createAdaptiveEngine({ samples: 20 });
        for (const r of runs) single.adaptStrategy(feedback({ taskClass: r.taskClass, strategy: r.strategy, succeededTasks: r.succeeded, failedTasks: 10 - r.succeeded }));
        const expected = single.getState();
        const merged = mergeAdaptiveStates(shares);
        expect(Object.keys(merged.classes).sort()).toEqual(Object.keys(expected.classes).sort());
        for (const [taskClass, arms] of Object.entries(expected.classes)) {
          for (const s of CONCRETE_STRATEGIES) {
            expect(merged.classes[taskClass]![s].runs).toBe(arms[s].runs);
            expect(merged.classes[taskClass]![s].alpha).toBeCloseTo(arms[s].alpha, 9);
            expect(merged.classes[taskClass]![s].beta).toBeCloseTo(arms[s].beta, 9);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same state whatever order the shares come in, and each share is a valid stored value', () => {
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 15 }), (runs) => {
        const shares = learnFederated(runs);
        expect(mergeAdaptiveStates([...shares].reverse())).toEqual(mergeAdaptiveStates(shares));
        for (const share of shares) expect(parseContribution(JSON.parse(JSON.stringify(share)))).toEqual(share);
      }),
      { numRuns: 30 },
    );
  });

  it('counts runs learned before contributions existed (the old single state) once, as a base', () => {
    const old = createAdaptiveEngine();
    old.adaptStrategy(feedback());
    const base = old.getState();
    const engine = createAdaptiveEngine({}, base);
    engine.adaptStrategy(feedback());
    const share = addEvidence(emptyContribution('p'), adaptiveDelta(base, engine.getState()));
    expect(mergeAdaptiveStates([share], { base }).classes['etl']!.parallel.runs).toBe(2);
  });

  it('refuses a malformed stored share with a typed error naming the field', () => {
    expect(() => parseContribution({ version: 1, contributor: 'p', draws: 0, classes: { etl: { parallel: { alpha: 'x', beta: 0, runs: 0 } } } })).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringMatching(/classes\.etl\.parallel\.alpha/) }),
    );
  });
});

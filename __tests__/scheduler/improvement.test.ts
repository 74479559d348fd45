import fc from 'fast-check';
import { criticalPath } from '../../src/scheduler/critical-path';
import { crossover, geneticSearch, ScheduleSearch, type SearchLimits } from '../../src/scheduler/improvement';
import { generateRcpspInstance, instanceToProblem } from '../../src/scheduler/instance-generator';
import { rankTasks, ruleKeys, ruleList, sampleList } from '../../src/scheduler/priority-rules';
import { createRandom } from '../../src/scheduler/random';
import { compileProblem, ResourceProfile, serialSgs } from '../../src/scheduler/sgs';

const problem = instanceToProblem(generateRcpspInstance({ tasks: 30, seed: 21 }));
const compiled = compileProblem(problem);
const { heads, tails } = criticalPath(problem.dag, problem.durations);
const lft = ruleKeys(compiled, 'lft', heads, tails);
const limits = (overrides: Partial<SearchLimits> = {}): SearchLimits => ({ maxSchedules: 1e6, maxWork: Infinity, deadline: Infinity, lowerBound: 0, ...overrides });

function decode(list: Int32Array): number {
  return serialSgs(compiled, list, new Float64Array(compiled.n), new ResourceProfile(compiled));
}

function isFeasibleList(list: ArrayLike<number>): boolean {
  const at = new Map<number, number>();
  for (let k = 0; k < list.length; k++) at.set(list[k] as number, k);
  return at.size === compiled.n && problem.dag.preds.every((preds, i) => preds.every((p) => (at.get(p) as number) < (at.get(i) as number)));
}

describe('crossover', () => {
  it('keeps the head of the first parent and the rest in the second parent order', () => {
    const first = Int32Array.from([0, 1, 2, 3, 4, 5]);
    const second = Int32Array.from([5, 3, 1, 4, 2, 0]);
    expect(Array.from(crossover(first, second, 2, 4))).toEqual([0, 1, 5, 3, 2, 4]);
    expect(Array.from(crossover(first, second, 0, 6))).toEqual(Array.from(second));
    expect(Array.from(crossover(first, second, 3, 3))).toEqual(Array.from(first));
  });

  it('turns any two feasible lists into a feasible child', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.nat(30), fc.nat(30), (s1, s2, a, b) => {
        const mother = sampleList(compiled, lft, 5, createRandom(s1));
        const father = sampleList(compiled, lft, 5, createRandom(s2));
        expect(isFeasibleList(crossover(mother, father, Math.min(a, b), Math.max(a, b)))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('ScheduleSearch', () => {
  it('justifies each decoded list into a schedule at least as short, often shorter', () => {
    const random = createRandom(3);
    let improved = 0;
    for (let k = 0; k < 30; k++) {
      const list = sampleList(compiled, lft, 5, random);
      const search = new ScheduleSearch(compiled, limits());
      const result = search.evaluate(list);
      expect(result.makespan).toBeLessThanOrEqual(decode(list));
      expect(decode(result.list)).toBe(result.makespan);
      expect(isFeasibleList(result.list)).toBe(true);
      expect(search.schedules).toBe(3);
      if (result.makespan < decode(list)) improved++;
    }
    expect(improved).toBeGreaterThan(5);
  });

  it('skips justification when the budget has no room for its two extra passes', () => {
    const list = ruleList(compiled, rankTasks(lft));
    const search = new ScheduleSearch(compiled, limits({ maxSchedules: 2 }));
    expect(search.evaluate(list)).toEqual({ list, makespan: decode(list) });
    expect(search.schedules).toBe(1);
    expect(search.exhausted()).toBe(false);
    search.evaluate(list);
    expect(search.exhausted()).toBe(true);
  });

  it('remembers the best schedule it is offered or finds', () => {
    const search = new ScheduleSearch(compiled, limits());
    const starts = new Float64Array(compiled.n).fill(1);
    search.offer(starts, 500);
    search.offer(new Float64Array(compiled.n).fill(2), 600);
    expect(search.bestMakespan).toBe(500);
    expect(Array.from(search.bestStarts)).toEqual(Array.from(starts));
    const found = search.evaluate(ruleList(compiled, rankTasks(lft)));
    expect(search.bestMakespan).toBe(found.makespan);
  });

  it('stops at the lower bound, the work cap or the deadline', () => {
    const list = ruleList(compiled, rankTasks(lft));
    const atBound = new ScheduleSearch(compiled, limits({ lowerBound: 1e9 }));
    atBound.evaluate(list);
    expect(atBound.exhausted()).toBe(true);
    const worked = new ScheduleSearch(compiled, limits({ maxWork: 10 }));
    expect(worked.exhausted()).toBe(false);
    worked.evaluate(list);
    expect(worked.exhausted()).toBe(true);
    const late = new ScheduleSearch(compiled, limits({ deadline: -1 }));
    // The clock is read on every 16th check only.
    const checks = Array.from({ length: 16 }, () => late.exhausted());
    expect(checks.slice(0, 15).every((done) => !done)).toBe(true);
    expect(checks[15]).toBe(true);
  });
});

describe('geneticSearch', () => {
  const seeds = [ruleList(compiled, rankTasks(lft))];
  const options = { populationSize: 20, mutationRate: 0.05, keys: lft, epsilon: 1 };

  it('finds a shorter schedule than its seeds and stays within the budget', () => {
    const seedOnly = new ScheduleSearch(compiled, limits());
    seedOnly.evaluate(seeds[0] as Int32Array);
    const search = new ScheduleSearch(compiled, limits({ maxSchedules: 1500 }));
    geneticSearch(search, compiled, seeds, options, createRandom(1));
    expect(search.schedules).toBeLessThanOrEqual(1500);
    expect(search.schedules).toBeGreaterThan(1490);
    expect(search.bestMakespan).toBeLessThan(seedOnly.bestMakespan);
  });

  it('repeats itself exactly for the same random sequence', () => {
    const run = (): number[] => {
      const search = new ScheduleSearch(compiled, limits({ maxSchedules: 400 }));
      geneticSearch(search, compiled, seeds, options, createRandom(8));
      return Array.from(search.bestStarts);
    };
    expect(run()).toEqual(run());
  });

  it('stops while still seeding when the budget is tiny', () => {
    const search = new ScheduleSearch(compiled, limits({ maxSchedules: 2 }));
    geneticSearch(search, compiled, [...seeds, ...seeds, ...seeds], options, createRandom(1));
    expect(search.schedules).toBe(2);
  });
});

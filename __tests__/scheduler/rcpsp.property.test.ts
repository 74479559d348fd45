import fc from 'fast-check';
import { buildDag } from '../../src/scheduler/dag';
import { makespanLowerBound } from '../../src/scheduler/lower-bound';
import { solveSchedule, type SchedulingProblem, type Solution } from '../../src/scheduler/rcpsp';

interface Generated {
  problem: SchedulingProblem;
  maxIterations: number;
}

/**
 * Random problems: a DAG given in shuffled input order, durations that are zero, whole or real,
 * 0-3 resources with whole demands up to capacity, an optional concurrency limit and priorities.
 */
const problems: fc.Arbitrary<Generated> = fc.integer({ min: 1, max: 24 }).chain((n) =>
  fc
    .record({
      edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 2 * n }),
      shuffle: fc.array(fc.nat(), { minLength: n, maxLength: n }),
      durations: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 }), fc.double({ min: 0.001, max: 9, noNaN: true })), {
        minLength: n,
        maxLength: n,
      }),
      capacities: fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 3 }),
      demandSeeds: fc.array(fc.array(fc.nat(), { minLength: n, maxLength: n }), { minLength: 3, maxLength: 3 }),
      maxConcurrent: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      priorities: fc.option(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: n, maxLength: n }), { nil: undefined }),
      maxIterations: fc.constantFrom(1, 2, 3, 40, 200),
    })
    .map(({ edges, shuffle, durations, capacities, demandSeeds, maxConcurrent, priorities, maxIterations }) => {
      const rankAt = Array.from({ length: n }, (_, i) => i).sort((a, b) => (shuffle[a] as number) - (shuffle[b] as number) || a - b);
      const deps = Array.from({ length: n }, () => [] as string[]);
      for (const [a, b] of edges) if (a < b) (deps[b] as string[]).push(`t${a}`);
      // Input position p holds the task of rank rankAt[p], so dependencies often come later in the input.
      const dag = buildDag(rankAt.map((rank) => ({ id: `t${rank}`, dependsOn: deps[rank] })));
      const byPosition = <T>(values: readonly T[]): T[] => rankAt.map((rank) => values[rank] as T);
      // Some tasks use none of a resource, the rest up to its whole capacity.
      const demands = capacities.map((capacity, k) => byPosition((demandSeeds[k] as number[]).map((seed) => seed % (capacity + 2) > capacity ? 0 : seed % (capacity + 1))));
      return {
        problem: { dag, durations: byPosition(durations), demands, capacities, maxConcurrent, priorities: priorities && byPosition(priorities) },
        maxIterations,
      };
    }),
);

const end = (problem: SchedulingProblem, solution: Solution, i: number): number => (solution.starts[i] as number) + (problem.durations[i] as number);

/** Tasks running at instant t: started at or before t and not yet ended (a task taking no time never runs). */
const runningAt = (problem: SchedulingProblem, solution: Solution, t: number): number[] =>
  problem.dag.ids.map((_, i) => i).filter((i) => (solution.starts[i] as number) <= t && t < end(problem, solution, i));

describe('solveSchedule on random problems', () => {
  const settings = { numRuns: 150 };

  it('schedules each task exactly once, at a finite time from zero on', () => {
    fc.assert(
      fc.property(problems, ({ problem, maxIterations }) => {
        const { starts } = solveSchedule(problem, { maxIterations });
        expect(starts).toHaveLength(problem.dag.ids.length);
        for (const start of starts) expect(Number.isFinite(start) && start >= 0).toBe(true);
      }),
      settings,
    );
  });

  it('never starts a task before all its dependencies end', () => {
    fc.assert(
      fc.property(problems, ({ problem, maxIterations }) => {
        const solution = solveSchedule(problem, { maxIterations });
        problem.dag.preds.forEach((preds, i) => preds.forEach((p) => expect(solution.starts[i]).toBeGreaterThanOrEqual(end(problem, solution, p))));
      }),
      settings,
    );
  });

  it('never uses more of a resource than its capacity, at any instant', () => {
    fc.assert(
      fc.property(problems, ({ problem, maxIterations }) => {
        const solution = solveSchedule(problem, { maxIterations });
        // Usage only rises when a task starts, so checking every start time checks every instant.
        for (const t of new Set(solution.starts)) {
          const running = runningAt(problem, solution, t);
          problem.capacities.forEach((capacity, k) => {
            expect(running.reduce((sum, i) => sum + ((problem.demands[k] as number[])[i] as number), 0)).toBeLessThanOrEqual(capacity);
          });
        }
      }),
      settings,
    );
  });

  it('never runs more tasks at once than maxConcurrent', () => {
    fc.assert(
      fc.property(problems, ({ problem, maxIterations }) => {
        fc.pre(problem.maxConcurrent !== undefined);
        const solution = solveSchedule(problem, { maxIterations });
        for (const t of new Set(solution.starts)) expect(runningAt(problem, solution, t).length).toBeLessThanOrEqual(problem.maxConcurrent as number);
      }),
      settings,
    );
  });

  it('reports the real makespan, and it is never below the lower bound', () => {
    fc.assert(
      fc.property(problems, ({ problem, maxIterations }) => {
        const solution = solveSchedule(problem, { maxIterations });
        const latest = problem.dag.ids.reduce((most, _, i) => Math.max(most, end(problem, solution, i)), 0);
        expect(solution.makespan).toBe(latest);
        expect(solution.makespan).toBeGreaterThanOrEqual(makespanLowerBound(problem) * (1 - 1e-12));
      }),
      settings,
    );
  });

  it('gives the same solution every time for the same problem', () => {
    fc.assert(
      fc.property(problems, ({ problem, maxIterations }) => {
        expect(solveSchedule(problem, { maxIterations })).toEqual(solveSchedule(problem, { maxIterations }));
      }),
      settings,
    );
  });

  it('never does worse with more search than with the single pass', () => {
    fc.assert(
      fc.property(problems, ({ problem }) => {
        expect(solveSchedule(problem, { maxIterations: 200 }).makespan).toBeLessThanOrEqual(solveSchedule(problem, { maxIterations: 1 }).makespan);
      }),
      settings,
    );
  });
});

import { buildDag } from '../../src/scheduler/dag';
import { makespanLowerBound } from '../../src/scheduler/lower-bound';
import type { SchedulingProblem } from '../../src/scheduler/rcpsp';

const independent = (durations: number[], extra: Partial<SchedulingProblem> = {}): SchedulingProblem => ({
  dag: buildDag(durations.map((_, i) => ({ id: `t${i}` }))),
  durations,
  demands: [],
  capacities: [],
  ...extra,
});

describe('makespanLowerBound', () => {
  it('is the critical path when resources are plentiful', () => {
    const dag = buildDag([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c' }]);
    expect(makespanLowerBound({ dag, durations: [4, 3, 2], demands: [[1, 1, 1]], capacities: [10] })).toBe(7);
  });

  it('is the work of the busiest resource over its capacity, without rounding up', () => {
    const problem = independent([4, 4, 3], { demands: [[1, 1, 0], [2, 2, 3]], capacities: [1, 4] });
    // resource 0: 8 / 1 = 8; resource 1: (8 + 8 + 9) / 4 = 6.25
    expect(makespanLowerBound(problem)).toBe(8);
    expect(makespanLowerBound({ ...problem, capacities: [2, 4] })).toBe(6.25);
  });

  it('is the total duration over maxConcurrent when concurrency is the limit', () => {
    expect(makespanLowerBound(independent([3, 3, 3, 1], { maxConcurrent: 2 }))).toBe(5);
    expect(makespanLowerBound(independent([3, 3, 3, 1], { maxConcurrent: 8 }))).toBe(3);
  });

  it('ignores a resource with no capacity and a missing demand row', () => {
    expect(makespanLowerBound(independent([2, 2], { demands: [[0, 0]], capacities: [0, 3] }))).toBe(2);
  });

  it('is zero for an empty problem', () => {
    expect(makespanLowerBound(independent([]))).toBe(0);
  });
});

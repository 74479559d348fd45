import { criticalPath } from './critical-path.js';
import type { SchedulingProblem } from './sgs.js';

/**
 * A makespan no schedule can beat: the longest of the critical path, each resource's work divided by
 * its capacity (task-time units it must supply, over the units it has), and the total duration divided
 * by `maxConcurrent`. Not rounded up, because durations may be real numbers.
 *
 * @example
 * const dag = buildDag([{ id: 'a' }, { id: 'b' }]);
 * makespanLowerBound({ dag, durations: [4, 4], demands: [[1, 1]], capacities: [1] }); // 8
 */
export function makespanLowerBound(problem: SchedulingProblem): number {
  const { dag, durations, demands, capacities, maxConcurrent } = problem;
  const n = dag.ids.length;
  let bound = criticalPath(dag, durations).lengthMs;
  capacities.forEach((capacity, k) => {
    const row = demands[k] ?? [];
    let work = 0;
    for (let i = 0; i < n; i++) work += (durations[i] as number) * (row[i] ?? 0);
    if (capacity > 0) bound = Math.max(bound, work / capacity);
  });
  if (maxConcurrent !== undefined && maxConcurrent > 0) {
    let total = 0;
    for (let i = 0; i < n; i++) total += durations[i] as number;
    bound = Math.max(bound, total / maxConcurrent);
  }
  return bound;
}

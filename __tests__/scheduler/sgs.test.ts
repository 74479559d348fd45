import { buildDag } from '../../src/scheduler/dag';
import { compileProblem, ResourceProfile, serialSgs, type SchedulingProblem } from '../../src/scheduler/sgs';

interface TaskSpec {
  id: string;
  after?: string[];
  d: number;
  use?: number[];
}

function problemOf(tasks: TaskSpec[], capacities: number[], maxConcurrent?: number): SchedulingProblem {
  return {
    dag: buildDag(tasks.map((t) => ({ id: t.id, dependsOn: t.after ?? [] }))),
    durations: tasks.map((t) => t.d),
    demands: capacities.map((_, k) => tasks.map((t) => t.use?.[k] ?? 0)),
    capacities,
    maxConcurrent,
  };
}

function serial(problem: SchedulingProblem, list: number[], backward = false): { starts: number[]; makespan: number; work: number } {
  const compiled = compileProblem(problem);
  const profile = new ResourceProfile(compiled);
  const starts = new Float64Array(compiled.n);
  const makespan = serialSgs(compiled, list, starts, profile, backward);
  return { starts: Array.from(starts), makespan, work: profile.work };
}

describe('serialSgs', () => {
  it('starts a task listed later in a gap before an earlier-listed one', () => {
    const problem = problemOf(
      [
        { id: 'a', d: 2, use: [1] },
        { id: 'b', d: 4, use: [2], after: ['a'] },
        { id: 'c', d: 1, use: [1] },
      ],
      [2],
    );
    expect(serial(problem, [0, 1, 2])).toMatchObject({ starts: [0, 2, 0], makespan: 6 });
  });

  it('skips a gap too short for the whole task', () => {
    const problem = problemOf(
      [
        { id: 'a', d: 1, use: [2] },
        { id: 'wait', d: 2 },
        { id: 'b', d: 1, use: [2], after: ['wait'] },
        { id: 'c', d: 2, use: [1] },
      ],
      [2],
    );
    // The unit is free during [1, 2), but c needs two units of time: it goes after b.
    expect(serial(problem, [0, 1, 2, 3]).starts).toEqual([0, 0, 2, 3]);
  });

  it('places tasks at real-valued finish times exactly', () => {
    const problem = problemOf(
      [
        { id: 'a', d: 0.1, use: [1] },
        { id: 'b', d: 0.2, use: [1] },
        { id: 'c', d: 0.3, use: [1] },
      ],
      [1],
    );
    const { starts, makespan } = serial(problem, [0, 1, 2]);
    expect(starts).toEqual([0, 0.1, 0.1 + 0.2]);
    expect(makespan).toBe(0.1 + 0.2 + 0.3);
  });

  it('starts a task with no duration as soon as its dependencies end, whatever the load', () => {
    const problem = problemOf([{ id: 'a', d: 3, use: [1] }, { id: 'mark', d: 0, use: [1] }, { id: 'b', d: 1, use: [1], after: ['mark'] }], [1]);
    expect(serial(problem, [0, 1, 2]).starts).toEqual([0, 0, 3]);
  });

  it('schedules the mirror image when backward, dependents first', () => {
    const problem = problemOf([{ id: 'a', d: 2, use: [1] }, { id: 'b', d: 3, use: [1], after: ['a'] }, { id: 'c', d: 1, use: [1] }], [1]);
    // Mirror time: b first, then a after b; c fills in after.
    expect(serial(problem, [1, 0, 2], true)).toMatchObject({ starts: [3, 0, 5], makespan: 6 });
  });

  it('counts the profile rows it visits and shifts', () => {
    const problem = problemOf(Array.from({ length: 20 }, (_, i) => ({ id: `t${i}`, d: 1, use: [1] })), [1]);
    const { work, makespan } = serial(problem, Array.from({ length: 20 }, (_, i) => i));
    expect(makespan).toBe(20);
    // Each placement scans the full profile: the effort grows quadratically.
    expect(work).toBeGreaterThan(20 * 19 / 2);
  });
});

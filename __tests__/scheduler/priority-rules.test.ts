import { criticalPath } from '../../src/scheduler/critical-path';
import { buildDag } from '../../src/scheduler/dag';
import { generateRcpspInstance, instanceToProblem } from '../../src/scheduler/instance-generator';
import { IntHeap, MTS_MAX_TASKS, PRIORITY_RULES, rankTasks, ruleKeys, ruleList, sampleList } from '../../src/scheduler/priority-rules';
import { createRandom } from '../../src/scheduler/random';
import { compileProblem, type SchedulingProblem } from '../../src/scheduler/sgs';

// a -> b -> d, a -> c, e alone; one resource of 2 units.
const problem: SchedulingProblem = {
  dag: buildDag([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['a'] }, { id: 'd', dependsOn: ['b'] }, { id: 'e' }]),
  durations: [2, 3, 1, 4, 5],
  demands: [[1, 2, 1, 1, 2]],
  capacities: [2],
};
const compiled = compileProblem(problem);
const { heads, tails } = criticalPath(problem.dag, problem.durations);
const keys = (rule: (typeof PRIORITY_RULES)[number]): number[] => Array.from(ruleKeys(compiled, rule, heads, tails));

function isFeasibleList(list: ArrayLike<number>, p: SchedulingProblem): boolean {
  const seen = new Set<number>();
  for (let k = 0; k < list.length; k++) {
    const i = list[k] as number;
    if (!(p.dag.preds[i] as number[]).every((q) => seen.has(q))) return false;
    seen.add(i);
  }
  return seen.size === p.dag.ids.length;
}

describe('priority rules', () => {
  it('computes latest finish and latest start times from the critical path', () => {
    // Critical path a-b-d = 9; tails: a 9, b 7, c 1, d 4, e 5.
    expect(keys('lst')).toEqual([0, 2, 8, 5, 4]);
    expect(keys('lft')).toEqual([2, 5, 9, 9, 9]);
    expect(keys('mslk')).toEqual([0, 0, 6, 0, 4]);
  });

  it('counts all transitive successors for mts, and falls back to lft beyond MTS_MAX_TASKS', () => {
    expect(keys('mts')).toEqual([-3, -1, 0, 0, 0]);
    const n = MTS_MAX_TASKS + 1;
    const chain: SchedulingProblem = {
      dag: buildDag(Array.from({ length: n }, (_, i) => ({ id: `t${i}`, dependsOn: i === 0 ? [] : [`t${i - 1}`] }))),
      durations: new Array<number>(n).fill(1),
      demands: [new Array<number>(n).fill(1)],
      capacities: [1],
    };
    const big = compileProblem(chain);
    const cp = criticalPath(chain.dag, chain.durations);
    expect(ruleKeys(big, 'mts', cp.heads, cp.tails)).toEqual(ruleKeys(big, 'lft', cp.heads, cp.tails));
  });

  it('weighs a task by its own and its direct successors durations for grpw', () => {
    expect(keys('grpw')).toEqual([-6, -7, -1, -4, -5]);
  });

  it('weighs a task by duration times share of capacity for grd', () => {
    expect(keys('grd')).toEqual([-1, -3, -0.5, -2, -5]);
  });

  it('ranks by key, then by higher user priority, then by input index', () => {
    const tied = Float64Array.from([3, 1, 1, 1, 0]);
    expect(Array.from(rankTasks(tied))).toEqual([4, 1, 2, 3, 0]);
    expect(Array.from(rankTasks(tied, [5, 1, 9, 9, 5]))).toEqual([4, 3, 1, 2, 0]);
  });

  it('lists tasks best-ranked first among those whose dependencies are listed', () => {
    const list = ruleList(compiled, rankTasks(Float64Array.from(keys('lst'))));
    expect(Array.from(list)).toEqual([0, 1, 4, 3, 2]);
    const reversed = ruleList(compiled, Int32Array.from([4, 3, 2, 1, 0]));
    expect(isFeasibleList(reversed, problem)).toBe(true);
    expect(reversed[0]).toBe(4);
  });

  it('samples dependency-feasible lists that favour the rule but vary', () => {
    const instance = instanceToProblem(generateRcpspInstance({ tasks: 30, seed: 5 }));
    const c = compileProblem(instance);
    const cp = criticalPath(instance.dag, instance.durations);
    const lft = ruleKeys(c, 'lft', cp.heads, cp.tails);
    const random = createRandom(1);
    const lists = Array.from({ length: 20 }, () => sampleList(c, lft, 1, random));
    lists.forEach((list) => expect(isFeasibleList(list, instance)).toBe(true));
    expect(new Set(lists.map((l) => l.join(','))).size).toBeGreaterThan(15);
    // The rule's own list is the most likely draw: sampled lists stay close to it on average.
    const byRule = Array.from(ruleList(c, rankTasks(lft)));
    const displacement = (list: Int32Array): number => Array.from(list).reduce((sum, task, k) => sum + Math.abs(byRule.indexOf(task) - k), 0);
    const uniform = Array.from({ length: 20 }, () => sampleList(c, lft, 1e9, random));
    const mean = (ls: Int32Array[]): number => ls.reduce((s, l) => s + displacement(l), 0) / ls.length;
    expect(mean(lists)).toBeLessThan(mean(uniform));
  });

  it('samples the same list from the same random sequence', () => {
    expect(sampleList(compiled, Float64Array.from(keys('lft')), 0.5, createRandom(9))).toEqual(sampleList(compiled, Float64Array.from(keys('lft')), 0.5, createRandom(9)));
  });
});

describe('IntHeap', () => {
  it('pops values in the order it is given', () => {
    const weight = [5, 1, 4, 1, 3];
    const heap = new IntHeap(5, (a, b) => (weight[a] as number) < (weight[b] as number) || (weight[a] === weight[b] && a < b));
    [0, 1, 2, 3, 4].forEach((v) => heap.push(v));
    expect(heap.peek()).toBe(1);
    expect(Array.from({ length: 5 }, () => heap.pop())).toEqual([1, 3, 4, 2, 0]);
    expect(heap.size).toBe(0);
  });
});

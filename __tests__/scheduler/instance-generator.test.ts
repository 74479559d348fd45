import { isNoError } from '../../src/contracts/errors';
import { criticalPath } from '../../src/scheduler/critical-path';
import {
  DEFAULT_GENERATED_RESOURCES,
  generateRcpspInstance,
  instanceToProblem,
  MAX_GENERATED_DEMAND,
  type GenerateOptions,
  type RcpspInstance,
} from '../../src/scheduler/instance-generator';

/** Highest total demand of each resource when every task starts at its earliest time. */
function earliestStartPeaks(instance: RcpspInstance): number[] {
  const problem = instanceToProblem(instance);
  const { heads } = criticalPath(problem.dag, problem.durations);
  return problem.demands.map((row) => {
    let peak = 0;
    for (const t of new Set(heads)) {
      let used = 0;
      row.forEach((d, i) => {
        if ((heads[i] as number) <= t && t < (heads[i] as number) + (problem.durations[i] as number)) used += d;
      });
      peak = Math.max(peak, used);
    }
    return peak;
  });
}

const arcs = (instance: RcpspInstance): number => instance.tasks.reduce((sum, task) => sum + task.dependsOn.length, 0);

describe('generateRcpspInstance', () => {
  it('is reproducible from its seed and differs between seeds', () => {
    expect(generateRcpspInstance({ tasks: 30, seed: 4 })).toEqual(generateRcpspInstance({ tasks: 30, seed: 4 }));
    expect(generateRcpspInstance({ tasks: 30, seed: 4 }).tasks).not.toEqual(generateRcpspInstance({ tasks: 30, seed: 5 }).tasks);
  });

  it('names tasks t1..tN with dependencies only on earlier tasks, and resources r1..rK', () => {
    const instance = generateRcpspInstance({ tasks: 60, seed: 1, resources: 3 });
    expect(instance.name).toBe('rcpsp-n60-r3-s1');
    expect(instance.tasks.map((t) => t.id)).toEqual(Array.from({ length: 60 }, (_, i) => `t${i + 1}`));
    expect(Object.keys(instance.resources)).toEqual(['r1', 'r2', 'r3']);
    instance.tasks.forEach((task, i) => task.dependsOn.forEach((dep) => expect(Number(dep.slice(1))).toBeLessThan(i + 1)));
    expect(() => instanceToProblem(instance)).not.toThrow();
  });

  it('has at most three start tasks and three finish tasks, like ProGen networks', () => {
    for (const seed of [1, 2, 3]) {
      const instance = generateRcpspInstance({ tasks: 30, seed });
      const problem = instanceToProblem(instance);
      expect(problem.dag.preds.filter((p) => p.length === 0).length).toBeLessThanOrEqual(3);
      expect(problem.dag.succs.filter((s) => s.length === 0).length).toBeLessThanOrEqual(3);
    }
  });

  it('adds about networkComplexity arcs per task, never the same arc twice', () => {
    for (const networkComplexity of [1.5, 2.1]) {
      const instance = generateRcpspInstance({ tasks: 120, seed: 3, networkComplexity });
      expect(arcs(instance) / 120).toBeCloseTo(networkComplexity, 1);
      for (const task of instance.tasks) expect(new Set(task.dependsOn).size).toBe(task.dependsOn.length);
    }
  });

  it('builds deep networks rather than wide shallow ones', () => {
    const instance = generateRcpspInstance({ tasks: 30, seed: 12 });
    const problem = instanceToProblem(instance);
    // Unit durations turn the critical path into the number of levels; PSPLIB j30 has about ten.
    expect(criticalPath(problem.dag, problem.durations.map(() => 1)).lengthMs).toBeGreaterThanOrEqual(6);
  });

  it('gives each task about resourceFactor of the resources, with demands from 1 to 10', () => {
    const instance = generateRcpspInstance({ tasks: 200, seed: 8, resourceFactor: 0.6 });
    const used = instance.tasks.map((t) => Object.keys(t.resources).length);
    expect(used.reduce((a, b) => a + b, 0) / (200 * DEFAULT_GENERATED_RESOURCES)).toBeCloseTo(0.6, 1);
    for (const task of instance.tasks) {
      for (const demand of Object.values(task.resources)) expect(demand >= 1 && demand <= MAX_GENERATED_DEMAND).toBe(true);
    }
    const single = generateRcpspInstance({ tasks: 50, seed: 8, resourceFactor: 0.25 });
    expect(single.tasks.every((t) => Object.keys(t.resources).length === 1)).toBe(true);
  });

  it('sets capacities from the largest demand (strength 0) to the earliest-start peak (strength 1)', () => {
    const base: GenerateOptions = { tasks: 40, seed: 6 };
    const tight = generateRcpspInstance({ ...base, resourceStrength: 0 });
    const loose = generateRcpspInstance({ ...base, resourceStrength: 1 });
    const middle = generateRcpspInstance({ ...base, resourceStrength: 0.5 });
    const peaks = earliestStartPeaks(loose);
    Object.keys(tight.resources).forEach((name, k) => {
      const largest = Math.max(...tight.tasks.map((t) => t.resources[name] ?? 0));
      expect(tight.resources[name]).toBe(largest);
      expect(loose.resources[name]).toBe(peaks[k]);
      expect(middle.resources[name]).toBe(largest + Math.round(0.5 * ((peaks[k] as number) - largest)));
    });
  });

  it('draws whole durations from 1 to maxDuration', () => {
    const instance = generateRcpspInstance({ tasks: 100, seed: 2, maxDuration: 3 });
    const durations = new Set(instance.tasks.map((t) => t.estimatedDurationMs));
    expect([...durations].sort()).toEqual([1, 2, 3]);
  });

  it('makes an instance without resources, or without resource use', () => {
    const none = generateRcpspInstance({ tasks: 10, seed: 1, resources: 0 });
    expect(none.resources).toEqual({});
    const idle = generateRcpspInstance({ tasks: 10, seed: 1, resourceFactor: 0 });
    expect(idle.tasks.every((t) => Object.keys(t.resources).length === 0)).toBe(true);
    expect(Object.values(idle.resources)).toEqual([1, 1, 1, 1]);
  });

  it('makes tiny instances, where every task is a start task', () => {
    const instance = generateRcpspInstance({ tasks: 2, seed: 9, networkComplexity: 3 });
    expect(instance.tasks.every((t) => t.dependsOn.length === 0)).toBe(true);
  });

  it('generates 10,000 tasks quickly enough for benchmarks', () => {
    const instance = generateRcpspInstance({ tasks: 10_000, seed: 1, networkComplexity: 2 });
    expect(arcs(instance) / 10_000).toBeCloseTo(2, 1);
  });

  it.each<[string, Partial<GenerateOptions>]>([
    ['tasks', { tasks: 0 }],
    ['tasks', { tasks: 2.5 }],
    ['resources', { resources: -1 }],
    ['resourceFactor', { resourceFactor: 1.5 }],
    ['resourceStrength', { resourceStrength: -0.1 }],
    ['maxDuration', { maxDuration: 0 }],
    ['networkComplexity', { networkComplexity: Number.NaN }],
  ])('rejects an invalid %s', (field, override) => {
    let error: unknown;
    try {
      generateRcpspInstance({ tasks: 10, seed: 1, ...override });
    } catch (caught) {
      error = caught;
    }
    expect(isNoError(error, 'INVALID_REQUEST')).toBe(true);
    expect((error as Error).message).toContain(field);
  });
});

describe('instanceToProblem', () => {
  it('lays out durations, demands and capacities by task index and resource order', () => {
    const problem = instanceToProblem({
      name: 'tiny',
      tasks: [
        { id: 'a', dependsOn: [], estimatedDurationMs: 2, resources: { cpu: 1 } },
        { id: 'b', dependsOn: ['a'], estimatedDurationMs: 3, resources: { gpu: 2 } },
      ],
      resources: { cpu: 2, gpu: 4 },
    });
    expect(problem.durations).toEqual([2, 3]);
    expect(problem.demands).toEqual([
      [1, 0],
      [0, 2],
    ]);
    expect(problem.capacities).toEqual([2, 4]);
    expect(problem.dag.preds).toEqual([[], [0]]);
  });
});

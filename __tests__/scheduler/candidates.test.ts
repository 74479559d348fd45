import { isNoError, type TaskInput } from '../../src/contracts/index';
import { TaskSchema, type ExecutionRequest } from '../../src/contracts/scheduler';
import { declaresRisk, runBaseline, strategyBounds, strategyCandidates } from '../../src/scheduler/candidates';
import { buildDag } from '../../src/scheduler/dag';
import { DEFAULT_REGRET_CAP } from '../../src/scheduler/strategy';
import { thrown } from '../helpers/errors';

const source = (tasks: TaskInput[], limit?: number): Pick<ExecutionRequest, 'tasks' | 'resources' | 'constraints'> => ({
  tasks: tasks.map((t) => TaskSchema.parse(t)),
  resources: {},
  constraints: limit === undefined ? {} : { maxConcurrentAgents: limit },
});
const candidatesOf = (tasks: TaskInput[], options = {}, limit?: number) => {
  const s = source(tasks, limit);
  return strategyCandidates(s, buildDag(s.tasks), options);
};

/** `a` then `width` tasks of 10 ms in parallel, the first `risky` of them with the given risk. */
const fan = (width: number, risky: number, over: Partial<TaskInput> = { risk: 'medium' }): TaskInput[] => [
  { id: 'a', estimatedDurationMs: 10 },
  ...Array.from({ length: width }, (_, i) => ({ id: `b${i}`, dependsOn: ['a'], estimatedDurationMs: 10, ...(i < risky ? over : {}) })),
];

describe('declaresRisk', () => {
  it.each([
    [{ risk: 'low', sideEffects: 'none' }, false],
    [{ risk: 'low', sideEffects: 'idempotent' }, false],
    [{ risk: 'medium', sideEffects: 'none' }, true],
    [{ risk: 'high', sideEffects: 'none' }, true],
    [{ risk: 'low', sideEffects: 'external' }, true],
  ] as const)('says %p declares risk: %p', (task, expected) => {
    expect(declaresRisk(task)).toBe(expected);
  });
});

describe('strategyCandidates', () => {
  it('gives a DAG that declares no risk the rules\' strategy alone, for a wide DAG and for a chain', () => {
    expect(candidatesOf(fan(4, 0))).toMatchObject({ rule: { strategy: 'parallel' }, candidates: ['parallel'] });
    const chain = candidatesOf([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['b'], sideEffects: 'idempotent' }]);
    expect(chain).toMatchObject({ rule: { strategy: 'sequential-safe' }, candidates: ['sequential-safe'] });
  });

  it('adds sequential-safe for tasks of medium risk while serialising stays within the regret cap', () => {
    expect(DEFAULT_REGRET_CAP).toBe(1.5);
    // Parallel bound 20 ms, serialised 30 ms: 1.5x.
    expect(candidatesOf(fan(2, 1)).candidates).toEqual(['parallel', 'sequential-safe']);
    // Serialised 40 ms against 20: 2x, beyond the cap.
    expect(candidatesOf(fan(3, 1)).candidates).toEqual(['parallel']);
    expect(candidatesOf(fan(3, 1), { regretCap: 2 }).candidates).toEqual(['parallel', 'sequential-safe']);
    expect(candidatesOf(fan(12, 1), { regretCap: Infinity }).candidates).toEqual(['parallel', 'sequential-safe']);
  });

  it('never offers parallel when tasks need coordination, and keeps the coordinated strategy', () => {
    expect(candidatesOf(fan(2, 1, { risk: 'high' })).candidates).toEqual(['parallel-coordinated', 'sequential-safe']);
    expect(candidatesOf(fan(4, 1, { sideEffects: 'external' })).candidates).toEqual(['parallel-coordinated']);
  });

  it('keeps the rules\' choice even beyond the cap, and offers the faster coordinated plan beside it', () => {
    // Most tasks are external: the rules serialise (50 ms); coordinated, only they take turns (bound 30 ms).
    const mostlyExternal = fan(4, 3, { sideEffects: 'external' });
    expect(candidatesOf(mostlyExternal)).toMatchObject({ rule: { strategy: 'sequential-safe' }, candidates: ['sequential-safe', 'parallel-coordinated'] });
    expect(candidatesOf(mostlyExternal, { regretCap: 1 }).candidates).toEqual(['sequential-safe', 'parallel-coordinated']);
  });

  it('cannot tell strategies apart without estimates, so the cap drops none', () => {
    const noEstimates = fan(8, 1).map((t) => ({ ...t, estimatedDurationMs: 0 }));
    expect(candidatesOf(noEstimates).candidates).toEqual(['parallel', 'sequential-safe']);
  });

  it.each([0.5, Number.NaN, -1])('rejects a regret cap of %p', (regretCap) => {
    const error = thrown(() => candidatesOf(fan(2, 1), { regretCap }));
    expect(isNoError(error, 'INVALID_NUMBER')).toBe(true);
    expect(error.message).toContain('regretCap');
  });
});

describe('strategyBounds', () => {
  it('bounds sequential-safe by the sum, parallel by the path or the work over the limit, coordinated by the mutex too', () => {
    const s = source(fan(4, 3, { risk: 'high' }), 2);
    const bounds = strategyBounds(s, buildDag(s.tasks));
    expect(bounds['sequential-safe']).toBe(50);
    expect(bounds.parallel).toBe(25); // max(path 20, 50 ms of work over 2 slots)
    expect(bounds['parallel-coordinated']).toBe(30); // the three high-risk tasks take turns: 30 ms
    expect(strategyBounds(s, buildDag(s.tasks), [1, 1, 1, 1, 1])['sequential-safe']).toBe(5);
  });
});

describe('runBaseline', () => {
  it('measures a run against the fastest candidate over the durations the tasks really took', () => {
    const s = source(fan(2, 1));
    const baseline = runBaseline(s, new Map([['a', 12], ['b0', 30], ['b1', 8]]));
    expect(baseline).toEqual({ candidates: ['parallel', 'sequential-safe'], bestLowerBoundMs: 42 });
  });

  it('counts a task with no measured duration as 0 ms, whatever its id', () => {
    const s = source([{ id: 'constructor', estimatedDurationMs: 10 }, { id: 'b', estimatedDurationMs: 10 }]);
    expect(runBaseline(s, new Map([['b', 7]]))).toEqual({ candidates: ['parallel'], bestLowerBoundMs: 7 });
  });
});

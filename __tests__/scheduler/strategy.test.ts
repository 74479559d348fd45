import { isNoError } from '../../src/contracts/errors';
import { TaskSchema, type Task, type TaskInput } from '../../src/contracts/scheduler';
import { buildDag } from '../../src/scheduler/dag';
import {
  DEFAULT_MAX_COORDINATED_SHARE,
  DEFAULT_MIN_PARALLELISM,
  analyzeShape,
  needsCoordination,
  selectStrategy,
  type DagShape,
} from '../../src/scheduler/strategy';

const tasks = (inputs: TaskInput[]): Task[] => inputs.map((t) => TaskSchema.parse(t));
const shapeOf = (inputs: TaskInput[]): DagShape => {
  const list = tasks(inputs);
  return analyzeShape(buildDag(list), list);
};

describe('analyzeShape', () => {
  it('measures depth and width by longest-path level', () => {
    // a -> b -> d, a -> c -> d, a -> d: d sits on level 2 even though it also depends on a directly.
    const shape = shapeOf([
      { id: 'a' },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['a'] },
      { id: 'd', dependsOn: ['b', 'c', 'a'] },
      { id: 'e' },
    ]);
    expect(shape).toMatchObject({ tasks: 5, edges: 5, depth: 3, maxWidth: 2, parallelism: 5 / 3 });
  });

  it('counts risk and side effects, each coordinated task once', () => {
    const shape = shapeOf([
      { id: 'a', risk: 'high', sideEffects: 'external' },
      { id: 'b', risk: 'medium', sideEffects: 'idempotent' },
      { id: 'c', sideEffects: 'external' },
      { id: 'd' },
    ]);
    expect(shape).toMatchObject({ highRisk: 1, mediumRisk: 1, external: 2, idempotent: 1, coordinated: 2 });
  });

  it('ignores tasks that are not in the DAG and reports an empty DAG as zero', () => {
    const list = tasks([{ id: 'x', risk: 'high' }]);
    const shape = analyzeShape(buildDag([]), list);
    expect(shape).toEqual({
      tasks: 0, edges: 0, depth: 0, maxWidth: 0, parallelism: 0,
      highRisk: 0, mediumRisk: 0, external: 0, idempotent: 0, coordinated: 0, voting: 0,
    });
  });
});

describe('needsCoordination', () => {
  it('is true for external side effects or high risk only', () => {
    expect(needsCoordination({ risk: 'low', sideEffects: 'external' })).toBe(true);
    expect(needsCoordination({ risk: 'high', sideEffects: 'none' })).toBe(true);
    expect(needsCoordination({ risk: 'medium', sideEffects: 'idempotent' })).toBe(false);
  });
});

describe('selectStrategy', () => {
  it('runs a chain sequential-safe since parallelism gains nothing', () => {
    const choice = selectStrategy(shapeOf([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['b'] }]));
    expect(choice.strategy).toBe('sequential-safe');
    expect(choice.reason).toContain('chain');
  });

  it('runs a single task sequential-safe', () => {
    expect(selectStrategy(shapeOf([{ id: 'only' }])).strategy).toBe('sequential-safe');
  });

  it('lets a vote in a chain ask its voters at once, unless most tasks need coordination', () => {
    const vote: TaskInput = { id: 'vote', capability: 'answer', consensus: { voters: 5 } };
    expect(shapeOf([vote, { id: 'next', dependsOn: ['vote'] }]).voting).toBe(1);
    const choice = selectStrategy(shapeOf([vote, { id: 'next', dependsOn: ['vote'] }]));
    expect(choice).toMatchObject({ strategy: 'parallel' });
    expect(choice.reason).toContain('1 consensus task(s) ask their voters at once');
    expect(selectStrategy(shapeOf([{ ...vote, consensus: { voters: { capability: 'answer' } } }])).strategy).toBe('parallel');
    // One voter is no vote to speed up; a high-risk vote alone still takes the safe order.
    expect(selectStrategy(shapeOf([{ ...vote, consensus: { voters: 1 } }])).strategy).toBe('sequential-safe');
    expect(selectStrategy(shapeOf([{ ...vote, risk: 'high' }])).strategy).toBe('sequential-safe');
  });

  it('treats a nearly-chain DAG below minParallelism as a chain', () => {
    // 10 tasks over 9 levels: parallelism 1.11, above the default 1.1 but below a stricter 1.5.
    const inputs: TaskInput[] = [{ id: 't0' }, { id: 'side' }];
    for (let i = 1; i < 9; i++) inputs.push({ id: `t${i}`, dependsOn: [`t${i - 1}`] });
    const shape = shapeOf(inputs);
    expect(shape.parallelism).toBeGreaterThan(DEFAULT_MIN_PARALLELISM);
    expect(selectStrategy(shape).strategy).toBe('parallel');
    expect(selectStrategy(shape, { minParallelism: 1.5 }).strategy).toBe('sequential-safe');
  });

  it('selects parallel-coordinated for a complex task set with side effects', () => {
    const choice = selectStrategy(
      shapeOf([
        { id: 'fetch-users', capability: 'http' },
        { id: 'fetch-orders', capability: 'http' },
        { id: 'join', dependsOn: ['fetch-users', 'fetch-orders'], risk: 'medium' },
        { id: 'report', dependsOn: ['join'], sideEffects: 'idempotent' },
        { id: 'email', dependsOn: ['join'], sideEffects: 'external' },
        { id: 'archive', dependsOn: ['report'] },
      ]),
    );
    expect(choice.strategy).toBe('parallel-coordinated');
    expect(choice.reason).toContain('1 of 6 tasks need coordination');
  });

  it('goes sequential-safe when a majority of tasks are high-risk or external', () => {
    const shape = shapeOf([
      { id: 'a', risk: 'high' },
      { id: 'b', sideEffects: 'external' },
      { id: 'c' },
    ]);
    const choice = selectStrategy(shape);
    expect(choice.strategy).toBe('sequential-safe');
    expect(choice.reason).toContain('blast radius');
    expect(selectStrategy(shape, { maxCoordinatedShare: 0.7 }).strategy).toBe('parallel-coordinated');
  });

  it('keeps exactly half coordinated tasks parallel-coordinated (a majority means more than half)', () => {
    expect(DEFAULT_MAX_COORDINATED_SHARE).toBe(0.5);
    const shape = shapeOf([{ id: 'a', risk: 'high' }, { id: 'b' }]);
    expect(selectStrategy(shape).strategy).toBe('parallel-coordinated');
  });

  it('runs tasks with no coordination needs in parallel', () => {
    const choice = selectStrategy(shapeOf([{ id: 'a', risk: 'medium' }, { id: 'b', sideEffects: 'idempotent' }]));
    expect(choice).toEqual({ strategy: 'parallel', reason: expect.stringContaining('no task needs coordination') });
  });

  it.each([
    [{ minParallelism: 0.5 }, 'minParallelism'],
    [{ minParallelism: Number.NaN }, 'minParallelism'],
    [{ maxCoordinatedShare: 1.5 }, 'maxCoordinatedShare'],
    [{ maxCoordinatedShare: -0.1 }, 'maxCoordinatedShare'],
  ])('rejects the option %p', (options, field) => {
    let caught: unknown;
    try {
      selectStrategy(shapeOf([{ id: 'a' }, { id: 'b' }]), options);
    } catch (error) {
      caught = error;
    }
    expect(isNoError(caught, 'INVALID_NUMBER')).toBe(true);
    expect((caught as Error).message).toContain(field);
  });
});

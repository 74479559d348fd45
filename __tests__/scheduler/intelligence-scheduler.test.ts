import fc from 'fast-check';
import { isNoError, type ExecutionRequestInput, type NoErrorCode } from '../../src/contracts/index';
import { createIntelligenceScheduler, taskClassOf } from '../../src/scheduler/intelligence-scheduler';
import { METRICS } from '../../src/telemetry/index';
import { installTestTelemetry } from '../helpers/otel';
import { assertPlanInvariants, peakUsage } from '../helpers/plan-invariants';

const example: ExecutionRequestInput = {
  tasks: [
    { id: 'fetch', dependsOn: [], estimatedDurationMs: 30, resources: { cpu: 2, memoryMb: 256 }, priority: 5, capability: 'http', input: { url: 'https://example.org' } },
    { id: 'parse', dependsOn: ['fetch'], estimatedDurationMs: 20, resources: { cpu: 4 } },
    { id: 'index', dependsOn: ['fetch'], estimatedDurationMs: 40, resources: { cpu: 6 } },
    { id: 'report', dependsOn: ['parse', 'index'], estimatedDurationMs: 10, resources: { cpu: 1 } },
  ],
  resources: { cpu: 8, memoryMb: 4096 },
  constraints: { maxConcurrentAgents: 4 },
};

function codeOf(fn: () => unknown): { code: NoErrorCode; message: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (error) {
    if (isNoError(error)) return { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected a NoError');
}

describe('planExecution', () => {
  const scheduler = createIntelligenceScheduler();

  it('plans the issue example: one entry per task, makespan and critical path', () => {
    const plan = scheduler.planExecution(example);
    assertPlanInvariants(plan);
    // parse (4 cpu) and index (6 cpu) cannot overlap on 8 cpu: one must wait for the other.
    expect(plan.makespanMs).toBe(100);
    expect(plan.criticalPath).toEqual(['fetch', 'index', 'report']);
    expect(plan.criticalPathMs).toBe(80);
    expect(plan.lowerBoundMs).toBeLessThanOrEqual(plan.makespanMs);
    expect(plan.order[0]).toBe('fetch');
    expect(plan.strategy).toBe('parallel');
    expect(plan.requestedStrategy).toBe('adaptive');
  });

  it('gives the same plan for the same request', () => {
    expect(createIntelligenceScheduler().planExecution(example)).toEqual(createIntelligenceScheduler().planExecution(example));
  });

  it.each<[string, ExecutionRequestInput, NoErrorCode, string]>([
    ['duplicate ids', { tasks: [{ id: 'a' }, { id: 'a' }] }, 'DUPLICATE_TASK', "'a'"],
    ['unknown dependencies', { tasks: [{ id: 'a', dependsOn: ['ghost'] }] }, 'UNKNOWN_DEPENDENCY', 'ghost'],
    ['cycles', { tasks: [{ id: 'a', dependsOn: ['c'] }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['b'] }] }, 'CYCLE_DETECTED', '->'],
    ['a task needing more than exists', { tasks: [{ id: 'big', resources: { gpu: 3 } }], resources: { gpu: 2 } }, 'RESOURCE_EXCEEDED', "'big' needs 3 gpu"],
    ['a NaN duration', { tasks: [{ id: 'a', estimatedDurationMs: NaN }] }, 'INVALID_NUMBER', 'tasks[0].estimatedDurationMs'],
    ['an infinite demand', { tasks: [{ id: 'a', resources: { cpu: Infinity } }] }, 'INVALID_NUMBER', 'tasks[0].resources.cpu'],
    ['a negative capacity', { tasks: [{ id: 'a' }], resources: { cpu: -1 } }, 'INVALID_NUMBER', 'resources.cpu'],
    ['a negative concurrency limit', { tasks: [{ id: 'a' }], constraints: { maxConcurrentAgents: -1 } }, 'INVALID_NUMBER', 'constraints.maxConcurrentAgents'],
    ['a malformed task', { tasks: [{ id: 'a', risk: 'extreme' } as never] }, 'INVALID_REQUEST', 'tasks[0].risk'],
  ])('rejects %s with a typed error before planning', (_what, request, code, text) => {
    const error = codeOf(() => scheduler.planExecution(request));
    expect(error.code).toBe(code);
    expect(error.message).toContain(text);
  });

  it('names the cycle as a path of ids', () => {
    const error = codeOf(() => scheduler.planExecution({ tasks: [{ id: 'a', dependsOn: ['b'] }, { id: 'b', dependsOn: ['a'] }] }));
    const cycle = error.details['cycle'] as string[];
    expect(cycle[0]).toBe(cycle[cycle.length - 1]);
    expect(new Set(cycle)).toEqual(new Set(['a', 'b']));
  });

  it('enforces the configured size limits', () => {
    const small = createIntelligenceScheduler({ limits: { maxTasks: 2, maxTaskInputBytes: 10, maxDependencies: 1, maxTotalInputBytes: 12 } });
    expect(codeOf(() => small.planExecution({ tasks: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] })).details['limit']).toBe('maxTasks');
    expect(codeOf(() => small.planExecution({ tasks: [{ id: 'a', input: 'x'.repeat(20) }] })).details['limit']).toBe('maxTaskInputBytes');
    expect(codeOf(() => small.planExecution({ tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['a', 'a'] }] })).details['limit']).toBe('maxDependencies');
    expect(codeOf(() => small.planExecution({ tasks: [{ id: 'a', input: 'xxxxxxx' }, { id: 'b', input: 'xxxxxxx' }] })).details['limit']).toBe('maxTotalInputBytes');
  });

  it.each([
    ['nothing', null],
    ['a string', 'plan please'],
    ['tasks that are not a list', { tasks: 'a,b' }],
    ['a task that is not an object', { tasks: [null] }],
    ['an array of capacities', { tasks: [{ id: 'a' }], resources: [1, 2] }],
  ])('rejects %s as an invalid request, not a crash', (_what, request) => {
    expect(codeOf(() => scheduler.planExecution(request as never)).code).toBe('INVALID_REQUEST');
  });

  it('breaks a tie between task classes by name, so the class is stable', () => {
    expect(taskClassOf({ tasks: [{ taskClass: 'zeta' }, { taskClass: 'alpha' }] as never })).toBe('alpha');
    expect(taskClassOf({ tasks: [{ taskClass: 'x' }], metadata: { taskClass: '' } } as never)).toBe('x');
  });

  it('refuses an input that cannot be serialized', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(codeOf(() => scheduler.planExecution({ tasks: [{ id: 'a', input: cyclic }] })).code).toBe('INVALID_REQUEST');
  });

  it('runs one task at a time under sequential-safe', () => {
    const plan = scheduler.planExecution({ ...example, strategy: 'sequential-safe' });
    assertPlanInvariants(plan);
    expect(peakUsage(plan).tasks).toBe(1);
    expect(plan.makespanMs).toBe(100);
  });

  it('keeps tasks with external side effects apart under parallel-coordinated, others in parallel', () => {
    const plan = scheduler.planExecution({
      tasks: [
        { id: 'pay', estimatedDurationMs: 10, sideEffects: 'external' },
        { id: 'mail', estimatedDurationMs: 10, risk: 'high' },
        { id: 'read1', estimatedDurationMs: 10 },
        { id: 'read2', estimatedDurationMs: 10 },
      ],
    });
    expect(plan.strategy).toBe('parallel-coordinated');
    const at = Object.fromEntries(plan.schedule.map((s) => [s.taskId, s]));
    expect(at['pay']!.endMs <= at['mail']!.startMs || at['mail']!.endMs <= at['pay']!.startMs).toBe(true);
    expect(plan.makespanMs).toBe(20);
  });

  it('chooses sequential-safe for a chain and explains why', () => {
    const plan = scheduler.planExecution({ tasks: [{ id: 'a', estimatedDurationMs: 1 }, { id: 'b', dependsOn: ['a'], estimatedDurationMs: 1 }] });
    expect(plan.strategy).toBe('sequential-safe');
    expect(plan.strategyReason.length).toBeGreaterThan(0);
  });

  it('emits the no.scheduling.execute span and the latency histogram', async () => {
    const otel = installTestTelemetry();
    try {
      createIntelligenceScheduler().planExecution(example);
      const span = otel.spans().find((s) => s.name === 'no.scheduling.execute')!;
      expect(span.attributes).toMatchObject({
        'no.scheduler.complexity': 'simple',
        'no.scheduler.agent_count': 4,
        'no.scheduler.strategy': 'parallel',
        'no.scheduler.task_count': 4,
        'no.scheduler.tools_required': 1,
        'no.scheduler.agents_allocated': 1,
      });
      expect(span.attributes['no.scheduler.resource_limit']).toBe('{"cpu":8,"memoryMb":4096}');
      const [point] = await otel.metric(METRICS.schedulingLatency.name);
      expect(point?.attributes).toEqual({ complexity: 'simple', agent_count: '4', strategy: 'parallel' });
      expect(() => createIntelligenceScheduler().planExecution({ tasks: [] })).toThrow();
      expect(otel.spans().filter((s) => s.status.code === 2)).toHaveLength(1);
    } finally {
      await otel.shutdown();
    }
  });
});

describe('adaptive strategy', () => {
  const wide = { tasks: [{ id: 'a', estimatedDurationMs: 5 }, { id: 'b', estimatedDurationMs: 5 }, { id: 'c', estimatedDurationMs: 5 }], metadata: { taskClass: 'etl' } };

  it('recommends sequential-safe when a run succeeds below the quality threshold', () => {
    const s = createIntelligenceScheduler();
    const adj = s.adaptStrategy({ planId: 'p', strategy: 'parallel', taskClass: 'etl', totalTasks: 10, succeededTasks: 6, failedTasks: 4, predictedMakespanMs: 5, actualMakespanMs: 5 });
    expect(adj.recommendedStrategy).toBe('sequential-safe');
  });

  it('learns from feedback so the next plan for a class whose tasks declare risk changes strategy, and persists what it learned', () => {
    const s = createIntelligenceScheduler();
    // Serialised, this DAG takes 20 ms against 15 in parallel: within the regret cap.
    const risky = {
      tasks: [
        { id: 'a', estimatedDurationMs: 10, risk: 'medium' as const },
        { id: 'b', dependsOn: ['a'], estimatedDurationMs: 5, risk: 'medium' as const },
        { id: 'c', dependsOn: ['a'], estimatedDurationMs: 5 },
      ],
      metadata: { taskClass: 'etl' },
    };
    expect(s.planExecution(risky).strategy).toBe('parallel');
    for (let i = 0; i < 30; i++) {
      s.adaptStrategy({ planId: 'p', strategy: 'parallel', taskClass: 'etl', totalTasks: 3, succeededTasks: 1, failedTasks: 2, predictedMakespanMs: 5, actualMakespanMs: 50 });
      s.adaptStrategy({ planId: 'p', strategy: 'sequential-safe', taskClass: 'etl', totalTasks: 3, succeededTasks: 3, failedTasks: 0, predictedMakespanMs: 15, actualMakespanMs: 15 });
    }
    expect(s.planExecution(risky).strategy).toBe('sequential-safe');
    expect(s.planExecution(risky).strategyReason).toMatch(/^learned for 'etl' among parallel, sequential-safe/);
    const restored = createIntelligenceScheduler({ adaptiveState: JSON.parse(JSON.stringify(s.getAdaptiveState())) });
    expect(restored.planExecution(risky).strategy).toBe('sequential-safe');
    // The same feedback never moves a DAG that declares no risk off the rules' strategy.
    expect(restored.planExecution(wide).strategy).toBe('parallel');
    expect(taskClassOf({ tasks: [{ taskClass: 'x' }, { taskClass: 'y' }, { taskClass: 'y' }] as never })).toBe('y');
    expect(taskClassOf({ tasks: [] })).toBe('default');
  });

  it('never trades coordination away: feedback praising parallel leaves risky tasks under their mutex', () => {
    const s = createIntelligenceScheduler();
    const risky = { tasks: [...wide.tasks, { id: 'pay', sideEffects: 'external' as const }, { id: 'mail', sideEffects: 'external' as const }], metadata: { taskClass: 'pay' } };
    for (let i = 0; i < 30; i++) {
      s.adaptStrategy({ planId: 'p', strategy: 'parallel', taskClass: 'pay', totalTasks: 5, succeededTasks: 5, failedTasks: 0, predictedMakespanMs: 5, actualMakespanMs: 5 });
      s.adaptStrategy({ planId: 'p', strategy: 'parallel-coordinated', taskClass: 'pay', totalTasks: 5, succeededTasks: 5, failedTasks: 0, predictedMakespanMs: 5, actualMakespanMs: 40 });
    }
    for (let i = 0; i < 20; i++) expect(s.planExecution(risky).strategy).not.toBe('parallel');
  });

  it('with learning: false plans by the rules whatever the feedback, and only assesses runs', () => {
    const risky = { tasks: [{ id: 'a', estimatedDurationMs: 10, risk: 'medium' as const }, { id: 'b', dependsOn: ['a'], estimatedDurationMs: 5 }, { id: 'c', dependsOn: ['a'], estimatedDurationMs: 5 }], metadata: { taskClass: 'etl' } };
    const s = createIntelligenceScheduler({ learning: false });
    const before = s.getAdaptiveState();
    for (let i = 0; i < 30; i++) {
      const adjustment = s.adaptStrategy({ planId: 'p', strategy: 'parallel', taskClass: 'etl', totalTasks: 3, succeededTasks: 0, failedTasks: 3, predictedMakespanMs: 15, actualMakespanMs: 150 });
      expect(adjustment).toMatchObject({ reward: 0, recommendedStrategy: 'parallel', changed: false });
      s.adaptStrategy({ planId: 'p', strategy: 'sequential-safe', taskClass: 'etl', totalTasks: 3, succeededTasks: 3, failedTasks: 0, predictedMakespanMs: 20, actualMakespanMs: 20 });
    }
    for (let i = 0; i < 10; i++) expect(s.planExecution(risky)).toMatchObject({ strategy: 'parallel', strategyReason: expect.stringMatching(/^no task needs coordination/) });
    expect(s.getAdaptiveState()).toEqual(before);
  });

  it('loads a learning state saved before candidates existed, and still never serialises a risk-free DAG with it', () => {
    // What an earlier version saved after rewarding serialised runs of this class as on time.
    const saved = {
      version: 1 as const, seed: 0x5eed, draws: 40,
      classes: { etl: { 'sequential-safe': { alpha: 20, beta: 1, runs: 20 }, parallel: { alpha: 10, beta: 10, runs: 20 }, 'parallel-coordinated': { alpha: 1, beta: 1, runs: 0 } } },
    };
    const s = createIntelligenceScheduler({ adaptiveState: saved });
    for (let i = 0; i < 10; i++) expect(s.planExecution(wide).strategy).toBe('parallel');
    // Where the tasks declare risk, what it learned still counts.
    const risky = { ...wide, tasks: [{ id: 'a', estimatedDurationMs: 10, risk: 'medium' as const }, { id: 'b', dependsOn: ['a'], estimatedDurationMs: 5 }, { id: 'c', dependsOn: ['a'], estimatedDurationMs: 5 }] };
    expect(s.planExecution(risky)).toMatchObject({ strategy: 'sequential-safe', strategyReason: expect.stringMatching(/^learned for 'etl'/) });
    expect(s.getAdaptiveState().classes).toEqual(saved.classes);
  });

  it('refuses a regret cap below 1 when it is created, before any request', () => {
    const error = codeOf(() => createIntelligenceScheduler({ strategy: { regretCap: 0.9 } }));
    expect(error.code).toBe('INVALID_NUMBER');
    expect(error.message).toContain('regretCap');
  });

  it('assigns agents and monitors a run through the facade', () => {
    const s = createIntelligenceScheduler();
    const plan = s.planExecution(example);
    const agents = s.scheduleAgents(plan, [{ id: 'w1', capabilities: ['http'], maxConcurrency: 2 }]);
    expect(agents.assignments.map((a) => a.taskId).sort()).toEqual(['fetch', 'index', 'parse', 'report']);
    const status = s.monitorExecution(plan, [{ taskId: 'fetch', type: 'started', atMs: 0 }, { taskId: 'fetch', type: 'completed', atMs: 30 }]);
    expect(status.completed).toEqual(['fetch']);
    expect(status.progress).toBe(0.25);
  });
});

describe('plan invariants (property-based)', () => {
  const requestArb = fc
    .record({
      n: fc.integer({ min: 1, max: 25 }),
      edges: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 40 }),
      durations: fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 25, maxLength: 25 }),
      cpu: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 25, maxLength: 25 }),
      mem: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 25, maxLength: 25 }),
      capCpu: fc.integer({ min: 4, max: 8 }),
      capMem: fc.integer({ min: 3, max: 6 }),
      limit: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      risky: fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
      strategy: fc.constantFrom('adaptive', 'parallel', 'parallel-coordinated', 'sequential-safe') as fc.Arbitrary<'adaptive'>,
    })
    .map(({ n, edges, durations, cpu, mem, capCpu, capMem, limit, risky, strategy }): ExecutionRequestInput => ({
      tasks: Array.from({ length: n }, (_, i) => ({
        id: `t${i}`,
        // Edges only from lower to higher index: always a DAG.
        dependsOn: [...new Set(edges.filter(([a, b]) => a % n < b % n && b % n === i).map(([a]) => `t${a % n}`))],
        estimatedDurationMs: durations[i]!,
        resources: { cpu: cpu[i]!, mem: mem[i]! },
        sideEffects: risky[i] ? 'external' : 'none',
      })),
      resources: { cpu: capCpu, mem: capMem },
      constraints: limit === undefined ? {} : { maxConcurrentAgents: limit },
      strategy,
    }));

  it('never exceeds a resource, never starts before dependencies end, schedules each task once, respects the bound', () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        const plan = createIntelligenceScheduler({ solve: { maxIterations: 50 } }).planExecution(request);
        assertPlanInvariants(plan);
        if (plan.strategy === 'parallel-coordinated') {
          const risky = plan.schedule.filter((s) => plan.tasks.find((t) => t.id === s.taskId)!.sideEffects === 'external' && s.endMs > s.startMs);
          for (const a of risky) for (const b of risky) if (a !== b) expect(a.endMs <= b.startMs || b.endMs <= a.startMs).toBe(true);
        }
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 150) },
    );
  });

  it('gives the same plan for the same request', () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        const a = createIntelligenceScheduler({ solve: { maxIterations: 50 } }).planExecution(request);
        const b = createIntelligenceScheduler({ solve: { maxIterations: 50 } }).planExecution(structuredClone(request));
        expect(b).toEqual(a);
      }),
      { numRuns: 50 },
    );
  });
});

import fc from 'fast-check';
import { isNoError, type NoError } from '../../src/contracts/errors';
import {
  AgentScheduleSchema,
  ExecutionPlanSchema,
  type AgentDescriptorInput,
  type ExecutionPlan,
  type TaskInput,
} from '../../src/contracts/scheduler';
import { scheduleAgents } from '../../src/scheduler/assignment';
import { thrown } from '../helpers/errors';

/** A plan whose schedule starts each task as soon as its dependencies end (unless `starts` says later). */
function planOf(tasks: TaskInput[], starts: Record<string, number> = {}): ExecutionPlan {
  const end = new Map<string, number>();
  const schedule = tasks.map((t) => {
    const startMs = Math.max(starts[t.id] ?? 0, ...(t.dependsOn ?? []).map((d) => end.get(d) as number));
    const endMs = startMs + (t.estimatedDurationMs ?? 0);
    end.set(t.id, endMs);
    return { taskId: t.id, startMs, endMs };
  });
  schedule.sort((a, b) => a.startMs - b.startMs);
  return ExecutionPlanSchema.parse({
    id: 'plan-1',
    requestedStrategy: 'adaptive',
    strategy: 'parallel',
    strategyReason: 'test',
    tasks,
    order: tasks.map((t) => t.id),
    criticalPath: [],
    criticalPathMs: 0,
    schedule,
    makespanMs: Math.max(0, ...schedule.map((s) => s.endMs)),
    lowerBoundMs: 0,
    resources: {},
    constraints: {},
  });
}


const byTask = (schedule: ReturnType<typeof scheduleAgents>) => new Map(schedule.assignments.map((a) => [a.taskId, a]));

describe('scheduleAgents', () => {
  it('gives each task to an agent with its capability, the better track record first', () => {
    const plan = planOf([
      { id: 'draft', capability: 'write', estimatedDurationMs: 100 },
      { id: 'review', capability: 'review', dependsOn: ['draft'], estimatedDurationMs: 50 },
      { id: 'log', estimatedDurationMs: 10 },
    ]);
    const schedule = scheduleAgents(plan, [
      { id: 'w1', capabilities: ['write'], successRate: 0.8 },
      { id: 'w2', capabilities: ['write'], successRate: 0.95 },
      { id: 'r', capabilities: ['review'] },
    ]);
    expect(AgentScheduleSchema.parse(schedule)).toEqual(schedule);
    expect(schedule.assignments).toEqual([
      { taskId: 'draft', agentId: 'w2', startMs: 0, endMs: 100 },
      // A task with no capability may go to any agent: r has the best record among those free.
      { taskId: 'log', agentId: 'r', startMs: 0, endMs: 10 },
      { taskId: 'review', agentId: 'r', startMs: 100, endMs: 150 },
    ]);
    expect(schedule.unassigned).toEqual([]);
    expect(schedule.makespanMs).toBe(150);
    // 160 ms busy over 150 ms × 3 slots.
    expect(schedule.utilization).toBeCloseTo(160 / 450);
  });

  it('never uses an unhealthy agent and a degraded one only when no healthy one is free', () => {
    const plan = planOf([
      { id: 'a', capability: 'x', estimatedDurationMs: 100 },
      { id: 'b', capability: 'x', estimatedDurationMs: 100 },
      { id: 'c', capability: 'x', estimatedDurationMs: 100 },
    ]);
    const schedule = scheduleAgents(plan, [
      { id: 'sick', capabilities: ['x'], health: 'unhealthy', maxConcurrency: 10 },
      { id: 'slow', capabilities: ['x'], health: 'degraded', successRate: 1 },
      { id: 'ok', capabilities: ['x'], successRate: 0.5 },
    ]);
    expect(schedule.assignments.map((a) => [a.taskId, a.agentId, a.startMs])).toEqual([
      ['a', 'ok', 0],
      ['b', 'slow', 0],
      // Both busy until 100: the healthy one is preferred again.
      ['c', 'ok', 100],
    ]);
  });

  it('delays a task until a capable agent frees up, and its dependents with it', () => {
    const plan = planOf([
      { id: 'a', capability: 'gpu', estimatedDurationMs: 100 },
      { id: 'b', capability: 'gpu', estimatedDurationMs: 100 },
      { id: 'c', dependsOn: ['b'], capability: 'cpu', estimatedDurationMs: 10 },
      { id: 'd', capability: 'cpu', estimatedDurationMs: 5 },
    ]);
    const schedule = scheduleAgents(plan, [
      { id: 'g', capabilities: ['gpu'], maxConcurrency: 3, activeTasks: 2 },
      { id: 'c1', capabilities: ['cpu'] },
    ]);
    const at = byTask(schedule);
    expect(at.get('a')).toMatchObject({ agentId: 'g', startMs: 0, endMs: 100 });
    expect(at.get('b')).toMatchObject({ agentId: 'g', startMs: 100, endMs: 200 });
    expect(at.get('c')).toMatchObject({ agentId: 'c1', startMs: 200, endMs: 210 });
    expect(at.get('d')).toMatchObject({ agentId: 'c1', startMs: 0, endMs: 5 });
    expect(schedule.makespanMs).toBe(210);
  });

  it('uses several slots of one agent at once up to its free concurrency', () => {
    const plan = planOf([1, 2, 3].map((i) => ({ id: `t${i}`, estimatedDurationMs: 50 })));
    const schedule = scheduleAgents(plan, [{ id: 'big', maxConcurrency: 4, activeTasks: 1 }]);
    expect(schedule.assignments.every((a) => a.startMs === 0 && a.agentId === 'big')).toBe(true);
    expect(schedule.utilization).toBe(1);
  });

  it('breaks ties by lower load, then by id', () => {
    const plan = planOf([
      { id: 'long', estimatedDurationMs: 100 },
      { id: 'next', estimatedDurationMs: 10 },
      { id: 'third', estimatedDurationMs: 10 },
    ]);
    const schedule = scheduleAgents(plan, [
      { id: 'b', maxConcurrency: 2 },
      { id: 'a', maxConcurrency: 2 },
    ]);
    expect(schedule.assignments.map((x) => [x.taskId, x.agentId])).toEqual([
      // Equal records and loads: 'a' by id; then 'b' has the lower load; then 'a' and 'b' are at 1/2 each.
      ['long', 'a'],
      ['next', 'b'],
      ['third', 'a'],
    ]);
  });

  it('reports tasks no agent can take, naming the capability and why', () => {
    const plan = planOf([
      { id: 'sing', capability: 'sing' },
      { id: 'fly', capability: 'fly' },
      { id: 'swim', capability: 'swim' },
      { id: 'land', dependsOn: ['fly'] },
      { id: 'walk', capability: 'walk' },
    ]);
    const schedule = scheduleAgents(plan, [
      { id: 'bird', capabilities: ['fly'], health: 'unhealthy' },
      { id: 'fish', capabilities: ['swim'], maxConcurrency: 2, activeTasks: 2 },
      { id: 'dog', capabilities: ['walk'] },
    ]);
    expect(schedule.unassigned).toEqual([
      { taskId: 'sing', reason: 'no agent offers capability "sing"' },
      { taskId: 'fly', reason: 'every agent offering capability "fly" is unhealthy (bird)' },
      { taskId: 'swim', reason: 'every healthy or degraded agent offering capability "swim" is at its concurrency limit (fish)' },
      { taskId: 'land', reason: "depends on unassigned task 'fly'" },
    ]);
    expect(schedule.assignments.map((a) => a.taskId)).toEqual(['walk']);
  });

  it('reports a task with no capability when no agent at all is usable', () => {
    const schedule = scheduleAgents(planOf([{ id: 'any', estimatedDurationMs: 5 }]), []);
    expect(schedule).toEqual({
      planId: 'plan-1',
      assignments: [],
      unassigned: [{ taskId: 'any', reason: 'no agent offers capability (any capability)' }],
      makespanMs: 0,
      utilization: 0,
    });
  });

  it('rejects invalid agent descriptors and duplicate agent ids', () => {
    const plan = planOf([{ id: 'a' }]);
    const bad = thrown(() => scheduleAgents(plan, [{ id: 'x', maxConcurrency: 0 }]));
    expect(isNoError(bad, 'INVALID_REQUEST')).toBe(true);
    expect(bad.message).toContain('[0].maxConcurrency');
    const dup = thrown(() => scheduleAgents(plan, [{ id: 'x' }, { id: 'x' }]));
    expect(isNoError(dup, 'INVALID_REQUEST')).toBe(true);
    expect(dup.details).toEqual({ agentId: 'x' });
  });

  it('rejects a plan whose schedule does not list every task once or breaks a dependency', () => {
    const plan = planOf([{ id: 'a', estimatedDurationMs: 10 }, { id: 'b', dependsOn: ['a'] }]);
    const agents = [{ id: 'x' }];
    const cases: Array<[ExecutionPlan, string]> = [
      [{ ...plan, schedule: plan.schedule.slice(0, 1) }, "no entry for task 'b'"],
      [{ ...plan, schedule: [...plan.schedule, plan.schedule[0]!] }, "task 'a' twice"],
      [{ ...plan, schedule: [...plan.schedule, { taskId: 'ghost', startMs: 0, endMs: 0 }] }, "task 'ghost'"],
      [{ ...plan, schedule: [{ taskId: 'a', startMs: 0, endMs: 10 }, { taskId: 'b', startMs: 5, endMs: 5 }] }, "before its dependency 'a' ends"],
    ];
    for (const [bad, text] of cases) {
      const error = thrown(() => scheduleAgents(bad, agents));
      expect(isNoError(error, 'INVALID_REQUEST')).toBe(true);
      expect(error.message).toContain(text);
    }
  });

  it('keeps zero-length dependencies ahead of dependents that start at the same instant', () => {
    const plan = planOf([
      { id: 'b', dependsOn: ['a'], estimatedDurationMs: 0 },
      { id: 'a', estimatedDurationMs: 0 },
    ].reverse());
    // Listed with the dependent first in the schedule, at the same instant.
    const reordered = { ...plan, schedule: [...plan.schedule].reverse() };
    const schedule = scheduleAgents(reordered, [{ id: 'x' }]);
    expect(schedule.assignments.map((a) => a.taskId)).toEqual(['a', 'b']);
    expect(schedule.utilization).toBe(0);
  });
});

const CAPABILITIES = ['a', 'b', 'c'] as const;

const arbitraryPlanAndAgents = fc
  .record({
    tasks: fc.array(
      fc.record({
        duration: fc.integer({ min: 0, max: 50 }),
        delay: fc.integer({ min: 0, max: 30 }),
        capability: fc.option(fc.constantFrom(...CAPABILITIES), { nil: undefined }),
        deps: fc.array(fc.nat(), { maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 25 },
    ),
    agents: fc.array(
      fc.record({
        capabilities: fc.subarray([...CAPABILITIES]),
        maxConcurrency: fc.integer({ min: 1, max: 3 }),
        activeTasks: fc.integer({ min: 0, max: 3 }),
        health: fc.constantFrom('healthy', 'degraded', 'unhealthy' as const),
        successRate: fc.constantFrom(0.5, 0.9, 1),
      }),
      { maxLength: 5 },
    ),
  })
  .map(({ tasks, agents }) => {
    const inputs: TaskInput[] = tasks.map((t, i) => ({
      id: `t${i}`,
      estimatedDurationMs: t.duration,
      capability: t.capability,
      // Only earlier tasks, so the graph is acyclic.
      dependsOn: i === 0 ? [] : [...new Set(t.deps.map((d) => `t${d % i}`))],
    }));
    const starts = Object.fromEntries(tasks.map((t, i) => [`t${i}`, t.delay]));
    const descriptors: AgentDescriptorInput[] = agents.map((a, i) => ({ id: `agent-${i}`, ...a }));
    return { plan: planOf(inputs, starts), agents: descriptors };
  });

describe('scheduleAgents invariants', () => {
  it('never overloads an agent, matches capabilities, respects dependencies and places every task once', () => {
    fc.assert(
      fc.property(arbitraryPlanAndAgents, ({ plan, agents }) => {
        const schedule = scheduleAgents(plan, agents);
        const agentById = new Map(agents.map((a) => [a.id, a]));
        const taskById = new Map(plan.tasks.map((t) => [t.id, t]));
        const assigned = new Map(schedule.assignments.map((a) => [a.taskId, a]));

        // Every task exactly once, assigned or unassigned.
        const placed = [...schedule.assignments.map((a) => a.taskId), ...schedule.unassigned.map((u) => u.taskId)];
        expect(placed.sort()).toEqual(plan.tasks.map((t) => t.id).sort());

        for (const a of schedule.assignments) {
          const agent = agentById.get(a.agentId)!;
          const task = taskById.get(a.taskId)!;
          expect(agent.health).not.toBe('unhealthy');
          if (task.capability !== undefined) expect(agent.capabilities).toContain(task.capability);
          const planned = plan.schedule.find((s) => s.taskId === a.taskId)!;
          expect(a.startMs).toBeGreaterThanOrEqual(planned.startMs);
          expect(a.endMs - a.startMs).toBe(planned.endMs - planned.startMs);
          for (const dep of task.dependsOn) expect(a.startMs).toBeGreaterThanOrEqual(assigned.get(dep)!.endMs);
        }

        // At every instant where a task starts, an agent runs at most its free slots.
        for (const agent of agents) {
          const mine = schedule.assignments.filter((a) => a.agentId === agent.id && a.endMs > a.startMs);
          const slots = (agent.maxConcurrency ?? 1) - (agent.activeTasks ?? 0);
          for (const x of mine) {
            const overlapping = mine.filter((y) => y.startMs <= x.startMs && x.startMs < y.endMs).length;
            expect(overlapping).toBeLessThanOrEqual(slots);
          }
        }
        expect(schedule.utilization).toBeGreaterThanOrEqual(0);
        expect(schedule.utilization).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300, seed: 424242 },
    );
  });
});

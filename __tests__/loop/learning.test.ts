/**
 * What the adaptive engine learns, seen from the loop: a risk-free DAG is never slowed down by it,
 * a DAG whose risky tasks break each other still learns to go safe, and `learning: false` freezes it.
 * Every assertion is on plans, strategies and rewards, never on time.
 */
import { InMemoryStore } from '@langchain/langgraph';
import type { TaskInput } from '../../src/contracts/scheduler';
import { ADAPTIVE_STATE_KEY, STORE_NAMESPACES, type AgentDefinition } from '../../src/loop/index';
import { createRandom } from '../../src/scheduler/random';
import { DEFAULT_REGRET_CAP } from '../../src/scheduler/strategy';
import { loopWith, sleepMs, thread } from './helpers';

// Planning 48 tasks with the default search effort takes ~0.5 s; the strategy does not depend on it.
const solve = { maxIterations: 100 };

/** A risk-free layered DAG of 48 tasks: 4 layers of 12, each task after the first layer depends on 1-3 of the layer before. */
function riskFree48(seed: number): TaskInput[] {
  const random = createRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const tasks: TaskInput[] = [];
  for (let l = 0; l < 4; l++) {
    for (let i = 0; i < 12; i++) {
      const deps = new Set<string>();
      if (l > 0) for (let k = int(1, 3); k > 0; k--) deps.add(`L${l - 1}-${int(0, 11)}`);
      tasks.push({ id: `L${l}-${i}`, dependsOn: [...deps], estimatedDurationMs: int(4, 12), capability: 'work' });
    }
  }
  return tasks;
}

/** max(critical path, work / slots): no schedule on `slots` slots can beat it. */
function boundOf(tasks: readonly TaskInput[], slots: number): number {
  const finish = new Map<string, number>();
  for (const t of tasks) finish.set(t.id, Math.max(0, ...(t.dependsOn ?? []).map((d) => finish.get(d)!)) + (t.estimatedDurationMs ?? 0));
  return Math.max(...finish.values(), tasks.reduce((sum, t) => sum + (t.estimatedDurationMs ?? 0), 0) / slots);
}

const instant: AgentDefinition = { id: 'worker', capabilities: ['work'], maxConcurrency: 4, run: async () => 'done' };

describe('learning on a risk-free DAG', () => {
  it('never serialises any of 12 runs of a risk-free 48-task DAG on one loop', async () => {
    const tasks = riskFree48(48);
    const bound = boundOf(tasks, 4);
    const { loop } = loopWith([instant], { limits: { maxConcurrentAgents: 4 }, scheduler: { solve } });
    const plans = [];
    for (let run = 0; run < 12; run++) {
      const out = await loop.invoke({ request: { tasks } }, thread());
      expect(out.status).toBe('completed');
      expect(out.feedback?.candidates).toEqual(['parallel']);
      plans.push(out.plan!);
    }
    for (const plan of plans) {
      expect(plan.strategy).not.toBe('sequential-safe');
      expect(plan.makespanMs).toBeLessThanOrEqual(DEFAULT_REGRET_CAP * bound);
    }
  });

  it('rewards a serialised run of independent tasks far below an on-time one: it is judged against the parallel bound', async () => {
    // 16 independent tasks on 4 slots, forced to run one at a time: whatever each sleep really took,
    // the run lasted at least their sum while the bound over the same durations is about a quarter of it.
    const sleepy: AgentDefinition = { id: 'worker', capabilities: ['work'], maxConcurrency: 4, run: async () => sleepMs(3) };
    const { loop } = loopWith([sleepy], { limits: { maxConcurrentAgents: 4 } });
    const tasks = Array.from({ length: 16 }, (_, i) => ({ id: `t${i}`, estimatedDurationMs: 3, capability: 'work' }));
    const out = await loop.invoke({ request: { tasks, strategy: 'sequential-safe' } }, thread());
    expect(out.status).toBe('completed');
    expect(out.feedback!.bestLowerBoundMs!).toBeLessThan(out.feedback!.actualMakespanMs / 2.5);
    expect(out.adjustment!.reward).toBeLessThan(0.25);
  });
});

/**
 * Tasks `r1` and `r2` declare medium risk and break when they run at the same time as each other:
 * both fail, the run fails, and the finished `load` is compensated. Run one at a time they succeed.
 */
function clashingRiskyTasks(): { agent: AgentDefinition; tasks: TaskInput[] } {
  const running = new Set<string>();
  const clashed = new Set<string>();
  const agent: AgentDefinition = {
    id: 'worker',
    capabilities: ['work'],
    maxConcurrency: 4,
    run: async (_input, ctx) => {
      const risky = ctx.task.risk !== 'low';
      if (risky) {
        running.add(ctx.task.id);
        if (running.size > 1) for (const id of running) clashed.add(id);
      }
      // Long enough that the loop's own overhead does not dominate a safe run's speed factor.
      await sleepMs(20, ctx.signal);
      if (!risky) return 'ok';
      running.delete(ctx.task.id);
      if (clashed.delete(ctx.task.id)) throw new Error(`${ctx.task.id} clashed with another risky task`);
      return 'ok';
    },
    compensate: async () => undefined,
  };
  const tasks: TaskInput[] = [
    { id: 'load', estimatedDurationMs: 20, capability: 'work' },
    { id: 'r1', dependsOn: ['load'], estimatedDurationMs: 20, capability: 'work', risk: 'medium' },
    { id: 'r2', dependsOn: ['load'], estimatedDurationMs: 20, capability: 'work', risk: 'medium' },
    { id: 'save', dependsOn: ['r1', 'r2'], estimatedDurationMs: 20, capability: 'work' },
  ];
  return { agent, tasks };
}

// Failures here are the tasks' doing, not the agent's: keep its circuit closed across runs.
const patient = { retries: 0, pool: { breaker: { failureThreshold: 1000 } } };

describe('learning on a DAG whose risky tasks clash', () => {
  it('learns to run it sequential-safe after parallel runs fail', async () => {
    const { agent, tasks } = clashingRiskyTasks();
    const { loop, events } = loopWith([agent], patient);
    const runs = [];
    for (let run = 0; run < 12; run++) runs.push(await loop.invoke({ request: { tasks, metadata: { taskClass: 'clash' } } }, thread()));

    // The rules start it parallel; the tasks clash, the run fails and is compensated.
    expect(runs[0]!.plan!.strategy).toBe('parallel');
    expect(runs[0]!.status).toBe('failed');
    expect(runs[0]!.feedback).toMatchObject({ compensatedTasks: 1, candidates: ['parallel', 'sequential-safe'] });
    expect(runs[0]!.adjustment).toMatchObject({ reward: 0, recommendedStrategy: 'sequential-safe', changed: true });
    expect(events.map((e) => e.type)).toContain('no.schedule.adjusted');
    // Every sequential-safe run succeeds; by the end the engine has settled on it.
    for (const out of runs) if (out.plan!.strategy === 'sequential-safe') expect(out.status).toBe('completed');
    const last = runs.slice(-4);
    expect(last.filter((out) => out.plan!.strategy === 'sequential-safe').length).toBeGreaterThanOrEqual(3);
    const final = runs.at(-1)!.adjustment!;
    expect(final.expectedRewards['sequential-safe']).toBeGreaterThan(final.expectedRewards.parallel + 0.2);
  });

  it('with learning: false keeps the rules\' strategy whatever the runs bring, and writes nothing to the Store', async () => {
    const { agent, tasks } = clashingRiskyTasks();
    const store = new InMemoryStore();
    const { loop, events } = loopWith([agent], { ...patient, store, learning: false });
    for (let run = 0; run < 6; run++) {
      const out = await loop.invoke({ request: { tasks, metadata: { taskClass: 'clash' } } }, thread());
      expect(out.plan!.strategy).toBe('parallel');
      expect(out.status).toBe('failed');
      expect(out.adjustment).toMatchObject({ reward: 0, recommendedStrategy: 'parallel', changed: false });
      expect(out.adjustment!.reason).toMatch(/^learning is off/);
    }
    expect(await store.get([...STORE_NAMESPACES.adaptive], ADAPTIVE_STATE_KEY)).toBeNull();
    expect(await store.search([...STORE_NAMESPACES.adaptiveContributions])).toEqual([]);
    expect(events.map((e) => e.type)).not.toContain('no.schedule.adjusted');
  });

  it('takes learning: false from the scheduler options too, and the loop\'s own setting wins', async () => {
    const { agent, tasks } = clashingRiskyTasks();
    const off = loopWith([agent], { ...patient, scheduler: { learning: false } });
    const on = loopWith([agent], { ...patient, scheduler: { learning: false }, learning: true });
    for (let run = 0; run < 3; run++) {
      expect((await off.loop.invoke({ request: { tasks } }, thread())).adjustment!.reason).toMatch(/^learning is off/);
      expect((await on.loop.invoke({ request: { tasks } }, thread())).adjustment!.reason).not.toMatch(/^learning is off/);
    }
  });
});

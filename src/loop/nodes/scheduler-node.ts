import { randomUUID } from 'node:crypto';
import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import { NoError } from '../../contracts/errors.js';
import type { ExecutionPlan, ExecutionRequestInput, Task } from '../../contracts/scheduler.js';
import { createIntelligenceScheduler, type AdaptiveState } from '../../scheduler/index.js';
import { createRunEmitter, type RunEmitter } from '../emitter.js';
import { deadlineOf } from '../run-deadline.js';
import { assertDurable, learningOf, STORE_NAMESPACES, threadIdOf, type LoopRuntime, type MasterLoopLimits } from '../runtime.js';
import { RESET, type MasterLoopUpdate } from '../state.js';

const minDefined = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/** The loop's hard limits win over the request's where they are tighter; the request may only lower them. */
export function applyLimits(request: ExecutionRequestInput, limits: MasterLoopLimits, totalSlots: number): ExecutionRequestInput {
  const resources: Record<string, number> = { ...(request.resources ?? {}) };
  for (const [name, capacity] of Object.entries(limits.resources ?? {})) resources[name] = minDefined(resources[name], capacity)!;
  const maxConcurrentAgents = minDefined(minDefined(request.constraints?.maxConcurrentAgents, limits.maxConcurrentAgents), totalSlots);
  return {
    ...request,
    resources,
    constraints: { ...request.constraints, ...(maxConcurrentAgents === undefined ? {} : { maxConcurrentAgents }) },
  };
}

function checkCapabilities(plan: ExecutionPlan, runtime: LoopRuntime): void {
  for (const task of plan.tasks) {
    const needed = [task.capability, task.fallback?.capability].filter((c): c is string => c !== undefined);
    for (const capability of needed) {
      if (runtime.pool.capable(capability).length === 0) {
        throw new NoError('NO_CAPABLE_AGENT', `task '${task.id}' needs capability '${capability}', which no agent offers`, {
          details: { taskId: task.id, capability, agents: runtime.pool.ids() },
        });
      }
    }
  }
}

/**
 * The plan of a request under the loop's limits and what it learned; a capability no agent offers is
 * a NoError. The scheduler node plans each run's request with it, and a re-plan its revision.
 */
export async function planRequest(runtime: LoopRuntime, request: ExecutionRequestInput, config: LangGraphRunnableConfig): Promise<ExecutionPlan> {
  const store = config.store;
  const learning = learningOf(runtime.options);
  // Without learning the plan does not depend on what was learned: no need to read it.
  const merged = store && learning ? await runtime.ledger.adaptiveState(store) : undefined;
  const adaptiveState: AdaptiveState | undefined = merged ?? runtime.adaptiveState;
  const planner = createIntelligenceScheduler({ ...runtime.options.scheduler, learning, ...(adaptiveState ? { adaptiveState } : {}) });
  const plan = planner.planExecution(applyLimits(request, runtime.options.limits ?? {}, runtime.pool.slots()));
  checkCapabilities(plan, runtime);
  return plan;
}

/** A plan's events: created (with the DAG a viewer draws), its strategy, and each of `created` tasks. */
export function announcePlan(emitter: RunEmitter, plan: ExecutionPlan, created: readonly Task[]): void {
  emitter.emit('orchestration.plan.created', {
    planId: plan.id,
    summary: `${plan.tasks.length} tasks, ${plan.strategy}, predicted makespan ${plan.makespanMs} ms (bound ${plan.lowerBoundMs} ms)`,
    // The schedule, with what a viewer needs to draw the DAG: each task's dependencies, capability and
    // whether it is on the critical path. The arrays are the plan's own, not copies.
    steps: planSteps(plan),
  });
  emitter.emit('orchestration.decision.made', {
    decisionId: `${plan.id}:strategy`,
    outcome: plan.strategy,
    metadata: { requested: plan.requestedStrategy, reason: plan.strategyReason, makespanMs: plan.makespanMs, lowerBoundMs: plan.lowerBoundMs },
  });
  for (const task of created) emitter.emit('orchestration.task.created', { taskId: task.id, input: task.input ?? null });
}

/**
 * Plans the request with the intelligence scheduler. Invalid requests and unknown capabilities
 * throw typed errors here, before any agent runs.
 */
export function createSchedulerNode(runtime: LoopRuntime) {
  return async function scheduler(state: Record<string, unknown>, config: LangGraphRunnableConfig): Promise<MasterLoopUpdate> {
    assertDurable(config);
    // Read first: a bad per-run timeout fails the invoke before anything is planned.
    const runDeadline = deadlineOf(config, runtime.options.runTimeoutMs);
    const request = runtime.toRequest(state);
    if (request === undefined || request === null) {
      throw new NoError('INVALID_REQUEST', 'no request to plan: invoke the loop with { request }', { details: {} });
    }
    const store = config.store;
    const plan = await planRequest(runtime, request, config);

    if (store) {
      const agents = await store.search([...STORE_NAMESPACES.agents], { limit: 10_000 });
      await runtime.ledger.restoreHealth(store, runtime.pool, Object.fromEntries(agents.map((item) => [item.key, item.value])));
    }
    const runId = randomUUID();
    const emitter = createRunEmitter({ writer: config.writer, listeners: runtime.listeners, correlationId: runId, threadId: threadIdOf(config), source: runtime.options.eventSource });
    announcePlan(emitter, plan, plan.tasks);
    return {
      request,
      runId,
      plan,
      status: 'running',
      round: 0,
      results: RESET,
      tasks: RESET,
      errors: RESET,
      recoveries: RESET,
      compensated: RESET,
      replans: RESET,
      replanRequest: null,
      feedback: undefined,
      adjustment: undefined,
      runDeadline,
      runError: null,
    };
  };
}

/** The plan's schedule entries, each with its task's dependencies, capability and critical-path flag. */
function planSteps(plan: ExecutionPlan): Array<ExecutionPlan['schedule'][number] & { dependsOn: readonly string[]; capability?: string; critical: boolean }> {
  const byId = new Map(plan.tasks.map((task) => [task.id, task]));
  const critical = new Set(plan.criticalPath);
  return plan.schedule.map((entry) => {
    const task = byId.get(entry.taskId);
    return { ...entry, dependsOn: task?.dependsOn ?? [], ...(task?.capability === undefined ? {} : { capability: task.capability }), critical: critical.has(entry.taskId) };
  });
}

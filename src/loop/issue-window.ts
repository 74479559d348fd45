import type { ExecutionPlan } from '../contracts/scheduler.js';
import { buildDag, criticalPath, needsCoordination } from '../scheduler/index.js';
import type { AgentPool } from './agent-pool.js';
import type { DispatchTask } from './dispatcher.js';
import type { TaskOutcome } from './run-task.js';

/** What the dispatcher needs to know about each of the plan's tasks. */
export function dispatchTasks(plan: ExecutionPlan): DispatchTask[] {
  const dag = buildDag(plan.tasks);
  const { tails } = criticalPath(dag, plan.tasks.map((t) => t.estimatedDurationMs));
  const coordinated = plan.strategy === 'parallel-coordinated';
  return plan.tasks.map((t, index) => ({
    id: t.id,
    index,
    priority: t.priority,
    tail: tails[index]!,
    resources: t.resources,
    ...(t.capability === undefined ? {} : { capability: t.capability }),
    dependsOn: t.dependsOn,
    exclusive: coordinated && needsCoordination(t),
  }));
}

/**
 * How many of a run's tasks may run at once: one under 'sequential-safe', else the plan's
 * `maxConcurrentAgents`, never more than the pool's slots. The dispatcher enforces it and the issue
 * window is sized from it, so the rule is written once.
 */
export function concurrencyLimit(plan: ExecutionPlan, pool: AgentPool): number {
  if (plan.strategy === 'sequential-safe') return 1;
  const slots = pool.ids().reduce((n, id) => n + (pool.definition(id).maxConcurrency ?? 1), 0);
  return Math.min(plan.constraints.maxConcurrentAgents ?? slots, slots);
}

/** How many ready-or-running tasks to keep issued: enough to fill every slot twice over. */
export function issueWindow(limit: number): number {
  return Math.max(2, 2 * limit);
}

/**
 * The order in which task() calls are made: the planned schedule's start order (a topological order
 * that follows priorities and resources). It is fixed by the plan in the checkpoint, so call N is the
 * same task in every process that runs or resumes this superstep.
 */
export function issueOrder(plan: ExecutionPlan, tasks: readonly DispatchTask[]): string[] {
  const rank = new Map(tasks.map((t) => [t.id, t]));
  const start = new Map(plan.schedule.map((s) => [s.taskId, s.startMs]));
  return plan.order
    .map((id) => rank.get(id)!)
    .sort((a, b) => start.get(a.id)! - start.get(b.id)! || b.priority - a.priority || b.tail - a.tail || a.index - b.index)
    .map((t) => t.id);
}

/**
 * Makes the task() calls in `order`, lazily: LangGraph's runner does work per pending call on every
 * completion, so N calls up front cost O(N²). Calls are issued in the fixed order (identity stays
 * stable) while fewer than `window` issued tasks are ready (`ready`: every dependency done) or
 * running; tasks still waiting for dependencies are issued as the order passes them, so a ready task
 * is never held back by them. `after` runs once a call's outcome is known and must record it where
 * `ready` reads, before the next task is issued.
 */
export function issueAll(
  order: readonly string[],
  ready: (taskId: string) => boolean,
  window: number,
  call: (taskId: string) => Promise<TaskOutcome>,
  after: (taskId: string, outcome: TaskOutcome) => Promise<void>,
): Promise<void> {
  const open = new Set<string>();
  let next = 0;
  let remaining = order.length;
  return new Promise<void>((resolve, reject) => {
    if (remaining === 0) return resolve();
    const refill = (): void => {
      let active = 0;
      for (const id of open) if (ready(id)) active++;
      while (next < order.length && active < window) {
        const id = order[next++]!;
        open.add(id);
        if (ready(id)) active++;
        call(id)
          .then((outcome) => after(id, outcome))
          .then(() => {
            open.delete(id);
            if (--remaining === 0) resolve();
            else refill();
          }, reject);
      }
    };
    refill();
  });
}

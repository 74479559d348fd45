import type { ExecutionPlan } from '../contracts/scheduler.js';
import { buildDag, criticalPath, needsCoordination } from '../scheduler/index.js';
import type { AgentPool } from './agent-pool.js';
import type { DispatchTask } from './dispatcher.js';

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
  const slots = pool.slots();
  return Math.min(plan.constraints.maxConcurrentAgents ?? slots, slots);
}

/** How many started, unsettled tasks to keep: enough to fill every slot twice over. */
export function issueWindow(limit: number): number {
  return Math.max(2, 2 * limit);
}

/**
 * The order in which ready tasks start: the planned schedule's start order (a topological order
 * that follows priorities and resources).
 */
export function issueOrder(plan: ExecutionPlan, tasks: readonly DispatchTask[]): string[] {
  const rank = new Map(tasks.map((t) => [t.id, t]));
  const start = new Map(plan.schedule.map((s) => [s.taskId, s.startMs]));
  return plan.order
    .map((id) => rank.get(id)!)
    .sort((a, b) => start.get(a.id)! - start.get(b.id)! || b.priority - a.priority || b.tail - a.tail || a.index - b.index)
    .map((t) => t.id);
}

/** A binary min-heap of ranks: the ready task that comes first in the order is taken first. */
class RankHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(rank: number): void {
    const a = this.items;
    a.push(rank);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= rank) break;
      [a[i], a[parent]] = [a[parent]!, rank];
      i = parent;
    }
  }
  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length === 0) return top;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l]! < a[m]!) m = l;
      if (r < a.length && a[r]! < a[m]!) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
    return top;
  }
}

/**
 * Starts each task of `order` once every dependency of it has settled (completed, failed or
 * skipped: a task whose dependency failed still starts, and reports that it was skipped), the
 * first in `order` first among those ready, with at most `window` started and not yet settled.
 * Only ready tasks are in flight, so memory follows the window, not the run; each settle touches
 * only the task's dependents, so the cost per task does not grow with the run.
 *
 * Dependencies outside `order` settled before the call (earlier passes, replayed outcomes).
 * `run` resolves once its task's outcome is recorded; a rejection stops issuing and rejects the whole.
 */
export function issueReady(
  order: readonly string[],
  dependsOn: (taskId: string) => readonly string[],
  window: number,
  run: (taskId: string) => Promise<void>,
): Promise<void> {
  const rankOf = new Map(order.map((id, rank) => [id, rank]));
  const waitingOn = new Array<number>(order.length).fill(0);
  const dependents = new Map<string, number[]>();
  const ready = new RankHeap();
  order.forEach((id, rank) => {
    for (const dep of dependsOn(id)) {
      if (!rankOf.has(dep)) continue;
      waitingOn[rank]!++;
      const list = dependents.get(dep);
      if (list) list.push(rank);
      else dependents.set(dep, [rank]);
    }
    if (waitingOn[rank] === 0) ready.push(rank);
  });
  let remaining = order.length;
  let inFlight = 0;
  let failed = false;
  return new Promise<void>((resolve, reject) => {
    if (remaining === 0) return resolve();
    const fill = (): void => {
      while (!failed && inFlight < window && ready.size > 0) {
        const id = order[ready.pop()]!;
        inFlight++;
        run(id).then(
          () => {
            inFlight--;
            for (const rank of dependents.get(id) ?? []) if (--waitingOn[rank]! === 0) ready.push(rank);
            if (--remaining === 0) resolve();
            else fill();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      }
    };
    fill();
  });
}

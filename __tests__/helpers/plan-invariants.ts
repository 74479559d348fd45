import type { ExecutionPlan } from '../../src/contracts/index';

/** Units of each resource (and the task count) in use at the busiest instant of a plan. */
export function peakUsage(plan: ExecutionPlan): { tasks: number; resources: Record<string, number> } {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const events = plan.schedule
    .filter((s) => s.endMs > s.startMs)
    .flatMap((s) => [
      { at: s.startMs, sign: 1, id: s.taskId },
      { at: s.endMs, sign: -1, id: s.taskId },
    ])
    // Ends before starts at the same instant: a task may start exactly when another ends.
    .sort((a, b) => a.at - b.at || a.sign - b.sign);
  const now: Record<string, number> = {};
  const peak: Record<string, number> = {};
  let tasks = 0;
  let peakTasks = 0;
  for (const e of events) {
    tasks += e.sign;
    peakTasks = Math.max(peakTasks, tasks);
    for (const [r, amount] of Object.entries(byId.get(e.id)!.resources)) {
      now[r] = (now[r] ?? 0) + e.sign * amount;
      peak[r] = Math.max(peak[r] ?? 0, now[r]!);
    }
  }
  return { tasks: peakTasks, resources: peak };
}

/** Throws with a readable message when a plan breaks an invariant users rely on. */
export function assertPlanInvariants(plan: ExecutionPlan): void {
  const ids = plan.tasks.map((t) => t.id);
  const scheduled = plan.schedule.map((s) => s.taskId);
  expect([...scheduled].sort()).toEqual([...ids].sort()); // each task exactly once
  const at = new Map(plan.schedule.map((s) => [s.taskId, s]));
  for (const task of plan.tasks) {
    const entry = at.get(task.id)!;
    expect(entry.endMs - entry.startMs).toBeCloseTo(task.estimatedDurationMs, 6);
    for (const dep of task.dependsOn) expect(entry.startMs).toBeGreaterThanOrEqual(at.get(dep)!.endMs - 1e-9);
  }
  const peak = peakUsage(plan);
  for (const [r, capacity] of Object.entries(plan.resources)) expect(peak.resources[r] ?? 0).toBeLessThanOrEqual(capacity + 1e-9);
  if (plan.constraints.maxConcurrentAgents !== undefined) expect(peak.tasks).toBeLessThanOrEqual(plan.constraints.maxConcurrentAgents);
  if (plan.strategy === 'sequential-safe') expect(peak.tasks).toBeLessThanOrEqual(1);
  const work: Record<string, number> = {};
  for (const t of plan.tasks) for (const [r, a] of Object.entries(t.resources)) work[r] = (work[r] ?? 0) + a * t.estimatedDurationMs;
  let bound = plan.criticalPathMs;
  for (const [r, capacity] of Object.entries(plan.resources)) if (capacity > 0) bound = Math.max(bound, (work[r] ?? 0) / capacity);
  expect(plan.makespanMs).toBeGreaterThanOrEqual(bound - 1e-6);
  expect(plan.makespanMs).toBeGreaterThanOrEqual(plan.lowerBoundMs - 1e-6);
  expect(plan.makespanMs).toBeCloseTo(Math.max(0, ...plan.schedule.map((s) => s.endMs)), 6);
}

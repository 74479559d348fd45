import { z } from 'zod';
import { ExecutionEventSchema, ExecutionPlanSchema, type ExecutionEvent } from '../../contracts/scheduler.js';
import { monitorExecution } from '../../scheduler/monitor.js';
import { defineTool, type ToolDefinition } from '../tool.js';
import { DEFAULT_MAX_DASHBOARD_TASKS, EXACTLY_ONE_PLAN, exactlyOnePlan, PlanIdSchema, requireTasks, resolvePlan, type PlanLookup } from './plans.js';

/** Agent id for events that name none. */
export const UNASSIGNED_AGENT = '(unassigned)';

export const PerformanceInputSchema = z
  .object({
    plan: ExecutionPlanSchema.optional(),
    planId: PlanIdSchema.optional(),
    events: z.array(ExecutionEventSchema).max(DEFAULT_MAX_DASHBOARD_TASKS * 10).default([]),
    /** Now, in ms since the run started; the latest event's time when omitted. */
    nowMs: z.number().nonnegative().optional(),
    /** How many of the slowest tasks to list. */
    top: z.number().int().min(1).max(100).default(5),
  })
  .refine(exactlyOnePlan, EXACTLY_ONE_PLAN);

interface Interval {
  taskId: string;
  agentId: string;
  startMs: number;
  endMs: number;
}

/** Closed started→completed/failed intervals (each attempt one), and the still-open ones ended at `nowMs`. */
export function attemptsOf(events: readonly ExecutionEvent[], nowMs: number): Interval[] {
  const open = new Map<string, { startMs: number; agentId: string }>();
  const out: Interval[] = [];
  const ordered = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.atMs - b.e.atMs || a.i - b.i);
  for (const { e } of ordered) {
    if (e.type === 'started') {
      open.set(e.taskId, { startMs: e.atMs, agentId: e.agentId ?? UNASSIGNED_AGENT });
      continue;
    }
    const start = open.get(e.taskId);
    if (start === undefined) continue;
    open.delete(e.taskId);
    out.push({ taskId: e.taskId, agentId: e.agentId ?? start.agentId, startMs: start.startMs, endMs: e.atMs });
  }
  for (const [taskId, s] of open) out.push({ taskId, agentId: s.agentId, startMs: s.startMs, endMs: Math.max(nowMs, s.startMs) });
  return out;
}

export function performanceTool(plans: PlanLookup | undefined): ToolDefinition {
  return defineTool({
    name: 'performance-report',
    capability: 'reporting',
    description: 'Reports a run against its plan: makespan vs predicted, busy time per agent, the slowest tasks, delayed tasks.',
    input: PerformanceInputSchema,
    mutating: false,
    resultType: 'report',
    run: async (input) => {
      const plan = await resolvePlan(input, plans);
      requireTasks(new Set(plan.tasks.map((t) => t.id)), input.events.map((e) => e.taskId), plan.id);
      const status = monitorExecution(plan, input.events, input.nowMs === undefined ? {} : { nowMs: input.nowMs });
      const attempts = attemptsOf(input.events, status.elapsedMs);
      const finished = status.state === 'completed' || status.state === 'failed';
      const actualMakespanMs = finished ? attempts.reduce((m, a) => Math.max(m, a.endMs), 0) : status.elapsedMs;

      const agents = new Map<string, { agentId: string; busyMs: number; attempts: number }>();
      const perTask = new Map<string, number>();
      for (const a of attempts) {
        const agent = agents.get(a.agentId) ?? { agentId: a.agentId, busyMs: 0, attempts: 0 };
        agent.busyMs += a.endMs - a.startMs;
        agent.attempts += 1;
        agents.set(a.agentId, agent);
        perTask.set(a.taskId, (perTask.get(a.taskId) ?? 0) + a.endMs - a.startMs);
      }
      const planned = new Map(plan.schedule.map((s) => [s.taskId, s.endMs - s.startMs]));
      const slowestTasks = [...perTask]
        .map(([taskId, durationMs]) => {
          const plannedMs = planned.get(taskId) ?? 0;
          return { taskId, durationMs, plannedMs, overrunMs: durationMs - plannedMs };
        })
        .sort((a, b) => b.durationMs - a.durationMs || a.taskId.localeCompare(b.taskId))
        .slice(0, input.top);
      return {
        planId: plan.id,
        state: status.state,
        progress: status.progress,
        predictedMakespanMs: plan.makespanMs,
        actualMakespanMs,
        projectedMakespanMs: status.projectedMakespanMs,
        makespanRatio: plan.makespanMs > 0 ? actualMakespanMs / plan.makespanMs : null,
        onSchedule: status.onSchedule,
        agents: [...agents.values()]
          .map((a) => ({ ...a, utilization: actualMakespanMs > 0 ? Math.min(1, a.busyMs / actualMakespanMs) : 0 }))
          .sort((a, b) => b.busyMs - a.busyMs || a.agentId.localeCompare(b.agentId)),
        slowestTasks,
        delayed: status.delayed,
      };
    },
  });
}

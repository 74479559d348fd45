import { z } from 'zod';
import { ExecutionEventSchema, ScheduledTaskSchema, type ExecutionEvent } from '../../contracts/scheduler.js';
import { TaskStatusSchema, type TaskStatus } from '../../contracts/status.js';
import { buildDag } from '../../scheduler/dag.js';
import { planToDot, planToMermaid } from '../../scheduler/visualize.js';
import { defineTool, type ToolDefinition } from '../tool.js';
import { DEFAULT_MAX_DASHBOARD_TASKS, EXACTLY_ONE_PLAN, exactlyOnePlan, PlanIdSchema, requireTasks, resolvePlan, type PlanLookup } from './plans.js';

/** What a drawing needs of a plan; a full ExecutionPlan fits. */
export const PlanViewSchema = z.looseObject({
  id: z.string().optional(),
  tasks: z.array(z.looseObject({ id: z.string().min(1), dependsOn: z.array(z.string()).default([]) })).min(1).max(DEFAULT_MAX_DASHBOARD_TASKS),
  schedule: z.array(ScheduledTaskSchema).default([]),
  criticalPath: z.array(z.string()).default([]),
});

export const VisualizeInputSchema = z
  .object({
    plan: PlanViewSchema.optional(),
    planId: PlanIdSchema.optional(),
    /** Status per task id, applied after `events`. */
    statuses: z.record(z.string(), TaskStatusSchema).optional(),
    /** Live events: each task takes the status of its latest event. */
    events: z.array(ExecutionEventSchema).max(DEFAULT_MAX_DASHBOARD_TASKS * 10).optional(),
    direction: z.enum(['LR', 'TD']).default('LR'),
  })
  .refine(exactlyOnePlan, EXACTLY_ONE_PLAN);

const EVENT_STATUS: Record<ExecutionEvent['type'], TaskStatus> = { started: 'running', completed: 'completed', failed: 'failed' };

/** Each task's status from its latest event (ties keep input order); tasks without events are pending. */
export function statusesFromEvents(taskIds: readonly string[], events: readonly ExecutionEvent[]): Record<string, TaskStatus> {
  const out: Record<string, TaskStatus> = Object.fromEntries(taskIds.map((id) => [id, 'pending' as TaskStatus]));
  const ordered = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.atMs - b.e.atMs || a.i - b.i);
  for (const { e } of ordered) out[e.taskId] = EVENT_STATUS[e.type];
  return out;
}

export function visualizeTool(plans: PlanLookup | undefined): ToolDefinition {
  return defineTool({
    name: 'visualize-execution-graph',
    capability: 'visualization',
    description:
      'Draws a plan (given, or by planId) as Mermaid and Graphviz DOT: the critical path thick, tasks coloured by live status from statuses or events.',
    input: VisualizeInputSchema,
    mutating: false,
    resultType: 'visualization',
    run: async (input) => {
      const plan = await resolvePlan(input, plans);
      // Validates the graph: unknown dependencies and cycles are typed errors, not broken drawings.
      buildDag(plan.tasks);
      const ids = plan.tasks.map((t) => t.id);
      const known = new Set(ids);
      let statuses: Record<string, TaskStatus> | undefined;
      if (input.events !== undefined) {
        requireTasks(known, input.events.map((e) => e.taskId), plan.id);
        statuses = statusesFromEvents(ids, input.events);
      }
      if (input.statuses !== undefined) {
        requireTasks(known, Object.keys(input.statuses), plan.id);
        statuses = { ...statuses, ...input.statuses };
      }
      // The drawing reads only ids, dependsOn, schedule and critical path, which the input schema checked.
      const view = plan as unknown as Parameters<typeof planToMermaid>[0];
      const options = { direction: input.direction, ...(statuses === undefined ? {} : { statuses }) };
      const counts: Partial<Record<TaskStatus, number>> = {};
      for (const s of Object.values(statuses ?? {})) counts[s] = (counts[s] ?? 0) + 1;
      return {
        planId: plan.id ?? null,
        mermaid: planToMermaid(view, options),
        dot: planToDot(view, options),
        statuses: statuses ?? null,
        counts,
      };
    },
  });
}

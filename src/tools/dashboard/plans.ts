import { z } from 'zod';
import type { ExecutionPlan } from '../../contracts/scheduler.js';
import { ToolCallError } from '../errors.js';

/** Finds a stored plan by id (a Map's `get`, a database lookup...). */
export type PlanLookup = (planId: string) => ExecutionPlan | undefined | Promise<ExecutionPlan | undefined>;

/** Tasks a dashboard tool accepts in one plan. @default 10_000 */
export const DEFAULT_MAX_DASHBOARD_TASKS = 10_000;

export const PlanIdSchema = z.string().min(1).max(256);

/** `plan` or `planId`, exactly one. */
export const exactlyOnePlan = (v: { plan?: unknown; planId?: unknown }): boolean => (v.plan === undefined) !== (v.planId === undefined);
export const EXACTLY_ONE_PLAN = 'give exactly one of plan and planId';

/**
 * The plan a dashboard call is about: the one given, or the one `plans` knows by id.
 * @throws ToolCallError WORKFLOW_NOT_FOUND when the id is unknown (or no lookup is configured).
 */
export async function resolvePlan<P>(input: { plan?: P; planId?: string }, plans: PlanLookup | undefined): Promise<P | ExecutionPlan> {
  if (input.plan !== undefined) return input.plan;
  const id = input.planId as string;
  const found = plans === undefined ? undefined : await plans(id);
  if (found === undefined) {
    throw new ToolCallError('WORKFLOW_NOT_FOUND', plans === undefined ? `no plan store is configured to resolve plan '${id}'` : `no plan with id '${id}'`, {
      details: { planId: id },
    });
  }
  return found;
}

/** @throws ToolCallError TASK_NOT_FOUND when `ids` names a task the plan does not have. */
export function requireTasks(known: ReadonlySet<string>, ids: Iterable<string>, planId: string | undefined): void {
  for (const id of ids) {
    if (!known.has(id)) {
      throw new ToolCallError('TASK_NOT_FOUND', `task '${id}' is not in plan${planId === undefined ? '' : ` '${planId}'`}`, { details: { taskId: id, planId } });
    }
  }
}

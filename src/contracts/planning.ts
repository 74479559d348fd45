import { z } from 'zod';
import { IdSchema, PositiveIntSchema } from './common.js';
import type { ExecutionRequestInput } from './scheduler.js';

/** Why a run's plan was revised: tasks failed for good, or someone asked (a stalled run, an operator). */
export const ReplanTriggerSchema = z.enum(['tasks-failed', 'requested']);
export type ReplanTrigger = z.infer<typeof ReplanTriggerSchema>;

/** Tokens a model call used, summed over a planner's attempts (absent when the model does not report them). */
export const TokenUsageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

/**
 * One re-plan of a run, as the run's `replans` state holds it and the `no.plan.revised` event tells it.
 * `revised`: the run goes on with `planId`; `failed`: the planner gave no valid plan (`error`), and the
 * run ends as it would have without re-planning.
 */
export const ReplanRecordSchema = z.object({
  /** 1 for the run's first re-plan. */
  replan: PositiveIntSchema,
  trigger: ReplanTriggerSchema,
  reason: z.string(),
  outcome: z.enum(['revised', 'failed']),
  previousPlanId: IdSchema,
  planId: IdSchema.optional(),
  /** Finished tasks the revised plan keeps (never run again). */
  kept: z.array(IdSchema),
  /** Tasks of the revised plan that were not finished before it. */
  added: z.array(IdSchema),
  /** Unfinished tasks of the previous plan that the revised plan leaves out. */
  dropped: z.array(IdSchema),
  /** Model calls the planner made for this re-plan. */
  attempts: z.number().int().nonnegative(),
  usage: TokenUsageSchema.optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type ReplanRecord = z.infer<typeof ReplanRecordSchema>;

/** What a planner is told when a run needs a revised plan for the work it has left. */
export interface PlanRevisionInput {
  /** The goal the run was planned from, when the planner recorded it (`request.metadata.goal`). */
  goal?: string;
  /** The request the run is on now: the original one, or the last revision. */
  request: ExecutionRequestInput;
  /** Tasks that finished, with their outputs: kept, never run again. */
  finished: ReadonlyArray<{ taskId: string; output: unknown }>;
  /** Tasks that failed for good (or were stopped), with why. */
  failed: ReadonlyArray<{ taskId: string; error: string; classification?: string }>;
  trigger: ReplanTrigger;
  reason: string;
  /** The capabilities the loop's agents offer now. */
  capabilities: readonly string[];
  signal?: AbortSignal;
}

/** A planner's answer to a PlanRevisionInput: the whole request the run continues with. */
export interface PlanRevision {
  /** The finished tasks, unchanged, and the tasks of the remaining work; validated. */
  request: ExecutionRequestInput;
  attempts: number;
  usage?: TokenUsage;
}

/** What the loop needs of a planner to re-plan a run (`createLlmPlanner` gives one). */
export interface Replanner {
  revise(input: PlanRevisionInput): Promise<PlanRevision>;
}

/** What a request builder (addMasterLoop's `toRequest`) is told about the loop it plans for. */
export interface PlanningContext {
  /** The capabilities the loop's agents offer. */
  capabilities: readonly string[];
  /** Aborts with the run. */
  signal?: AbortSignal;
}

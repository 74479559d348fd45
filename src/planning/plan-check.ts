import { z } from 'zod';
import { NoError } from '../contracts/errors.js';
import { ExecutionRequestSchema, RiskSchema, SideEffectsSchema, StrategySchema, type ExecutionRequest, type Task } from '../contracts/scheduler.js';
import { parseWith } from '../contracts/validate.js';
import { DEFAULT_REQUEST_LIMITS, validateRequest } from '../scheduler/index.js';

/** The name of the structured-output call the model answers with. */
export const PLAN_TOOL_NAME = 'execution_plan';

/**
 * What the model is asked to fill in: the task fields a planner decides, each described for the model.
 * Looser than TaskSchema on purpose (every field but the id is optional here): the answer is then
 * checked with the package's own ExecutionRequestSchema, and its errors go back to the model.
 */
export const PlanDraftSchema = z
  .object({
    tasks: z
      .array(
        z.object({
          id: z.string().describe("A short id unique in the plan, e.g. 'fetch-prices'"),
          capability: z.string().describe('The capability of the agent that does this task: one of those listed'),
          input: z.unknown().optional().describe('What the agent is given: a string or a JSON object'),
          dependsOn: z.array(z.string()).optional().describe('Ids of tasks that must finish first; this task receives their outputs'),
          estimatedDurationMs: z.number().optional().describe('Expected duration in milliseconds'),
          priority: z.number().optional().describe('1 (lowest) to 10 (highest)'),
          risk: RiskSchema.optional(),
          sideEffects: SideEffectsSchema.optional().describe("'none' (pure), 'idempotent' (safe to repeat) or 'external' (not)"),
        }),
      )
      .describe('The tasks of the plan'),
    strategy: StrategySchema.optional(),
  })
  .describe('An execution plan: tasks for a pool of agents, forming a DAG through dependsOn');

export interface PlanCheckContext {
  capabilities: readonly string[];
  /** Tasks a revision keeps: their ids are taken, and new tasks may depend on them. */
  finished?: readonly Task[];
  /** What a revision keeps of the run's request besides its tasks: capacities, limits, strategy, id, metadata. */
  base?: Omit<ExecutionRequest, 'tasks'>;
}

function checkCapabilities(tasks: readonly Task[], capabilities: readonly string[]): void {
  const offered = new Set(capabilities);
  const list = capabilities.map((c) => `'${c}'`).join(', ');
  for (const task of tasks) {
    if (task.capability === undefined) {
      throw new NoError('INVALID_REQUEST', `task '${task.id}' names no capability: give it one of ${list}`, { details: { taskId: task.id, capabilities } });
    }
    for (const capability of [task.capability, task.fallback?.capability]) {
      if (capability !== undefined && !offered.has(capability)) {
        throw new NoError('NO_CAPABLE_AGENT', `task '${task.id}' needs capability '${capability}', which no agent offers: use one of ${list}`, {
          details: { taskId: task.id, capability, capabilities },
        });
      }
    }
  }
}

/**
 * Checks a model's answer the way the loop checks a request (ExecutionRequestSchema, then ids,
 * dependencies, cycles and resources), plus what only a planner can get wrong: capabilities no agent
 * offers, and, for a revision, ids of tasks that already finished. Throws the NoError whose message
 * goes back to the model; returns the request with the finished tasks first.
 */
export function checkPlan(answer: unknown, context: PlanCheckContext): ExecutionRequest {
  const draft = parseWith(ExecutionRequestSchema, answer, { what: 'plan' });
  const finished = context.finished ?? [];
  const taken = new Set(finished.map((t) => t.id));
  for (const task of draft.tasks) {
    if (taken.has(task.id)) {
      throw new NoError('DUPLICATE_TASK', `task '${task.id}' already finished: give the new task another id, and list '${task.id}' in its dependsOn to use its output`, {
        details: { taskId: task.id },
      });
    }
  }
  checkCapabilities(draft.tasks, context.capabilities);
  const request = { ...draft, ...context.base, tasks: [...finished, ...draft.tasks] };
  validateRequest(request, DEFAULT_REQUEST_LIMITS);
  return request;
}

import { z } from 'zod';
import { IdSchema, NonNegativeNumberSchema, PositiveIntSchema } from './common.js';
import { ConcreteStrategySchema } from './scheduler.js';
import { RunStatusSchema } from './status.js';

/** What an agent is, as configuration (its `run` function lives beside this in the loop). */
export const AgentConfigurationSchema = z.object({
  id: IdSchema,
  capabilities: z
    .array(z.string().min(1).max(128), { error: "an agent needs capabilities: add e.g. capabilities: ['http'] (tasks name one in their capability)" })
    .min(1, "an agent needs at least one capability: add e.g. capabilities: ['http'] (tasks name one in their capability)"),
  /** Tasks it may run at once. */
  maxConcurrency: PositiveIntSchema.default(1),
  /** Per-attempt timeout for tasks on this agent (a task's own timeout wins). */
  timeoutMs: PositiveIntSchema.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type AgentConfiguration = z.infer<typeof AgentConfigurationSchema>;
export type AgentConfigurationInput = z.input<typeof AgentConfigurationSchema>;

export const CircuitStateSchema = z.enum(['closed', 'open', 'half-open']);
export type CircuitState = z.infer<typeof CircuitStateSchema>;

export const AGENT_STATE_VERSION = 1 as const;

/** An agent's durable state; versioned so older checkpoints migrate forward. */
export const AgentStateSchema = z.object({
  version: z.literal(AGENT_STATE_VERSION),
  agentId: IdSchema,
  status: z.enum(['idle', 'busy', 'degraded', 'broken', 'restarting']),
  circuit: CircuitStateSchema,
  activeTasks: z.number().int().nonnegative(),
  consecutiveFailures: z.number().int().nonnegative(),
  totalSuccesses: z.number().int().nonnegative(),
  totalFailures: z.number().int().nonnegative(),
  restarts: z.number().int().nonnegative(),
  /** Epoch ms of the last success / failure. */
  lastSuccessAt: NonNegativeNumberSchema.optional(),
  lastFailureAt: NonNegativeNumberSchema.optional(),
  /** Exponentially weighted mean latency of successful attempts. */
  avgLatencyMs: NonNegativeNumberSchema,
  /** Free-form memory an agent keeps across tasks and threads. */
  memory: z.record(z.string(), z.unknown()).default({}),
  updatedAt: NonNegativeNumberSchema,
});
export type AgentState = z.infer<typeof AgentStateSchema>;

/** How a failure is treated: retry it, move it to another agent, fail it at once, or stop the run. */
export const FailureClassSchema = z.enum(['transient', 'agent-fault', 'bad-input', 'fatal']);
export type FailureClass = z.infer<typeof FailureClassSchema>;

export const AgentErrorSchema = z.object({
  taskId: IdSchema,
  agentId: IdSchema.optional(),
  classification: FailureClassSchema,
  message: z.string(),
  code: z.string().optional(),
  attempt: PositiveIntSchema,
  at: NonNegativeNumberSchema,
});
export type AgentError = z.infer<typeof AgentErrorSchema>;

/** What the recovery handler did about a failure, as recorded in the run's state and events. */
export const RecoveryActionTypeSchema = z.enum([
  'retry-with-backoff',
  'redistribute',
  'restart-and-redistribute',
  'fallback',
  'compensate',
  'replan',
  'abort',
]);
export type RecoveryActionType = z.infer<typeof RecoveryActionTypeSchema>;

/** The recovery handler's levels, tried in this order (cheapest remedy first). */
export const RecoveryLevelSchema = z.enum(['agent', 'scheduler', 'system', 'fallback']);
export type RecoveryLevel = z.infer<typeof RecoveryLevelSchema>;

export const RecoveryActionSchema = z.object({
  type: RecoveryActionTypeSchema,
  level: RecoveryLevelSchema,
  taskId: IdSchema,
  agentId: IdSchema.optional(),
  /** The agent the task moves to (redistribute). */
  targetAgentId: IdSchema.optional(),
  delayMs: NonNegativeNumberSchema.optional(),
  reason: z.string(),
});
export type RecoveryAction = z.infer<typeof RecoveryActionSchema>;

export const ExecutionResultSchema = z.object({
  planId: IdSchema,
  status: RunStatusSchema,
  strategy: ConcreteStrategySchema,
  results: z.record(IdSchema, z.unknown()),
  errors: z.array(AgentErrorSchema),
  recoveries: z.array(RecoveryActionSchema),
  /** Completed tasks whose compensation ran, in the order it ran. */
  compensated: z.array(IdSchema),
  durationMs: NonNegativeNumberSchema,
});
export type ExecutionResult = z.infer<typeof ExecutionResultSchema>;

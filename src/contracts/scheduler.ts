import { z } from 'zod';
import { ConsensusSpecSchema } from './consensus.js';
import { IdSchema, NonNegativeNumberSchema, PositiveIntSchema, ResourceMapSchema } from './common.js';
import { RunStatusSchema } from './status.js';

/** The strategies a caller may ask for; `adaptive` lets the scheduler choose (and learn). */
export const StrategySchema = z.enum(['sequential-safe', 'parallel', 'parallel-coordinated', 'adaptive']);
export type Strategy = z.infer<typeof StrategySchema>;

/** The strategies a plan actually runs with (`adaptive` always resolves to one of these). */
export const ConcreteStrategySchema = z.enum(['sequential-safe', 'parallel', 'parallel-coordinated']);
export type ConcreteStrategy = z.infer<typeof ConcreteStrategySchema>;
export const CONCRETE_STRATEGIES = ConcreteStrategySchema.options;

export const RiskSchema = z.enum(['low', 'medium', 'high']);
export type Risk = z.infer<typeof RiskSchema>;

/** What a task does to the world: `none` (pure), `idempotent` (safe to repeat), `external` (not). */
export const SideEffectsSchema = z.enum(['none', 'idempotent', 'external']);
export type SideEffects = z.infer<typeof SideEffectsSchema>;

export const TaskFallbackSchema = z.object({
  /** Run the fallback on an agent with this capability instead of the task's own. */
  capability: z.string().min(1).optional(),
  /** Input for the fallback; the task's own input when omitted. */
  input: z.unknown().optional(),
  /** Return this value as the task's result without running anything. */
  value: z.unknown().optional(),
});
export type TaskFallback = z.infer<typeof TaskFallbackSchema>;

/** Unknown fields are refused, so a misspelt one (`dependencies` for `dependsOn`) is an error, not a silent no-op. */
export const TaskSchema = z.strictObject({
  id: IdSchema,
  /** Ids of tasks that must finish before this one starts. */
  dependsOn: z.array(IdSchema).default([]),
  /** Predicted duration, used to plan; the real one comes from the agent. */
  estimatedDurationMs: NonNegativeNumberSchema.default(0),
  /** Units of each renewable resource held while the task runs. */
  resources: ResourceMapSchema.default({}),
  /** 1 (lowest) to 10 (highest); ready tasks start highest first. */
  priority: z.number().int().min(1).max(10).default(5),
  /** Agents that offer this capability may run the task. */
  capability: z.string().min(1).max(128).optional(),
  input: z.unknown().optional(),
  risk: RiskSchema.default('low'),
  sideEffects: SideEffectsSchema.default('none'),
  /** Groups tasks for the adaptive engine (what it learns is per class). */
  taskClass: z.string().min(1).max(128).optional(),
  /** Per-attempt timeout. */
  timeoutMs: PositiveIntSchema.optional(),
  /** Retries for transient failures (attempts = retries + 1). */
  retries: z.number().int().min(0).max(100).optional(),
  fallback: TaskFallbackSchema.optional(),
  /**
   * Ask several agents and decide: the task runs once per voter, each on a distinct agent of its
   * capability, and completes with the answer its voters decided on (see ConsensusSpecSchema).
   */
  consensus: ConsensusSpecSchema.optional(),
});
export type Task = z.infer<typeof TaskSchema>;
export type TaskInput = z.input<typeof TaskSchema>;

export const ConstraintsSchema = z.object({
  /** At most this many tasks run at any instant. */
  maxConcurrentAgents: PositiveIntSchema.optional(),
});
export type Constraints = z.infer<typeof ConstraintsSchema>;

export const ExecutionRequestSchema = z.object({
  id: IdSchema.optional(),
  tasks: z.array(TaskSchema).min(1, 'a request needs at least one task'),
  /** Capacity of each renewable resource; a resource not named here is unlimited. */
  resources: ResourceMapSchema.default({}),
  constraints: ConstraintsSchema.default({}),
  strategy: StrategySchema.default('adaptive'),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type ExecutionRequest = z.infer<typeof ExecutionRequestSchema>;
export type ExecutionRequestInput = z.input<typeof ExecutionRequestSchema>;

export const ScheduledTaskSchema = z.object({
  taskId: IdSchema,
  startMs: NonNegativeNumberSchema,
  endMs: NonNegativeNumberSchema,
});
export type ScheduledTask = z.infer<typeof ScheduledTaskSchema>;

export const ExecutionPlanSchema = z.object({
  /** Derived from the request's content: the same request gives the same id. */
  id: IdSchema,
  requestId: IdSchema.optional(),
  requestedStrategy: StrategySchema,
  strategy: ConcreteStrategySchema,
  strategyReason: z.string(),
  tasks: z.array(TaskSchema),
  /** A topological order of the task ids. */
  order: z.array(IdSchema),
  criticalPath: z.array(IdSchema),
  criticalPathMs: NonNegativeNumberSchema,
  /** One entry per task, in start order. */
  schedule: z.array(ScheduledTaskSchema),
  makespanMs: NonNegativeNumberSchema,
  /** max(critical path, work / capacity for each resource): no schedule can beat it. */
  lowerBoundMs: NonNegativeNumberSchema,
  resources: ResourceMapSchema,
  constraints: ConstraintsSchema,
});
export type ExecutionPlan = z.infer<typeof ExecutionPlanSchema>;

export const AgentHealthSchema = z.enum(['healthy', 'degraded', 'unhealthy']);
export type AgentHealth = z.infer<typeof AgentHealthSchema>;

/** What the scheduler needs to know about an agent to assign work to it. */
export const AgentDescriptorSchema = z.object({
  id: IdSchema,
  capabilities: z.array(z.string().min(1)).default([]),
  maxConcurrency: PositiveIntSchema.default(1),
  /** Tasks running on it now. */
  activeTasks: z.number().int().nonnegative().default(0),
  health: AgentHealthSchema.default('healthy'),
  /** Observed success ratio, 0..1. */
  successRate: z.number().min(0).max(1).default(1),
});
export type AgentDescriptor = z.infer<typeof AgentDescriptorSchema>;
export type AgentDescriptorInput = z.input<typeof AgentDescriptorSchema>;

export const AgentAssignmentSchema = z.object({
  taskId: IdSchema,
  agentId: IdSchema,
  startMs: NonNegativeNumberSchema,
  endMs: NonNegativeNumberSchema,
});
export type AgentAssignment = z.infer<typeof AgentAssignmentSchema>;

export const AgentScheduleSchema = z.object({
  planId: IdSchema,
  assignments: z.array(AgentAssignmentSchema),
  /** Tasks no agent can take, with the reason. */
  unassigned: z.array(z.object({ taskId: IdSchema, reason: z.string() })),
  makespanMs: NonNegativeNumberSchema,
  /** Busy time / (makespan × agents), 0..1. */
  utilization: z.number().min(0).max(1),
});
export type AgentSchedule = z.infer<typeof AgentScheduleSchema>;

export const ExecutionFeedbackSchema = z.object({
  planId: IdSchema,
  strategy: ConcreteStrategySchema,
  taskClass: z.string().min(1).default('default'),
  totalTasks: PositiveIntSchema,
  succeededTasks: z.number().int().nonnegative(),
  failedTasks: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative().default(0),
  /** Completed tasks whose work was undone by a compensation (the run failed): they count as not done. */
  compensatedTasks: z.number().int().nonnegative().default(0),
  predictedMakespanMs: NonNegativeNumberSchema,
  actualMakespanMs: NonNegativeNumberSchema,
  /**
   * A makespan no candidate strategy could beat: the lowest lower bound among the strategies the run
   * could have used, over the durations its tasks really took. The reward measures the run against it
   * (against `predictedMakespanMs` when absent or 0), so a run planned slow is not scored as on time.
   */
  bestLowerBoundMs: NonNegativeNumberSchema.optional(),
  /** The strategies the run's DAG allows learning to choose (see `strategyCandidates`); all three when absent. */
  candidates: z.array(ConcreteStrategySchema).min(1).optional(),
});
export type ExecutionFeedback = z.infer<typeof ExecutionFeedbackSchema>;
export type ExecutionFeedbackInput = z.input<typeof ExecutionFeedbackSchema>;

export const StrategyAdjustmentSchema = z.object({
  taskClass: z.string(),
  previousStrategy: ConcreteStrategySchema,
  recommendedStrategy: ConcreteStrategySchema,
  changed: z.boolean(),
  /** Probability that the recommended strategy is the best one, 0..1. */
  confidence: z.number().min(0).max(1),
  /** Observed reward of the feedback, 0..1. */
  reward: z.number().min(0).max(1),
  /** Posterior mean reward per strategy. */
  expectedRewards: z.record(ConcreteStrategySchema, z.number().min(0).max(1)),
  reason: z.string(),
});
export type StrategyAdjustment = z.infer<typeof StrategyAdjustmentSchema>;

export const ExecutionEventSchema = z.object({
  taskId: IdSchema,
  type: z.enum(['started', 'completed', 'failed']),
  /** Milliseconds since the run started. */
  atMs: NonNegativeNumberSchema,
  agentId: IdSchema.optional(),
});
export type ExecutionEvent = z.infer<typeof ExecutionEventSchema>;

export const ExecutionStatusSchema = z.object({
  planId: IdSchema,
  /** The run's status as its events tell it; events never say `cancelled`. */
  state: RunStatusSchema.exclude(['cancelled']),
  pending: z.array(IdSchema),
  running: z.array(IdSchema),
  completed: z.array(IdSchema),
  failed: z.array(IdSchema),
  /** Completed / total, 0..1. */
  progress: z.number().min(0).max(1),
  elapsedMs: NonNegativeNumberSchema,
  predictedMakespanMs: NonNegativeNumberSchema,
  /** Predicted end given the delays seen so far. */
  projectedMakespanMs: NonNegativeNumberSchema,
  /** Tasks that started or ended later than planned. */
  delayed: z.array(z.object({ taskId: IdSchema, delayMs: z.number().positive() })),
  onSchedule: z.boolean(),
});
export type ExecutionStatus = z.infer<typeof ExecutionStatusSchema>;

/**
 * The current package's (`@cortex-os/orchestration` 1.0.0) enums, defaults and schemas, kept with the
 * same names, values and shapes so an in-place upgrade compiles and behaves as before.
 *
 * The enums are frozen `as const` objects with UPPER keys, each with a type of the same name, so
 * both enum-style usages keep working:
 *
 * @example
 * const role: AgentRole = AgentRole.PLANNER;  // 'planner'
 * AgentRoleSchema.parse('worker');            // z.enum over the same values
 */
import { z } from 'zod';
import { NoError } from '../contracts/errors.js';
import type { ConcreteStrategy, Strategy } from '../contracts/scheduler.js';

/** The current package's name, kept because its snapshot test pins it (this package's own is in langgraph-no/package.json). */
export const name = '@cortex-os/orchestration';
/** The current package's version, kept because its snapshot test pins it. */
export const version = '1.0.0';

/** What an agent does in an orchestration. */
export const AgentRole = Object.freeze({
  PLANNER: 'planner',
  EXECUTOR: 'executor',
  COORDINATOR: 'coordinator',
  VALIDATOR: 'validator',
  MONITOR: 'monitor',
  SPECIALIST: 'specialist',
  WORKER: 'worker',
} as const);
export type AgentRole = (typeof AgentRole)[keyof typeof AgentRole];
export const AgentRoleSchema = z.enum(AgentRole);

/**
 * The current package's strategy names. nO's scheduler uses its own names
 * (`sequential-safe`, `parallel`, `parallel-coordinated`, `adaptive`): convert with
 * {@link toNoStrategy} before handing a strategy to the loop or the scheduler.
 */
export const OrchestrationStrategy = Object.freeze({
  SEQUENTIAL: 'sequential',
  PARALLEL: 'parallel',
  ADAPTIVE: 'adaptive',
  HIERARCHICAL: 'hierarchical',
  REACTIVE: 'reactive',
} as const);
export type OrchestrationStrategy = (typeof OrchestrationStrategy)[keyof typeof OrchestrationStrategy];
export const OrchestrationStrategySchema = z.enum(OrchestrationStrategy);

/**
 * How each current strategy runs in nO:
 * - `sequential` -> `sequential-safe` (one task at a time, in dependency order);
 * - `parallel` -> `parallel` (independent tasks at once, no coordination);
 * - `hierarchical` -> `parallel-coordinated` (a coordinator supervises parallel workers);
 * - `adaptive` -> `adaptive` (the scheduler picks from the plan's shape and learns from feedback);
 * - `reactive` -> `adaptive` (nO reacts to outcomes through the adaptive engine; it has no separate
 *   event-driven mode).
 */
export const NO_STRATEGY_OF: Readonly<Record<OrchestrationStrategy, Strategy>> = Object.freeze({
  sequential: 'sequential-safe',
  parallel: 'parallel',
  adaptive: 'adaptive',
  hierarchical: 'parallel-coordinated',
  reactive: 'adaptive',
});

const NO_STRATEGIES: ReadonlySet<string> = new Set<Strategy>(['sequential-safe', 'parallel', 'parallel-coordinated', 'adaptive']);

/**
 * The nO strategy a current strategy runs as (see {@link NO_STRATEGY_OF}). nO's own names pass
 * through unchanged, so the function is safe to apply twice. Anything else is a NoError INVALID_INPUT.
 *
 * @example
 * toNoStrategy(OrchestrationStrategy.HIERARCHICAL); // 'parallel-coordinated'
 * createMasterAgentLoop(...).run({ tasks, strategy: toNoStrategy(OrchestrationDefaults.defaultStrategy) });
 */
export function toNoStrategy(strategy: OrchestrationStrategy | Strategy): Strategy {
  if (Object.hasOwn(NO_STRATEGY_OF, strategy)) return NO_STRATEGY_OF[strategy as OrchestrationStrategy];
  if (NO_STRATEGIES.has(strategy)) return strategy as Strategy;
  throw new NoError('INVALID_INPUT', `unknown orchestration strategy '${String(strategy)}'`, {
    details: { strategy, known: [...Object.values(OrchestrationStrategy), ...NO_STRATEGIES] },
  });
}

/**
 * The current strategy name of the strategy a plan ran with (for `orchestration.coordination.started`
 * payloads and other current-package consumers).
 */
export function fromNoStrategy(strategy: ConcreteStrategy | 'adaptive'): OrchestrationStrategy {
  switch (strategy) {
    case 'sequential-safe':
      return 'sequential';
    case 'parallel-coordinated':
      return 'hierarchical';
    default:
      return strategy;
  }
}

/** The current package's defaults, values unchanged. */
export const OrchestrationDefaults = Object.freeze({
  maxConcurrentOrchestrations: 10,
  defaultStrategy: OrchestrationStrategy.ADAPTIVE,
  planningTimeout: 300_000,
  executionTimeout: 1_800_000,
  qualityThreshold: 0.8,
  confidenceThreshold: 0.7,
});
export type OrchestrationDefaults = typeof OrchestrationDefaults;

/** The current package's task status (the `status` of a {@link CompatTask}). */
export const OrchestrationTaskStatus = Object.freeze({
  PENDING: 'pending',
  PLANNING: 'planning',
  EXECUTING: 'executing',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  PAUSED: 'paused',
} as const);
export type OrchestrationTaskStatus = (typeof OrchestrationTaskStatus)[keyof typeof OrchestrationTaskStatus];

/*
 * The current package's Task and ExecutionPlan shapes. These are NOT nO's TaskSchema/ExecutionPlanSchema
 * (those describe a scheduling DAG: dependsOn, resources, schedule...); reusing them would silently
 * strip `title`, `description`, `status` from a current task and reject every current plan.
 * Ids use z.guid() (any 8-4-4-4-12 hex id), which is what the current package's Zod 3 `uuid()` accepted;
 * Zod 4's z.uuid() would refuse ids without RFC 9562 version bits.
 */
const compatRecord = z.record(z.string(), z.unknown());

const CompatTaskSchema = z.object({
  id: z.guid(),
  title: z.string().min(1),
  description: z.string(),
  status: z.enum(OrchestrationTaskStatus),
  priority: z.number().min(1).max(10),
  dependencies: z.array(z.guid()).default([]),
  requiredCapabilities: z.array(z.string()).default([]),
  context: compatRecord.default({}),
  metadata: compatRecord.default({}),
  createdAt: z.date(),
  updatedAt: z.date().optional(),
  completedAt: z.date().optional(),
  estimatedDuration: z.number().optional(),
  actualDuration: z.number().optional(),
});

const CompatExecutionPlanSchema = z.strictObject({
  id: z.guid(),
  taskId: z.guid(),
  strategy: OrchestrationStrategySchema,
  phases: z.array(z.string()),
  dependencies: z.record(z.string(), z.array(z.string())),
  estimatedDuration: z.number(),
  resourceRequirements: z.object({
    minAgents: z.number().min(1),
    maxAgents: z.number().min(1),
    requiredCapabilities: z.array(z.string()),
    memoryRequirement: z.number().optional(),
    computeRequirement: z.number().optional(),
  }),
  checkpoints: z.array(z.object({ phase: z.string(), criteria: z.array(z.string()), validation: z.string() })),
  createdAt: z.date(),
  updatedAt: z.date().optional(),
});

/** The current package's `Schemas`: `Schemas.Task`, `Schemas.ExecutionPlan`. */
export const Schemas = Object.freeze({
  Task: CompatTaskSchema,
  ExecutionPlan: CompatExecutionPlanSchema,
});
export type CompatTask = z.infer<typeof CompatTaskSchema>;
export type CompatExecutionPlan = z.infer<typeof CompatExecutionPlanSchema>;

import { z } from 'zod';
import { AbstentionReasonSchema, BallotRejectionSchema, ConsensusMethodSchema, ConsensusOutcomeSchema } from './consensus.js';
import { AnomalySchema, CorrectionSchema } from './anomaly.js';
import { ReplanRecordSchema } from './planning.js';
import { ConcreteStrategySchema, StrategySchema } from './scheduler.js';
import { RecoveryActionTypeSchema, RecoveryLevelSchema } from './loop.js';
import { RunStatusSchema } from './status.js';
import { ToolLayerLevelSchema } from './tools.js';

/** The current package's 11 event types, with their strings unchanged. */
export const OrchestrationEventTypes = {
  TaskCreated: 'orchestration.task.created',
  TaskStarted: 'orchestration.task.started',
  TaskCompleted: 'orchestration.task.completed',
  TaskFailed: 'orchestration.task.failed',
  AgentAssigned: 'orchestration.agent.assigned',
  AgentFreed: 'orchestration.agent.freed',
  PlanCreated: 'orchestration.plan.created',
  PlanUpdated: 'orchestration.plan.updated',
  CoordinationStarted: 'orchestration.coordination.started',
  DecisionMade: 'orchestration.decision.made',
  ResourceAllocated: 'orchestration.resource.allocated',
} as const;

/** Event types nO adds. */
export const NoEventTypes = {
  AgentCoordinationStarted: 'no.agent.coordination.started',
  ScheduleAdjusted: 'no.schedule.adjusted',
  ToolLayerInvoked: 'no.tool.layer.invoked',
  RecoveryActionTaken: 'no.recovery.action.taken',
  TaskCompensated: 'no.task.compensated',
  RunCompleted: 'no.run.completed',
  AgentStep: 'no.agent.step',
  ConsensusDecided: 'no.consensus.decided',
  AnomalyDetected: 'no.anomaly.detected',
  AnomalyResolved: 'no.anomaly.resolved',
  AnomalyCorrected: 'no.anomaly.corrected',
  PlanRevised: 'no.plan.revised',
} as const;

const meta = z.record(z.string(), z.unknown()).optional();
const id = z.string().min(1);

export const ORCHESTRATION_EVENT_SCHEMAS = {
  [OrchestrationEventTypes.TaskCreated]: z.object({ taskId: id, input: z.unknown(), metadata: meta }),
  [OrchestrationEventTypes.TaskStarted]: z.object({
    taskId: id,
    agentId: id.optional(),
    attempt: z.number().int().positive().optional(),
    metadata: meta,
  }),
  [OrchestrationEventTypes.TaskCompleted]: z.object({
    taskId: id,
    result: z.unknown(),
    durationMs: z.number().nonnegative().optional(),
    metadata: meta,
  }),
  [OrchestrationEventTypes.TaskFailed]: z.object({
    taskId: id,
    error: z.string(),
    retryable: z.boolean().optional(),
    metadata: meta,
  }),
  [OrchestrationEventTypes.AgentAssigned]: z.object({
    agentId: id,
    taskId: id,
    capabilities: z.array(z.string()).optional(),
  }),
  [OrchestrationEventTypes.AgentFreed]: z.object({
    agentId: id,
    taskId: id.optional(),
    reason: z.string().optional(),
  }),
  [OrchestrationEventTypes.PlanCreated]: z.object({
    planId: id,
    summary: z.string().optional(),
    steps: z.array(z.unknown()).optional(),
  }),
  [OrchestrationEventTypes.PlanUpdated]: z.object({
    planId: id,
    changes: z.array(z.unknown()).min(1, 'a plan update needs at least one change'),
  }),
  [OrchestrationEventTypes.CoordinationStarted]: z.object({
    strategy: z.string().min(1),
    runId: id,
    participants: z.array(z.string()).optional(),
  }),
  [OrchestrationEventTypes.DecisionMade]: z.object({
    decisionId: id,
    outcome: z.string(),
    confidence: z.number().min(0).max(1).optional(),
    metadata: meta,
  }),
  [OrchestrationEventTypes.ResourceAllocated]: z.object({
    resourceId: id,
    taskId: id,
    amount: z.number().positive().optional(),
    unit: z.string().optional(),
  }),
} as const;

export const NO_EVENT_SCHEMAS = {
  [NoEventTypes.AgentCoordinationStarted]: z.object({
    runId: id,
    planId: id,
    strategy: ConcreteStrategySchema,
    agentIds: z.array(id),
    taskCount: z.number().int().nonnegative(),
  }),
  [NoEventTypes.ScheduleAdjusted]: z.object({
    taskClass: z.string(),
    previousStrategy: StrategySchema,
    newStrategy: StrategySchema,
    reason: z.string(),
    confidence: z.number().min(0).max(1).optional(),
  }),
  [NoEventTypes.ToolLayerInvoked]: z.object({
    layer: ToolLayerLevelSchema,
    tool: z.string().min(1),
    caller: z.string().min(1),
    success: z.boolean(),
    durationMs: z.number().nonnegative(),
    errorCode: z.string().optional(),
  }),
  [NoEventTypes.RecoveryActionTaken]: z.object({
    taskId: id,
    action: RecoveryActionTypeSchema,
    level: RecoveryLevelSchema,
    agentId: id.optional(),
    targetAgentId: id.optional(),
    reason: z.string(),
  }),
  [NoEventTypes.TaskCompensated]: z.object({ taskId: id, success: z.boolean(), error: z.string().optional() }),
  [NoEventTypes.RunCompleted]: z.object({
    runId: id,
    planId: id,
    status: RunStatusSchema.exclude(['pending', 'running']),
    durationMs: z.number().nonnegative(),
    completedTasks: z.number().int().nonnegative(),
    failedTasks: z.number().int().nonnegative(),
    /** Why the run was stopped before its tasks ended: its deadline, a fatal failure, a cancel. */
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  }),
  /**
   * A node of a graph agent finished (or of a graph nested in it). Any string is a valid `node`, so
   * building this event never fails inside the agent's own run.
   */
  [NoEventTypes.AgentStep]: z.object({
    taskId: id,
    agentId: id,
    attempt: z.number().int().positive(),
    node: z.string(),
    /** What the node returned: its update to its graph's state. */
    update: z.unknown(),
    /** The namespace of the node's graph, as `stream(..., { subgraphs: true })` shows it. */
    namespace: z.array(z.string()),
  }),
  /**
   * A consensus task's vote ended: decided, tied, short of its quorum, or undecided (no answer
   * with more than half, or disagreement under 'unanimous'). Ballots that did not count are named.
   */
  [NoEventTypes.ConsensusDecided]: z.object({
    taskId: id,
    proposalId: id,
    method: ConsensusMethodSchema,
    outcome: ConsensusOutcomeSchema,
    value: z.unknown().optional(),
    support: z.number().nonnegative().optional(),
    reason: z.string().optional(),
    voters: z.number().int().nonnegative(),
    quorum: z.number().int().positive(),
    ballots: z.number().int().nonnegative(),
    abstentions: z.array(z.object({ voter: z.string(), reason: AbstentionReasonSchema })),
    rejected: z.array(z.object({ voter: z.string(), reason: BallotRejectionSchema })),
    /** Ballots read back from the checkpoint (voters not asked again after a resume). */
    replayedBallots: z.number().int().nonnegative(),
  }),
  /** A detector saw an agent, a tool or a run cross its bound for long enough (see createSelfHealing). */
  [NoEventTypes.AnomalyDetected]: AnomalySchema,
  /** The anomaly's measure came back within bounds for long enough. */
  [NoEventTypes.AnomalyResolved]: AnomalySchema,
  /** What self-healing did about an anomaly (or why it did nothing). */
  [NoEventTypes.AnomalyCorrected]: CorrectionSchema,
  /** A run asked its planner for a revised plan of its remaining work (see MasterLoopOptions.replan). */
  [NoEventTypes.PlanRevised]: ReplanRecordSchema.extend({ runId: id }),
} as const;

export const ALL_EVENT_SCHEMAS = { ...ORCHESTRATION_EVENT_SCHEMAS, ...NO_EVENT_SCHEMAS };
export type EventType = keyof typeof ALL_EVENT_SCHEMAS;
export type EventPayload<T extends EventType> = z.infer<(typeof ALL_EVENT_SCHEMAS)[T]>;
export const EVENT_TYPES = Object.keys(ALL_EVENT_SCHEMAS) as EventType[];

export const DEFAULT_EVENT_SOURCE = 'urn:cortex:orchestration';
export const DEFAULT_EVENT_TTL_MS = 60_000;

/** W3C traceparent: version-traceid-spanid-flags. */
export const TRACEPARENT_PATTERN = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A CloudEvents 1.0 envelope with the current package's extension fields. */
export const EventEnvelopeSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  source: z.string().regex(/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/, 'must be a URI (scheme:rest)'),
  specversion: z.literal('1.0'),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.string().default('application/json'),
  dataschema: z.url().optional(),
  subject: z.string().optional(),
  correlationId: z.string().optional(),
  causationId: z.string().optional(),
  ttlMs: z.number().int().positive().default(DEFAULT_EVENT_TTL_MS),
  headers: z.record(z.string(), z.string()).default({}),
  traceparent: z.string().regex(TRACEPARENT_PATTERN, 'must be a W3C traceparent').optional(),
  tracestate: z.string().optional(),
  baggage: z.string().optional(),
  data: z.unknown(),
});
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;

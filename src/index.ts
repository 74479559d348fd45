/// <reference types="node" preserve="true" />
/**
 * langgraph-no — nO, a master agent loop for LangGraph.js.
 *
 * The root entry lists what a user writes code against: the factories, their options and results,
 * the errors, the defaults worth tuning, the event and message shapes, and the current package's
 * surface kept for an in-place upgrade. Internals (the solver, the dispatcher, channel classes,
 * helper functions) stay internal, so they can change without breaking anyone. Serving over MCP is
 * `langgraph-no/mcp`; the A2A bridge is `langgraph-no/a2a`. This package's version is in
 * `langgraph-no/package.json`; the root's `name` and `version` are the current package's, kept.
 */

// Errors, and the shapes that cross the API (schemas are the source of truth, types inferred).
export {
  NoError,
  isNoError,
  NO_ERROR_CODES,
  TaskSchema,
  ExecutionRequestSchema,
  ExecutionPlanSchema,
  ExecutionResultSchema,
  AgentMessageSchema,
  EventEnvelopeSchema,
  NoEventTypes,
  OrchestrationEventTypes,
  ORCHESTRATION_EVENT_SCHEMAS,
} from './contracts/index.js';
export type {
  NoErrorCode,
  NoErrorJSON,
  Json,
  ResourceMap,
  Strategy,
  ConcreteStrategy,
  Risk,
  SideEffects,
  TaskFallback,
  Task,
  TaskInput,
  Constraints,
  ExecutionRequest,
  ExecutionRequestInput,
  ScheduledTask,
  ExecutionPlan,
  AgentHealth,
  AgentDescriptor,
  AgentDescriptorInput,
  AgentAssignment,
  AgentSchedule,
  ExecutionFeedback,
  ExecutionFeedbackInput,
  StrategyAdjustment,
  ExecutionEvent,
  ExecutionStatus,
  CircuitState,
  FailureClass,
  AgentError,
  RecoveryAction,
  RunStatus,
  TaskStatus,
  ExecutionResult,
  ToolLayerLevel,
  ToolCapability,
  ToolManifest,
  ToolError,
  ToolResult,
  AgentId,
  AgentMessage,
  BroadcastMessage,
  DeliveredMessage,
  EventType,
  EventPayload,
  EventEnvelope,
  AgentJob,
  AgentFailure,
  DistributionCallOptions,
  TaskDistribution,
  RunLease,
  RunLeadership,
} from './contracts/index.js';

// The intelligence scheduler (pure, no LangGraph).
export {
  createIntelligenceScheduler,
  createAdaptiveEngine,
  DEFAULT_REQUEST_LIMITS,
  DEFAULT_REGRET_CAP,
  planToMermaid,
  planToDot,
} from './scheduler/index.js';
export type {
  IntelligenceScheduler,
  IntelligenceSchedulerOptions,
  RequestLimits,
  StrategyChoice,
  AdaptiveDecisionEngine,
  AdaptiveEngineOptions,
  AdaptiveState,
  MonitorOptions,
  VisualizeOptions,
} from './scheduler/index.js';

// Resilience policies.
export { retry, timeout, circuitBreaker, bulkhead, wrap, saga, exponentialBackoff, classifyFailure } from './resilience/index.js';
export type {
  Policy,
  PolicyContext,
  RetryOptions,
  CircuitBreaker,
  CircuitBreakerOptions,
  CircuitBreakerSnapshot,
  Bulkhead,
  BulkheadOptions,
  SagaStep,
  SagaResult,
  CompensateOptions,
  CompensationOutcome,
  ExponentialBackoffOptions,
} from './resilience/index.js';

// Telemetry: the span and metric names to build dashboards on, and the audit trail.
export { SPAN_NAMES, METRICS, createAuditTrail, verifyAuditEntries } from './telemetry/index.js';
export type { AuditTrail, AuditEntry, AuditInput, AuditVerification } from './telemetry/index.js';

// The master agent loop (LangGraph).
export {
  createMasterAgentLoop,
  addMasterLoop,
  MASTER_LOOP_NODES,
  DEFAULT_MASTER_LOOP_NODE,
  AGENT_NAMESPACE,
  createAgentPool,
  DEFAULT_RECOVERY_STRATEGIES,
  idempotencyKeyOf,
  STORE_NAMESPACES,
  DEFAULT_ATTEMPT_TIMEOUT_MS,
  DEFAULT_TASK_RETRIES,
  DEFAULT_MAX_ROUNDS,
  RUN_TIMEOUT_CONFIG_KEY,
  DEFAULT_LOOP_CLOSE_GRACE_MS,
} from './loop/index.js';
export type {
  MasterLoopOptions,
  MasterLoopLimits,
  RunDeadline,
  MasterLoopHandle,
  LoopCloseOptions,
  MasterLoopState,
  AddMasterLoopOptions,
  WithMasterLoop,
  MasterAgentLoop,
  AgentDefinition,
  AgentRunContext,
  AgentRunner,
  AgentPool,
  CompensationContext,
  TaskRecord,
  RecoveryStrategy,
  FailureContext,
  EventListener as LoopEventListener,
  AgentMessenger,
} from './loop/index.js';

// Swarm search: particle swarm optimisation whose evaluations are master-loop tasks.
export { createSwarm, evaluateEach, CLERC_KENNEDY } from './coordination/index.js';
export type { Swarm, SwarmOptions, SwarmProblem, SwarmResult, SwarmIteration, SwarmStopReason, SwarmBestMessage, BatchEvaluator, BatchContext, SwarmTopology } from './coordination/index.js';

// Shared knowledge: signed, schema-checked items in a LangGraph Store, accepted once k agents confirm.
export {
  createSharedKnowledge,
  DEFAULT_KNOWLEDGE_NAMESPACE,
  DEFAULT_KNOWLEDGE_SCOPE,
  DEFAULT_KNOWLEDGE_QUORUM,
  DEFAULT_KNOWLEDGE_TTL_MS,
} from './coordination/knowledge.js';
export type {
  SharedKnowledge,
  SharedKnowledgeOptions,
  AgentKnowledge,
  KnowledgeInput,
  KnowledgeItem,
  KnowledgeQuery,
  KnowledgeRead,
  KnowledgeRefusal,
  KnowledgeSchema,
} from './coordination/knowledge.js';
export type { KnowledgeProvenance, KnowledgeRefusalReason } from './coordination/knowledge-record.js';

// Federated learning: each process's share of what the adaptive engine learned, and their merge.
export { mergeAdaptiveStates } from './scheduler/index.js';
export type { AdaptiveContribution } from './scheduler/index.js';
export { loopEvaluator } from './loop/index.js';
export type { LoopEvaluatorOptions } from './loop/index.js';

// Anomaly detection and self-healing: robust detectors (pure) and the loop-facing healer.
export { robustDetector, errorRateDetector, stallDetector } from './coordination/anomaly.js';
export type {
  RobustDetector,
  RobustDetectorOptions,
  ErrorRateDetector,
  ErrorRateDetectorOptions,
  StallDetector,
  StallDetectorOptions,
} from './coordination/anomaly.js';
export { stuckDetector } from './coordination/stuck-detector.js';
export type { StuckDetector, StuckDetectorOptions, StuckVerdict } from './coordination/stuck-detector.js';
export { createSelfHealing, DEFAULT_QUARANTINE_MS, DEFAULT_HEALING_LADDERS } from './loop/index.js';
export type { SelfHealing, SelfHealingOptions, SelfHealingDetectors, HealedLoop, HealedTools, CallObservation, AnomalyNotice } from './loop/index.js';
// chaos testing
export { createChaos, DEFAULT_CHAOS_OPTIONS, INJECTED_FAULT_KINDS } from './loop/index.js';
export type { ChaosEngine, ChaosOptions, ChaosFault, ChaosFaultKind, ChaosToolCall } from './loop/index.js';
export type { Anomaly, AnomalyKind, AnomalySubjectType, Correction, HealingAction } from './contracts/index.js';

// Planning from a goal: a chat model's plan, checked by the package's own validation; it also
// revises a failing run's plan (MasterLoopOptions.replan).
export { createLlmPlanner, DEFAULT_PLANNER_MAX_ATTEMPTS } from './planning/index.js';
export { DEFAULT_MAX_REPLANS } from './loop/index.js';
export type { ReplanOptions } from './loop/index.js';
export type { LlmPlanner, LlmPlannerOptions, PlanOptions, PlanDraft, CapabilitySource } from './planning/index.js';
export type { PlanningContext, PlanRevisionInput, PlanRevision, Replanner, ReplanRecord, ReplanTrigger, TokenUsage } from './contracts/index.js';

// The multi-layer tool system.
export {
  createToolLayer,
  createToolRegistry,
  createToolOrchestrator,
  defineTool,
  toLangChainTools,
  primitiveTools,
  executionTools,
  dashboardTools,
  sandboxStatus,
  ToolCallError,
  isToolCallError,
  DEFAULT_RATE_LIMIT,
  DEFAULT_MAX_INPUT_BYTES,
  DEFAULT_TOOL_TIMEOUT_MS,
} from './tools/index.js';
export type {
  ToolDefinition,
  ToolContext,
  ToolLayer,
  NoToolLayer,
  InvokeOptions,
  CreateToolLayerOptions,
  ExecutionLayerOptions,
  ToolLayerOptions,
  ToolPolicy,
  PolicyRule,
  ToolRegistry,
  ToolOrchestrator,
  ChainStep,
  ChainResult,
  ExecutionToolsOptions,
  BubblewrapOptions,
  SandboxStatus,
} from './tools/index.js';

// The agent network.
export {
  createAgentNetwork,
  createAgentRegistry,
  createKeyring,
  DEFAULT_MAILBOX_CAPACITY,
  DEFAULT_SEND_TIMEOUT_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_MESSAGE_DEPTH,
} from './network/index.js';
export type {
  AgentNetwork,
  AgentNetworkOptions,
  NetworkStatus,
  SendOptions,
  SubscribeOptions,
  MessageHandler,
  AgentRegistry,
  AgentRecord,
  AgentStatus,
  AgentQuery,
  Keyring,
  KeyringOptions,
  MessagePolicy,
  NetworkSnapshot,
} from './network/index.js';

// Agents deciding together.
export { createConsensus, normalizeText, ABSTAIN, DEFAULT_CONSENSUS_TALLY_ID, DEFAULT_VOTE_TIMEOUT_MS } from './coordination/index.js';
export type { Consensus, ConsensusOptions, Proposal, VoteContext, EqualityOptions } from './coordination/index.js';

// Load balancing: an autoscaled pool (EWMA forecast per capability, min/max, cool-downs).
export { createToolAgent } from './loop/index.js';
export type { ToolAgentOptions, ToolAgentOutput, ToolAgentCall } from './loop/index.js';
export { createAutoscaler } from './loop/index.js';
export type { Autoscaler, AutoscalerOptions, AutoscaledCapability, Workload, CapabilityWorkload, AllocationResult, ScaleEvent } from './loop/index.js';
export {
  scalingPolicy,
  DEFAULT_FORECAST_ALPHA,
  DEFAULT_FORECAST_WINDOW_MS,
  DEFAULT_TARGET_UTILIZATION,
  DEFAULT_DRAIN_WINDOW_MS,
  DEFAULT_SCALE_UP_COOLDOWN_MS,
  DEFAULT_SCALE_DOWN_COOLDOWN_MS,
  DEFAULT_SCALE_DOWN_HYSTERESIS,
} from './coordination/autoscale-policy.js';
export type { ScalingPolicy, ScalingPolicyOptions, ScalingLimits, ScalingDecision, CapabilityObservation } from './coordination/autoscale-policy.js';
export { ConsensusSpecSchema, ConsensusDecisionSchema, BALLOT_MESSAGE_TYPE } from './contracts/consensus.js';
export type { ConsensusSpec, ConsensusSpecInput, ConsensusDecision, ConsensusMethod, ConsensusOutcome, CountedBallot, RejectedBallot, Abstention } from './contracts/consensus.js';

// The current package's (@cortex-os/orchestration 1.0.0) surface, kept working: its 18 pinned values
// (src/compat/surface.ts) and the graph builder an existing graph is upgraded from.
export {
  createCerebrumGraph,
  createCerebrumGraphBuilder,
  CerebrumAnnotation,
  createOrchestrationBus,
  createNetworkTransport,
  AgentRole,
  OrchestrationStrategy,
  OrchestrationTaskStatus,
  Schemas,
  OrchestrationDefaults,
  ToolErrorCode,
  ToolValidationError,
  createToolErrorResponse,
  toolErrorResponseSchema,
  orchestrationMcpTools,
  workflowOrchestrationTool,
  taskManagementTool,
  processMonitoringTool,
  name,
  version,
} from './compat/index.js';
export type {
  CerebrumState,
  SelectedModel,
  OrchestrationBus,
  OrchestrationBusOptions,
  OrchestrationPublishOptions,
  OrchestrationTransport,
  OrchestrationEventEnvelope,
  OrchestrationEventHandler,
  OrchestrationHandlers,
  CompatTask,
  CompatExecutionPlan,
  ToolErrorResponse,
  OrchestrationMcpTool,
} from './compat/index.js';

export { createMasterAgentLoop, MASTER_LOOP_NODES } from './builder.js';
export type { MasterLoopHandle, MasterAgentLoop } from './builder.js';
export { addMasterLoop, DEFAULT_MASTER_LOOP_NODE } from './add-master-loop.js';
export type { AddMasterLoopOptions, WithMasterLoop } from './add-master-loop.js';
export { MasterLoopAnnotation, RESET } from './state.js';
export type { MasterLoopState, MasterLoopUpdate, TaskRecord } from './state.js';
export {
  DEFAULT_ATTEMPT_TIMEOUT_MS,
  DEFAULT_TASK_RETRIES,
  DEFAULT_MAX_ROUNDS,
  DEFAULT_MAX_REPLAN_WAIT_MS,
  STORE_NAMESPACES,
  ADAPTIVE_STATE_KEY,
} from './runtime.js';
export type { MasterLoopOptions, MasterLoopLimits } from './runtime.js';
export { RUN_TIMEOUT_CONFIG_KEY } from './run-deadline.js';
export type { RunDeadline } from './run-deadline.js';
export { createAgentPool, DEFAULT_LATENCY_ALPHA } from './agent-pool.js';
export type { AgentPool, AgentPoolOptions } from './agent-pool.js';
export { createAutoscaler } from './autoscaler.js';
export type { Autoscaler, AutoscalerOptions, AutoscaledCapability, Workload, CapabilityWorkload, AllocationResult, ScaleEvent } from './autoscaler.js';
export { invokeAgent, isRunnableLike } from './agents.js';
export { AGENT_NAMESPACE, nestAgent } from './agent-nesting.js';
export type { AgentStep, AgentNesting, NestAgentOptions } from './agent-nesting.js';
export type { InvokeAgentOptions, AgentDefinition, AgentRunContext, AgentFunction, AgentRunner, RunnableLike, CompensationContext } from './agents.js';
export { initialAgentState, migrateAgentState } from './agent-state.js';
export { Dispatcher } from './dispatcher.js';
export type { DispatchTask, DispatcherOptions, Grant, DependencyResult } from './dispatcher.js';
export { decideRecovery, DEFAULT_RECOVERY_STRATEGIES } from './recovery-handler.js';
export type { FailureContext, RecoveryStrategy } from './recovery-handler.js';
export { runTask } from './run-task.js';
export { checkReadiness, DEFAULT_READINESS_TIMEOUT_MS, DRAINING_REASON, READINESS_PROBE_KEY } from './readiness.js';
export { DEFAULT_LOOP_CLOSE_GRACE_MS } from './shutdown.js';
export type { LoopCloseOptions } from './shutdown.js';
export type { Readiness, ReadinessOptions, ReadinessTargets } from './readiness.js';
export type { TaskOutcome, TaskRunEnv } from './run-task.js';
export { idempotencyKeyOf } from './coordinator-run.js';
export { applyLimits } from './nodes/scheduler-node.js';
export type { EventListener } from './emitter.js';
export { MailboxChannel, TopicLogChannel, DEFAULT_SETTLED_MEMORY, DEFAULT_TOPIC_HISTORY } from './message-channels.js';
export type { MessageOp, MessageChannelUpdate } from './message-channels.js';
export { createMessenger, openNetworkSession, undelivered, LOOP_HEARTBEAT_INTERVAL_MS } from './messaging.js';
export type { AgentMessenger, MessengerScope, NetworkSession } from './messaging.js';
export { loopEvaluator, DEFAULT_SWARM_THREAD_PREFIX } from './swarm-evaluator.js';
export type { LoopEvaluatorOptions } from './swarm-evaluator.js';
export {
  DEFAULT_LATENCY_DETECTOR,
  DEFAULT_OUTPUT_SIZE_DETECTOR,
  DEFAULT_QUARANTINE_MS,
  DEFAULT_ESCALATE_AFTER_MS,
  DEFAULT_HEALING_INTERVAL_MS,
  MAX_HEALED_RUNS,
} from './self-healing-options.js';
export { createSelfHealing, DEFAULT_HEALING_LADDERS } from './self-healing.js';
export type { SelfHealing, SelfHealingOptions, SelfHealingDetectors, HealedLoop, HealedTools, CallObservation, AnomalyNotice } from './self-healing-options.js';
export { createToolAgent, DEFAULT_TOOL_AGENT_MAX_STEPS, DEFAULT_TOOL_RESULT_CHARS, DEFAULT_TOOL_AGENT_OUTPUT_CHARS, DEFAULT_TOOL_AGENT_PROMPT } from './tool-agent.js';
export type { ToolAgentOptions, ToolAgentOutput, ToolAgentCall } from './tool-agent.js';
export { DEFAULT_MAX_REPLANS } from './replan.js';
export type { ReplanOptions } from './replan.js';
export { createChaos, DEFAULT_CHAOS_OPTIONS, INJECTED_FAULT_KINDS } from './chaos.js';
export type { ChaosEngine, ChaosOptions, ChaosFault, ChaosFaultKind, ChaosToolCall } from './chaos.js';

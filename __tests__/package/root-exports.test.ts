import * as root from '../../src/index';

// The root entry is the public API: a name added here is a promise kept across releases, so the list
// changes on purpose, never by accident. Types are checked by tsc; these are the runtime values.
const PUBLIC_VALUES = [
  // errors and shapes
  'NoError', 'isNoError', 'NO_ERROR_CODES', 'TaskSchema', 'ExecutionRequestSchema', 'ExecutionPlanSchema',
  'ExecutionResultSchema', 'AgentMessageSchema', 'EventEnvelopeSchema', 'NoEventTypes',
  // scheduler
  'createIntelligenceScheduler', 'createAdaptiveEngine', 'DEFAULT_REQUEST_LIMITS', 'DEFAULT_REGRET_CAP', 'planToMermaid', 'planToDot',
  // resilience
  'retry', 'timeout', 'circuitBreaker', 'bulkhead', 'wrap', 'saga', 'exponentialBackoff', 'classifyFailure',
  // telemetry
  'SPAN_NAMES', 'METRICS', 'createAuditTrail', 'verifyAuditEntries',
  // loop
  'createMasterAgentLoop', 'addMasterLoop', 'AGENT_NAMESPACE', 'MASTER_LOOP_NODES', 'DEFAULT_MASTER_LOOP_NODE', 'createAgentPool',
  'DEFAULT_RECOVERY_STRATEGIES', 'idempotencyKeyOf', 'STORE_NAMESPACES', 'DEFAULT_ATTEMPT_TIMEOUT_MS',
  'DEFAULT_TASK_RETRIES', 'DEFAULT_MAX_ROUNDS', 'RUN_TIMEOUT_CONFIG_KEY', 'DEFAULT_LOOP_CLOSE_GRACE_MS',
  // swarm search
  'createSwarm', 'evaluateEach', 'CLERC_KENNEDY', 'loopEvaluator',
  // shared knowledge and federated learning
  'createSharedKnowledge', 'DEFAULT_KNOWLEDGE_NAMESPACE', 'DEFAULT_KNOWLEDGE_SCOPE', 'DEFAULT_KNOWLEDGE_QUORUM',
  'DEFAULT_KNOWLEDGE_TTL_MS', 'mergeAdaptiveStates',
  // anomaly detection and self-healing
  'robustDetector', 'errorRateDetector', 'stallDetector', 'stuckDetector', 'createSelfHealing', 'DEFAULT_QUARANTINE_MS', 'DEFAULT_HEALING_LADDERS',
  // planning
  'createLlmPlanner', 'DEFAULT_PLANNER_MAX_ATTEMPTS', 'DEFAULT_MAX_REPLANS',
  // chaos testing
  'createChaos', 'DEFAULT_CHAOS_OPTIONS', 'INJECTED_FAULT_KINDS',
  // tools
  'createToolLayer', 'createToolAgent', 'createToolRegistry', 'createToolOrchestrator', 'defineTool', 'toLangChainTools', 'primitiveTools',
  'executionTools', 'dashboardTools', 'sandboxStatus', 'ToolCallError', 'isToolCallError', 'DEFAULT_RATE_LIMIT',
  'DEFAULT_MAX_INPUT_BYTES', 'DEFAULT_TOOL_TIMEOUT_MS',
  // network
  'createAgentNetwork', 'createAgentRegistry', 'createKeyring', 'DEFAULT_MAILBOX_CAPACITY', 'DEFAULT_SEND_TIMEOUT_MS',
  'DEFAULT_MAX_MESSAGE_BYTES', 'DEFAULT_MAX_MESSAGE_DEPTH',
  // coordination
  'createConsensus', 'normalizeText', 'ABSTAIN', 'DEFAULT_CONSENSUS_TALLY_ID', 'DEFAULT_VOTE_TIMEOUT_MS', 'ConsensusSpecSchema',
  'ConsensusDecisionSchema', 'BALLOT_MESSAGE_TYPE',
  // load balancing
  'createAutoscaler', 'scalingPolicy', 'DEFAULT_FORECAST_ALPHA', 'DEFAULT_FORECAST_WINDOW_MS', 'DEFAULT_TARGET_UTILIZATION', 'DEFAULT_DRAIN_WINDOW_MS',
  'DEFAULT_SCALE_UP_COOLDOWN_MS', 'DEFAULT_SCALE_DOWN_COOLDOWN_MS', 'DEFAULT_SCALE_DOWN_HYSTERESIS',
  // the current package's surface
  'createCerebrumGraph', 'createCerebrumGraphBuilder', 'CerebrumAnnotation', 'createOrchestrationBus', 'createNetworkTransport',
  'OrchestrationEventTypes', 'ORCHESTRATION_EVENT_SCHEMAS', 'AgentRole', 'OrchestrationStrategy', 'OrchestrationTaskStatus',
  'Schemas', 'OrchestrationDefaults', 'ToolErrorCode', 'ToolValidationError', 'createToolErrorResponse',
  'toolErrorResponseSchema', 'orchestrationMcpTools', 'workflowOrchestrationTool', 'taskManagementTool',
  'processMonitoringTool', 'name', 'version',
];

describe('the root entry', () => {
  it('exports exactly the public values, no internals', () => {
    expect(Object.keys(root).sort()).toEqual([...PUBLIC_VALUES].sort());
  });

  it.each(['solveSchedule', 'generateRcpspInstance', 'rewardOf', 'Dispatcher', 'MailboxChannel', 'parseWith', 'PACKAGE_VERSION'])(
    'keeps %s internal',
    (internal) => {
      expect(internal in root).toBe(false);
    },
  );
});

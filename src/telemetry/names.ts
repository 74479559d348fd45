/**
 * The span, attribute and metric names. Dashboards, alerts and Prometheus queries are written against
 * these strings, so they are constants here and nowhere else, and a rename is a breaking change.
 */
export const TELEMETRY_SCOPE = 'langgraph-no';

export const SPAN_NAMES = {
  schedulingExecute: 'no.scheduling.execute',
  coordinationExecute: 'no.coordination.execute',
  toolInvoke: 'no.tool.invoke',
  messageDeliver: 'no.message.deliver',
  swarmIteration: 'no.swarm.iteration',
  anomalyCorrect: 'no.anomaly.correct',
} as const;

/** Attributes of a self-healing action's span. */
export const ANOMALY_ATTRIBUTES = {
  id: 'no.anomaly.id',
  kind: 'no.anomaly.kind',
  subjectType: 'no.anomaly.subject_type',
  subject: 'no.anomaly.subject',
  action: 'no.anomaly.action',
  outcome: 'no.anomaly.outcome',
} as const;

export const SCHEDULER_ATTRIBUTES = {
  complexity: 'no.scheduler.complexity',
  agentCount: 'no.scheduler.agent_count',
  strategy: 'no.scheduler.strategy',
  resourceLimit: 'no.scheduler.resource_limit',
  executionTimeMs: 'no.scheduler.execution_time_ms',
  agentsAllocated: 'no.scheduler.agents_allocated',
  toolsRequired: 'no.scheduler.tools_required',
  taskCount: 'no.scheduler.task_count',
  makespanMs: 'no.scheduler.makespan_ms',
} as const;

export const COORDINATION_ATTRIBUTES = {
  id: 'no.coordination.id',
  participantCount: 'no.coordination.participant_count',
  participantIds: 'no.coordination.participant_ids',
  successRate: 'no.coordination.success_rate',
  messagesExchanged: 'no.coordination.messages_exchanged',
  consensusAchieved: 'no.coordination.consensus_achieved',
} as const;

/** Attributes of a swarm search's iteration span. */
export const SWARM_ATTRIBUTES = {
  searchId: 'no.swarm.search_id',
  iteration: 'no.swarm.iteration',
  batchSize: 'no.swarm.batch_size',
  bestValue: 'no.swarm.best_value',
} as const;

/**
 * OpenTelemetry's GenAI semantic conventions: an agent attempt is an `invoke_agent {agent}` span and
 * a tool call an `execute_tool {tool}` span, so GenAI-aware backends show them as such; the `no.*`
 * names stay beside them.
 */
export const GENAI_OPERATIONS = { invokeAgent: 'invoke_agent', executeTool: 'execute_tool' } as const;

export const GENAI_ATTRIBUTES = {
  operationName: 'gen_ai.operation.name',
  agentName: 'gen_ai.agent.name',
  agentId: 'gen_ai.agent.id',
  toolName: 'gen_ai.tool.name',
  toolType: 'gen_ai.tool.type',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  responseModel: 'gen_ai.response.model',
  errorType: 'error.type',
} as const;

/** The loop's own attributes on an agent attempt's span. */
export const AGENT_ATTRIBUTES = {
  taskId: 'no.task.id',
  attempt: 'no.task.attempt',
  threadId: 'no.thread.id',
  capability: 'no.task.capability',
} as const;

export interface MetricDefinition {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
}

export const METRICS = {
  schedulingLatency: {
    name: 'no_scheduling_latency_seconds',
    description: 'Time taken to create execution plans',
    unit: 's',
    labels: ['complexity', 'agent_count', 'strategy'],
    buckets: [0.001, 0.01, 0.1, 1, 5, 10],
  },
  agentUtilization: {
    name: 'no_agent_utilization_ratio',
    description: 'Current agent utilization ratio',
    unit: '1',
    labels: ['agent_id', 'capability_type'],
  },
  toolLayerInvocations: {
    name: 'no_tool_layer_invocations_total',
    description: 'Total tool layer invocations',
    unit: '1',
    labels: ['layer', 'tool_name', 'success'],
  },
  coordinationEfficiency: {
    name: 'no_coordination_efficiency_ratio',
    description: 'Efficiency of agent coordination (successful_ops / total_ops)',
    unit: '1',
    labels: ['coordination_type', 'agent_count'],
    buckets: [0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0],
  },
} as const satisfies Record<string, MetricDefinition>;

/**
 * What an operator needs besides the seed's four: runs and tasks by state, what waits for an agent,
 * retries, breakers, tool latency. Every label takes values from a closed set (a status, a layer) or
 * from what the application configured (its agents' ids, its registered tools), never from a run's
 * data (task ids, inputs), so the number of series stays bounded; the Prometheus helper also caps
 * series per metric (`DEFAULT_MAX_SERIES_PER_METRIC`).
 */
export const OPERATOR_METRICS = {
  runs: { name: 'no_runs_total', description: 'Runs that ended, by status', unit: '1', labels: ['status'] },
  runsActive: { name: 'no_runs_active', description: 'Coordinator passes running now', unit: '1', labels: [] },
  tasks: { name: 'no_tasks_total', description: 'Tasks that ended, by state', unit: '1', labels: ['state'] },
  tasksRunning: { name: 'no_tasks_running', description: 'Task attempts running on an agent now', unit: '1', labels: [] },
  taskBacklog: {
    name: 'no_task_backlog',
    description: 'Tasks whose dependencies are done that wait for an agent or resources',
    unit: '1',
    labels: [],
  },
  attempts: { name: 'no_task_attempts_total', description: 'Task attempts started, by agent', unit: '1', labels: ['agent_id'] },
  attemptFailures: {
    name: 'no_task_attempt_failures_total',
    description: 'Task attempts that failed, by agent and failure class',
    unit: '1',
    labels: ['agent_id', 'classification'],
  },
  retries: { name: 'no_task_retries_total', description: 'Retries with backoff, by the agent that failed', unit: '1', labels: ['agent_id'] },
  recoveries: { name: 'no_recovery_actions_total', description: 'Recovery decisions, by action and level', unit: '1', labels: ['action', 'level'] },
  circuitState: {
    name: 'no_agent_circuit_state',
    description: "1 for the state each agent's circuit breaker is in, 0 for the other states",
    unit: '1',
    labels: ['agent_id', 'state'],
  },
  anomalies: {
    name: 'no_anomalies_total',
    description: 'Anomalies detected, by kind and subject type (agent, tool, run)',
    unit: '1',
    labels: ['kind', 'subject_type'],
  },
  healingActions: {
    name: 'no_healing_actions_total',
    description: 'Self-healing actions, by anomaly kind, action and outcome',
    unit: '1',
    labels: ['kind', 'action', 'outcome'],
  },
  poolAgents: { name: 'no_pool_agents', description: 'Agents an autoscaled pool holds now, by capability', unit: '1', labels: ['capability'] },
  poolDesiredAgents: {
    name: 'no_pool_desired_agents',
    description: 'Agents the autoscaling policy asks for, by capability (within min and max); an outside autoscaler may scale workers on it',
    unit: '1',
    labels: ['capability'],
  },
  poolBacklog: {
    name: 'no_pool_backlog',
    description: 'Tasks waiting for an agent of the capability at the last allocation',
    unit: '1',
    labels: ['capability'],
  },
  poolScaleActions: {
    name: 'no_pool_scale_actions_total',
    description: 'Agents added or removed by the autoscaler, by capability and direction',
    unit: '1',
    labels: ['capability', 'direction'],
  },
  toolDuration: {
    name: 'no_tool_duration_seconds',
    description: 'Tool call latency through the security gate, by layer and tool',
    unit: 's',
    labels: ['layer', 'tool_name'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
  },
} as const satisfies Record<string, MetricDefinition>;

/** The `complexity` label: a coarse size class, so the histogram's cardinality stays small. */
export type Complexity = 'simple' | 'moderate' | 'complex';

/** @default 10 — plans with at most this many tasks are `simple`. */
export const SIMPLE_PLAN_MAX_TASKS = 10;
/** @default 100 — plans with at most this many tasks (and more than simple) are `moderate`. */
export const MODERATE_PLAN_MAX_TASKS = 100;

export function complexityOf(taskCount: number): Complexity {
  if (taskCount <= SIMPLE_PLAN_MAX_TASKS) return 'simple';
  if (taskCount <= MODERATE_PLAN_MAX_TASKS) return 'moderate';
  return 'complex';
}

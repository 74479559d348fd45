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

import { z } from 'zod';
import { CircuitStateSchema } from './loop.js';
import { RunStatusSchema, TaskStatusSchema } from './status.js';

const count = z.number().int().nonnegative();
const ratio = z.number().min(0).max(1);
const ms = z.number().nonnegative();

/**
 * What the dashboard's JSON endpoint (`/api/metrics`) answers: the seed's `NoDashboardMetrics`, in its
 * five parts. Every figure is for this process, now; counters count since the dashboard started.
 */
export const NoDashboardMetricsSchema = z.object({
  /** ISO time of this snapshot. */
  generatedAt: z.iso.datetime(),
  systemHealth: z.object({
    /** `unhealthy`: a loop is not ready; `degraded`: ready, but an alert is firing or a circuit is open. */
    status: z.enum(['healthy', 'degraded', 'unhealthy']),
    ready: z.boolean(),
    /** Why a loop is not ready (empty when ready). */
    reasons: z.array(z.string()),
    uptimeSeconds: ms,
    alertsFiring: count,
  }),
  scheduler: z.object({
    runsLive: count,
    runsFinished: count,
    runsByStatus: z.record(RunStatusSchema, count),
    /** Over the runs the dashboard holds. */
    tasksByStatus: z.record(TaskStatusSchema, count),
    /** Tasks whose dependencies are done, waiting for an agent or resources, over every live run. */
    backlog: count,
    /** Attempts after the first, over the runs the dashboard holds. */
    retries: count,
    /** Mean predicted makespan / lower bound of the plans seen (1 is optimal); null before the first plan. */
    meanPlanRatio: z.number().nonnegative().nullable(),
  }),
  agents: z.object({
    total: count,
    healthy: count,
    openCircuits: count,
    /** Busy slots / all slots, over every loop's pool. */
    utilization: ratio,
    agents: z.array(
      z.object({
        loop: z.string(),
        id: z.string(),
        health: z.enum(['healthy', 'degraded', 'unhealthy']),
        status: z.enum(['idle', 'busy', 'degraded', 'broken', 'restarting']),
        circuit: CircuitStateSchema,
        activeTasks: count,
        maxConcurrency: count,
        utilization: ratio,
        restarts: count,
        successes: count,
        failures: count,
        avgLatencyMs: ms,
      }),
    ),
  }),
  tools: z.object({
    calls: count,
    errors: count,
    errorRate: ratio,
    tools: z.array(
      z.object({
        layer: z.string(),
        tool: z.string(),
        calls: count,
        errors: count,
        errorRate: ratio,
        /** Over the tool's most recent calls (up to 256); null before its first call. */
        p95LatencyMs: ms.nullable(),
      }),
    ),
  }),
  network: z.object({
    networks: count,
    /** Messages settled per second, over the last snapshot interval. */
    throughputPerSecond: z.number().nonnegative(),
    /** From send to settle, over the most recent 256 messages; null before the first. */
    latencyP95Ms: ms.nullable(),
    queued: count,
    partitioned: z.boolean(),
    partitions: z.array(z.array(z.string())),
    unreachable: z.array(z.string()),
    delivered: count,
    refused: count,
  }),
});
export type NoDashboardMetrics = z.infer<typeof NoDashboardMetricsSchema>;

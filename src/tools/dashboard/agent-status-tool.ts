import { z } from 'zod';
import { AgentStateSchema, type AgentState } from '../../contracts/loop.js';
import { defineTool, type ToolDefinition } from '../tool.js';

export type AgentHealthLevel = 'healthy' | 'degraded' | 'unhealthy';

export const AgentStatusInputSchema = z.object({
  agents: z.array(AgentStateSchema).max(10_000),
  /** Tasks each agent may run at once (for utilisation); 1 when not named. */
  maxConcurrency: z.record(z.string(), z.number().int().positive()).default({}),
});

/**
 * An agent's health from its state: an open circuit or a broken agent is unhealthy; a half-open
 * circuit, a degraded or restarting agent, or a failure streak is degraded.
 */
export function agentHealth(state: AgentState): AgentHealthLevel {
  if (state.circuit === 'open' || state.status === 'broken') return 'unhealthy';
  if (state.circuit === 'half-open' || state.status === 'degraded' || state.status === 'restarting' || state.consecutiveFailures > 0) return 'degraded';
  return 'healthy';
}

export function agentStatusTool(): ToolDefinition {
  return defineTool({
    name: 'agent-status-report',
    capability: 'monitoring',
    description: 'Summarises agent states: health, circuit, utilisation, success rate, latency; with totals.',
    input: AgentStatusInputSchema,
    mutating: false,
    resultType: 'report',
    run: async ({ agents, maxConcurrency }) => {
      const rows = agents
        .map((a) => {
          const runs = a.totalSuccesses + a.totalFailures;
          return {
            agentId: a.agentId,
            health: agentHealth(a),
            status: a.status,
            circuit: a.circuit,
            activeTasks: a.activeTasks,
            utilization: Math.min(1, a.activeTasks / (maxConcurrency[a.agentId] ?? 1)),
            successRate: runs === 0 ? null : a.totalSuccesses / runs,
            consecutiveFailures: a.consecutiveFailures,
            restarts: a.restarts,
            avgLatencyMs: a.avgLatencyMs,
          };
        })
        .sort((a, b) => a.agentId.localeCompare(b.agentId));
      const count = (h: AgentHealthLevel): number => rows.filter((r) => r.health === h).length;
      return {
        agents: rows,
        summary: {
          total: rows.length,
          healthy: count('healthy'),
          degraded: count('degraded'),
          unhealthy: count('unhealthy'),
          openCircuits: rows.filter((r) => r.circuit === 'open').length,
          meanUtilization: rows.length === 0 ? 0 : rows.reduce((s, r) => s + r.utilization, 0) / rows.length,
        },
      };
    },
  });
}

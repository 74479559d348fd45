import { z } from 'zod';
import { NoError } from '../contracts/errors.js';
import { AGENT_STATE_VERSION, AgentStateSchema, type AgentState } from '../contracts/loop.js';

/** A fresh agent's state. */
export function initialAgentState(agentId: string, now = Date.now()): AgentState {
  return {
    version: AGENT_STATE_VERSION,
    agentId,
    status: 'idle',
    circuit: 'closed',
    activeTasks: 0,
    consecutiveFailures: 0,
    totalSuccesses: 0,
    totalFailures: 0,
    restarts: 0,
    avgLatencyMs: 0,
    memory: {},
    updatedAt: now,
  };
}

/**
 * The shape written before states were versioned (version 0): `failures` and `successes` counters
 * and a `healthy` flag. Kept so checkpoints and Store entries from then still load.
 */
const AgentStateV0Schema = z.object({
  agentId: z.string().min(1),
  healthy: z.boolean().default(true),
  failures: z.number().int().nonnegative().default(0),
  successes: z.number().int().nonnegative().default(0),
  lastSuccessAt: z.number().nonnegative().optional(),
  memory: z.record(z.string(), z.unknown()).default({}),
});

/**
 * Reads a persisted agent state of any known version and returns the current version.
 * Unknown versions or malformed data throw `NoError('STATE_MIGRATION_FAILED')` rather than
 * silently resetting an agent's history.
 *
 * @example
 * const state = migrateAgentState(await store.get(ns, 'agent-1').then((item) => item?.value));
 */
export function migrateAgentState(raw: unknown): AgentState {
  const version = typeof raw === 'object' && raw !== null ? (raw as { version?: unknown }).version : undefined;
  if (version === AGENT_STATE_VERSION) {
    const parsed = AgentStateSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    throw new NoError('STATE_MIGRATION_FAILED', `agent state v${AGENT_STATE_VERSION} is malformed: ${parsed.error.issues[0]?.message}`, {
      details: { issues: parsed.error.issues },
    });
  }
  if (version === undefined || version === 0) {
    const parsed = AgentStateV0Schema.safeParse(raw);
    if (!parsed.success) {
      throw new NoError('STATE_MIGRATION_FAILED', 'agent state has no version and is not a v0 state', {
        details: { issues: parsed.error.issues },
      });
    }
    const v0 = parsed.data;
    const state = initialAgentState(v0.agentId, v0.lastSuccessAt ?? 0);
    return {
      ...state,
      status: v0.healthy ? 'idle' : 'degraded',
      totalFailures: v0.failures,
      totalSuccesses: v0.successes,
      ...(v0.lastSuccessAt === undefined ? {} : { lastSuccessAt: v0.lastSuccessAt }),
      memory: v0.memory,
    };
  }
  throw new NoError('STATE_MIGRATION_FAILED', `unknown agent state version ${String(version)}`, { details: { version } });
}

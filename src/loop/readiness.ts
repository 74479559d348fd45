import type { BaseCheckpointSaver, BaseStore } from '@langchain/langgraph';
import { NoError, toError } from '../contracts/errors.js';
import { timeout } from '../resilience/index.js';
import type { AgentPool } from './agent-pool.js';

/** How long one reachability probe (checkpointer, store) may take before the loop counts as not ready. @default 2_000 */
export const DEFAULT_READINESS_TIMEOUT_MS = 2_000;
/** The thread and Store key the probes read; nothing is ever written there. */
export const READINESS_PROBE_KEY = 'langgraph-no:readiness-probe';

/** Whether a loop can take work now, and if not, why (one sentence per reason). */
export interface Readiness {
  ready: boolean;
  reasons: string[];
}

export interface ReadinessOptions {
  /** @default DEFAULT_READINESS_TIMEOUT_MS */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ReadinessTargets {
  pool: AgentPool;
  checkpointer?: BaseCheckpointSaver | undefined;
  store?: BaseStore | undefined;
  /** Aborted once the loop's `close()` began: a draining loop is not ready, whatever else holds. */
  draining?: AbortSignal | undefined;
}

/** The reason a draining loop gives for not being ready. */
export const DRAINING_REASON = 'draining: close() was called, so the loop takes no new runs';

async function probe(what: string, run: () => Promise<unknown>, timeoutMs: number, signal: AbortSignal | undefined): Promise<string | undefined> {
  try {
    await timeout(timeoutMs).execute(run, signal);
    return undefined;
  } catch (error) {
    return `${what} unreachable: ${toError(error).message}`;
  }
}

/**
 * Reads (never writes) the checkpointer and the Store under a timeout, and checks that every
 * capability the pool offers has at least one agent whose circuit is not open: a task asking for a
 * capability with none would wait for a breaker or fail.
 */
export async function checkReadiness(targets: ReadinessTargets, options: ReadinessOptions = {}): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new NoError('INVALID_NUMBER', `readiness timeoutMs must be a positive integer of milliseconds, got ${String(timeoutMs)}`, { details: { timeoutMs } });
  }
  const { pool, checkpointer, store } = targets;
  // Nothing to probe: a closing loop refuses new runs whatever its dependencies say, and a load
  // balancer must hear it at once.
  if (targets.draining?.aborted) return { ready: false, reasons: [DRAINING_REASON] };
  const probes = await Promise.all([
    checkpointer ? probe('checkpointer', () => checkpointer.getTuple({ configurable: { thread_id: READINESS_PROBE_KEY } }), timeoutMs, options.signal) : undefined,
    store ? probe('store', () => store.get(['langgraph-no', 'readiness'], READINESS_PROBE_KEY), timeoutMs, options.signal) : undefined,
  ]);
  const reasons = probes.filter((r): r is string => r !== undefined);
  const capabilities = new Set(pool.ids().flatMap((id) => pool.definition(id).capabilities));
  for (const capability of capabilities) {
    const agents = pool.capable(capability);
    if (!agents.some((id) => pool.health(id) !== 'unhealthy')) {
      reasons.push(`no healthy agent for capability '${capability}': ${agents.map((id) => `${id} (circuit ${pool.breaker(id).state})`).join(', ')}`);
    }
  }
  return { ready: reasons.length === 0, reasons };
}

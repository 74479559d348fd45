import { NoError } from '../contracts/errors.js';
import { createListeners } from '../contracts/listeners.js';
import { AgentConfigurationSchema, type AgentState } from '../contracts/loop.js';
import type { AgentHealth } from '../contracts/scheduler.js';
import { parseWith } from '../contracts/validate.js';
import { CIRCUIT_BREAKER_SNAPSHOT_VERSION, DEFAULT_RECOVERY_TIMEOUT_MS, circuitBreaker, type CircuitBreaker, type CircuitBreakerOptions } from '../resilience/index.js';
import type { AgentDefinition, AgentRunner } from './agents.js';
import { initialAgentState, migrateAgentState } from './agent-state.js';

/** Weight of the newest latency in the moving average. @default 0.3 */
export const DEFAULT_LATENCY_ALPHA = 0.3;

export interface AgentPoolOptions {
  /** Per-agent circuit breaker settings (the adaptive threshold included). */
  breaker?: Omit<CircuitBreakerOptions, 'load' | 'initial'>;
  /** @default DEFAULT_LATENCY_ALPHA */
  latencyAlpha?: number;
  now?: () => number;
}

interface Member {
  definition: AgentDefinition;
  maxConcurrency: number;
  /** A runtime cap below maxConcurrency (self-healing lowers it); undefined when none. */
  cap: number | undefined;
  runner: AgentRunner;
  breaker: CircuitBreaker;
  state: AgentState;
  restarting: boolean;
  /** Aborts of the attempts running on the agent now (what `preempt` stops), each with when it started. */
  attempts: Map<(reason: NoError) => void, number>;
}

/** The agents a loop dispatches to: capabilities, capacity, health, circuit breakers and restarts. */
export interface AgentPool {
  /** Adds agents; validates each configuration. Ids must be unique across the pool. */
  add(definitions: readonly AgentDefinition[]): AgentPool;
  /** {@link AgentPool.add} as a promise, for callers that set up agents asynchronously. */
  initializeAgents(definitions: readonly AgentDefinition[]): Promise<AgentPool>;
  /**
   * Removes an idle agent (an autoscaler shrinking the pool). Throws AGENT_BUSY while it runs a task
   * or restarts, so no running task loses its agent; AGENT_NOT_FOUND when there is no such agent.
   */
  remove(agentId: string): void;
  ids(): string[];
  definition(agentId: string): AgentDefinition;
  runner(agentId: string): AgentRunner;
  breaker(agentId: string): CircuitBreaker;
  /** Agents that offer the capability (all agents when it is undefined), healthy or not. */
  capable(capability: string | undefined): readonly string[];
  /** Whether the agent can take one more task now (free slot, circuit not open, not restarting). */
  available(agentId: string): boolean;
  /** Running tasks / slots, 0..1. */
  load(agentId: string): number;
  /**
   * Caps the agent's concurrency below its definition's `maxConcurrency` while the loop runs (tasks
   * already running go on; no new one starts while the agent holds the cap or more); undefined lifts
   * the cap. A cap above the definition's limit changes nothing: limits are hard.
   *
   * @example
   * pool.limit('w1', 1); // one task at a time until pool.limit('w1', undefined)
   */
  limit(agentId: string, maxConcurrency: number | undefined): void;
  /** The concurrency the agent may use now: its definition's limit, or the cap set by `limit`. */
  concurrency(agentId: string): number;
  health(agentId: string): AgentHealth;
  begin(agentId: string): void;
  end(agentId: string): void;
  /**
   * Called whenever an agent's slot frees up (a task ended, a restart finished). Runs of one loop
   * share the pool, so a run waiting for a slot must hear about slots other runs free. A listener that
   * throws neither stops the others nor fails `end`: its error is rethrown on a microtask. Returns an
   * unsubscribe function.
   */
  onCapacityFreed(listener: () => void): () => void;
  recordSuccess(agentId: string, latencyMs: number): void;
  recordFailure(agentId: string): void;
  /**
   * Registers an attempt running on the agent, with the function that aborts it, so `preempt` can
   * stop it; returns the function that unregisters it (call it once the attempt settles).
   */
  track(agentId: string, abort: (reason: NoError) => void): () => void;
  /**
   * Aborts every attempt running on the agent now with a NoError 'PREEMPTED' that carries `reason`.
   * The loop re-runs each such task at once, on another agent with the capability when one is
   * healthy (else on this one), without spending its retry budget; a late result of the stopped
   * attempt is dropped. Take the agent out of dispatch first (`breaker(id).isolate()`) or rebuild it
   * (`restart`), or the task may land on it again. Returns how many attempts were stopped.
   *
   * @example
   * pool.breaker('w1').isolate();
   * pool.preempt('w1', 'w1 made no progress for 30 s');
   */
  preempt(agentId: string, reason: string): number;
  /** The ages (ms) of the attempts running on the agent now (those `track`ed): what self-healing judges stuck. */
  running(agentId: string): number[];
  /** Rebuilds the agent from its factory and closes its circuit; false when it has no factory. */
  restart(agentId: string): Promise<boolean>;
  /** Snapshot of every agent's state (what the checkpointer and the Store keep). */
  states(): Record<string, AgentState>;
  /** Loads persisted states (any known version); unknown agents are ignored. */
  restore(states: Record<string, unknown>): void;
  /** Running tasks / slots over the whole pool, 0..1. */
  utilization(): number;
  /**
   * Task slots a run may plan for: every agent's `maxConcurrency` plus the headroom autoscalers
   * declared, so a run planned while the pool is small may use the agents added while it runs.
   */
  slots(): number;
  /** Declares (or with 0 clears) the slots an autoscaler may still add under `key`. */
  setHeadroom(key: string, slots: number): void;
  /**
   * When the agent's open circuit lets a trial through (epoch ms): now or earlier if it already may,
   * undefined when the circuit is not open or is held open until a reset.
   */
  recoversAt(agentId: string): number | undefined;
}

/**
 * @example
 * const pool = await createAgentPool().initializeAgents([{ id: 'w1', capabilities: ['http'], run: fetchAgent }]);
 */
export function createAgentPool(options: AgentPoolOptions = {}): AgentPool {
  const now = options.now ?? Date.now;
  const alpha = options.latencyAlpha ?? DEFAULT_LATENCY_ALPHA;
  const members = new Map<string, Member>();
  const recoveryTimeoutMs = options.breaker?.recoveryTimeoutMs ?? DEFAULT_RECOVERY_TIMEOUT_MS;
  // Who offers what changes only when agents are added.
  const capableCache = new Map<string | undefined, readonly string[]>();
  // Other runs still need the wake-up when one run's listener fails: the listener rule guarantees it.
  const capacityFreed = createListeners();
  const headroom = new Map<string, number>();

  const member = (agentId: string): Member => {
    const found = members.get(agentId);
    if (!found) throw new NoError('AGENT_NOT_FOUND', `no agent '${agentId}' in the pool`, { details: { agentId } });
    return found;
  };
  const sync = (m: Member): void => {
    m.state.circuit = m.breaker.state;
    m.state.activeTasks = Math.max(0, m.state.activeTasks);
    m.state.status = m.restarting
      ? 'restarting'
      : m.state.circuit === 'open'
        ? 'broken'
        : m.state.activeTasks > 0
          ? 'busy'
          : m.state.consecutiveFailures > 0 || m.state.circuit === 'half-open'
            ? 'degraded'
            : 'idle';
    m.state.updatedAt = now();
  };
  const pool: AgentPool = {
    async initializeAgents(definitions) {
      return pool.add(definitions);
    },
    add(definitions) {
      capableCache.clear();
      for (const definition of definitions) {
        const config = parseWith(AgentConfigurationSchema, definition, { what: `agent '${String(definition?.id)}'` });
        if (members.has(config.id)) {
          throw new NoError('INVALID_REQUEST', `duplicate agent id '${config.id}'`, { details: { agentId: config.id } });
        }
        if (typeof definition.run !== 'function' && typeof (definition.run as { invoke?: unknown })?.invoke !== 'function') {
          throw new NoError('INVALID_REQUEST', `agent '${config.id}': run must be a function, a Runnable or a compiled graph`, {
            details: { agentId: config.id },
          });
        }
        members.set(config.id, {
          definition,
          maxConcurrency: config.maxConcurrency,
          runner: definition.run,
          breaker: circuitBreaker({ ...options.breaker, now, load: () => pool.utilization() }),
          state: initialAgentState(config.id, now()),
          cap: undefined,
          restarting: false,
          attempts: new Map(),
        });
      }
      // Runs waiting for an agent of these capabilities may start now.
      if (definitions.length > 0) capacityFreed.emit();
      return pool;
    },
    remove(agentId) {
      const m = member(agentId);
      if (m.state.activeTasks > 0 || m.restarting) {
        throw new NoError('AGENT_BUSY', `agent '${agentId}' is running ${m.state.activeTasks} task(s)${m.restarting ? ' or restarting' : ''}; remove it once it is idle (load(id) === 0)`, {
          details: { agentId, activeTasks: m.state.activeTasks, restarting: m.restarting },
        });
      }
      members.delete(agentId);
      capableCache.clear();
    },
    ids: () => [...members.keys()],
    definition: (agentId) => member(agentId).definition,
    runner: (agentId) => member(agentId).runner,
    breaker: (agentId) => member(agentId).breaker,
    capable(capability) {
      const cached = capableCache.get(capability);
      if (cached) return cached;
      const out: string[] = [];
      for (const [id, m] of members) if (capability === undefined || m.definition.capabilities.includes(capability)) out.push(id);
      capableCache.set(capability, out);
      return out;
    },
    available(agentId) {
      const m = member(agentId);
      if (m.restarting || m.state.activeTasks >= Math.min(m.maxConcurrency, m.cap ?? m.maxConcurrency)) return false;
      const circuit = m.breaker.state;
      // Half-open lets exactly one trial through: only an idle agent may take it.
      return circuit === 'closed' || (circuit === 'half-open' && m.state.activeTasks === 0);
    },
    load: (agentId) => member(agentId).state.activeTasks / member(agentId).maxConcurrency,
    limit(agentId, maxConcurrency) {
      const m = member(agentId);
      if (maxConcurrency !== undefined && (!Number.isInteger(maxConcurrency) || maxConcurrency < 1)) {
        throw new NoError('INVALID_NUMBER', `agent '${agentId}': a concurrency cap must be an integer >= 1, got ${String(maxConcurrency)}; pass undefined to lift the cap`, {
          details: { agentId, maxConcurrency },
        });
      }
      const before = pool.concurrency(agentId);
      m.cap = maxConcurrency;
      // A lifted cap frees slots: runs waiting for one must hear of it.
      if (pool.concurrency(agentId) > before) capacityFreed.emit();
    },
    concurrency(agentId) {
      const m = member(agentId);
      return Math.min(m.maxConcurrency, m.cap ?? m.maxConcurrency);
    },
    health(agentId) {
      const m = member(agentId);
      const circuit = m.breaker.state;
      if (circuit === 'open' || m.restarting) return 'unhealthy';
      return circuit === 'half-open' || m.state.consecutiveFailures > 0 ? 'degraded' : 'healthy';
    },
    begin(agentId) {
      const m = member(agentId);
      m.state.activeTasks++;
      sync(m);
    },
    end(agentId) {
      const m = member(agentId);
      m.state.activeTasks--;
      sync(m);
      capacityFreed.emit();
    },
    onCapacityFreed: capacityFreed.on,
    recordSuccess(agentId, latencyMs) {
      const m = member(agentId);
      const s = m.state;
      s.avgLatencyMs = s.totalSuccesses === 0 ? latencyMs : s.avgLatencyMs + alpha * (latencyMs - s.avgLatencyMs);
      s.totalSuccesses++;
      s.consecutiveFailures = 0;
      s.lastSuccessAt = now();
      sync(m);
    },
    recordFailure(agentId) {
      const m = member(agentId);
      m.state.totalFailures++;
      m.state.consecutiveFailures++;
      m.state.lastFailureAt = now();
      sync(m);
    },
    track(agentId, abort) {
      const { attempts } = member(agentId);
      // A distinct entry per call, so one function tracked twice is untracked once per call.
      const entry = (reason: NoError): void => abort(reason);
      attempts.set(entry, now());
      return () => void attempts.delete(entry);
    },
    preempt(agentId, reason) {
      const { attempts } = member(agentId);
      const live = [...attempts.keys()];
      attempts.clear();
      const error = new NoError('PREEMPTED', `attempt on '${agentId}' pre-empted: ${reason}`, { details: { agentId, reason } });
      for (const abort of live) abort(error);
      return live.length;
    },
    running(agentId) {
      const at = now();
      return [...member(agentId).attempts.values()].map((startedAt) => Math.max(0, at - startedAt));
    },
    async restart(agentId) {
      const m = member(agentId);
      if (!m.definition.factory || m.restarting) return false;
      m.restarting = true;
      sync(m);
      try {
        m.runner = await m.definition.factory();
        m.breaker.reset();
        m.state.consecutiveFailures = 0;
        m.state.restarts++;
        return true;
      } finally {
        m.restarting = false;
        sync(m);
        capacityFreed.emit();
      }
    },
    states() {
      const out: Record<string, AgentState> = {};
      for (const [id, m] of members) {
        sync(m);
        out[id] = structuredClone(m.state);
      }
      return out;
    },
    restore(states) {
      for (const [id, raw] of Object.entries(states)) {
        const m = members.get(id);
        if (!m) continue;
        const restored = migrateAgentState(raw);
        // Running tasks belong to the process that ran them; a restored agent starts with none.
        m.state = { ...restored, agentId: id, activeTasks: 0 };
        // The breaker resumes where it was: open since the last failure, so it recovers on time.
        m.breaker.restore({
          version: CIRCUIT_BREAKER_SNAPSHOT_VERSION,
          state: restored.circuit === 'closed' ? 'closed' : 'open',
          consecutiveFailures: restored.consecutiveFailures,
          halfOpenSuccesses: 0,
          ...(restored.circuit === 'closed' ? {} : { openedAt: restored.lastFailureAt ?? now() }),
          isolated: false,
        });
        sync(m);
      }
    },
    recoversAt(agentId) {
      const snap = member(agentId).breaker.snapshot();
      if (snap.state === 'closed' || snap.isolated || snap.openedAt === undefined) return undefined;
      return snap.state === 'half-open' ? now() : snap.openedAt + recoveryTimeoutMs;
    },
    slots() {
      let total = 0;
      for (const m of members.values()) total += m.maxConcurrency;
      for (const extra of headroom.values()) total += extra;
      return total;
    },
    setHeadroom(key, slots) {
      if (slots > 0) headroom.set(key, slots);
      else headroom.delete(key);
    },
    utilization() {
      let active = 0;
      let slots = 0;
      for (const m of members.values()) {
        active += m.state.activeTasks;
        slots += m.maxConcurrency;
      }
      return slots === 0 ? 0 : active / slots;
    },
  };
  return pool;
}

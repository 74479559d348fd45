import { NoError, isNoError } from '../contracts/errors.js';
import { createListeners } from '../contracts/listeners.js';
import {
  scalingPolicy,
  validateScalingLimits,
  type ScalingDecision,
  type ScalingLimits,
  type ScalingPolicy,
  type ScalingPolicyOptions,
} from '../coordination/autoscale-policy.js';
import type { AuditTrail } from '../telemetry/audit.js';
import { liveBacklogByCapability, recordPoolScaled, trackPool } from '../telemetry/metrics.js';
import type { AgentPool } from './agent-pool.js';
import type { AgentRunner } from './agents.js';

/** How one capability's agents are made, and how many there may be. */
export interface AutoscaledCapability extends ScalingLimits {
  /** Builds a new agent's runner; also the agent's restart factory. */
  factory: () => AgentRunner | Promise<AgentRunner>;
  /** Tasks each new agent runs at once. @default 1 */
  maxConcurrency?: number;
  /** Per-attempt timeout of each new agent. */
  timeoutMs?: number;
  /** New agents are named `${idPrefix}-${n}`. @default `${capability}-auto` */
  idPrefix?: string;
}

export interface AutoscalerOptions extends ScalingPolicyOptions {
  pool: AgentPool;
  capabilities: Record<string, AutoscaledCapability>;
  /**
   * Hard limit on the whole pool's agents (the autoscaled ones and any others); growth stops there
   * even when a capability is under its max. Set it to what the loop's `maxConcurrent` or the host
   * affords. @default Infinity (only each capability's max applies)
   */
  maxAgents?: number;
  /** Every change is appended here as `pool.scale-up` / `pool.scale-down` by actor `autoscaler`. */
  audit?: AuditTrail;
  now?: () => number;
}

/** What one capability saw since the last allocation. */
export interface CapabilityWorkload {
  /** Tasks waiting for an agent of the capability now. */
  backlog: number;
  /** Tasks that arrived since the last allocation. @default 0 */
  arrivals?: number;
  /** Durations (ms) of tasks that ended since the last allocation. @default [] */
  durationsMs?: readonly number[];
}

export type Workload = Record<string, CapabilityWorkload>;

export interface AllocationResult extends ScalingDecision {
  capability: string;
  from: number;
  to: number;
  added: string[];
  removed: string[];
}

export interface ScaleEvent {
  capability: string;
  direction: 'up' | 'down';
  agentIds: string[];
  from: number;
  to: number;
  reason: ScalingDecision['reason'];
  at: number;
}

/** A pool that grows and shrinks per capability from agent factories. */
export interface Autoscaler {
  /**
   * Feeds the workload to each capability's forecast and moves the pool toward what it asks for:
   * adds agents from the factory, removes only idle agents it added, never past `max` or `maxAgents`,
   * never below `min`. Calls run one after another, so two calls never overshoot a limit together.
   */
  optimizeAllocation(workload: Workload, options?: { signal?: AbortSignal }): Promise<AllocationResult[]>;
  /** Agents of the capability in the pool now (those the autoscaler added and any others). */
  agents(capability: string): number;
  /** What the policy asked for at the last allocation (the `no_pool_desired_agents` gauge). */
  desired(capability: string): number;
  /** The backlog the last allocation saw (the `no_pool_backlog` gauge). */
  backlog(capability: string): number;
  /** The autoscaled capabilities. */
  capabilities(): string[];
  /**
   * The workload as this process sees it: tasks of its live runs waiting for an agent of each
   * capability, attempts started on the capability's agents since the last call, and their mean
   * latency. One loop per process is the case it reads exactly; with several, pass your own workload.
   */
  observedWorkload(): Workload;
  /**
   * Calls `optimizeAllocation(observedWorkload())` every `intervalMs` until the signal aborts or the
   * returned function is called. A failed allocation (a factory that throws) goes to `onError`,
   * else it is rethrown on a microtask, and the next tick runs as usual.
   */
  run(options: { intervalMs: number; signal?: AbortSignal; onError?: (error: unknown) => void }): () => void;
  /** Called after every change; returns an unsubscribe function. */
  onScale(listener: (event: ScaleEvent) => void): () => void;
  /** Stops reporting to the pool gauges. */
  close(): void;
}

interface Slot {
  spec: AutoscaledCapability;
  policy: ScalingPolicy;
  owned: string[];
  desired: number;
  backlog: number;
  seq: number;
}

/**
 * @example
 * const scaler = createAutoscaler({ pool, capabilities: { summarize: { min: 1, max: 8, factory: () => summarizeAgent } } });
 * await scaler.optimizeAllocation({ summarize: { backlog: 12, arrivals: 30, durationsMs: [800, 950] } });
 */
let autoscalers = 0;

export function createAutoscaler(options: AutoscalerOptions): Autoscaler {
  const pool = (options as Partial<AutoscalerOptions> | undefined)?.pool;
  if (typeof pool?.capable !== 'function') {
    throw new NoError('INVALID_REQUEST', 'createAutoscaler needs the pool to scale: pass { pool: loop.pool, capabilities: { <capability>: { min, max, factory } } }', { details: {} });
  }
  if (typeof options.capabilities !== 'object' || options.capabilities === null || Object.keys(options.capabilities).length === 0) {
    throw new NoError('INVALID_REQUEST', 'createAutoscaler needs at least one capability to scale: capabilities: { <capability>: { min, max, factory } }', { details: {} });
  }
  const now = options.now ?? Date.now;
  const maxAgents = options.maxAgents ?? Infinity;
  if (!(maxAgents >= 1)) {
    throw new NoError('INVALID_REQUEST', `maxAgents must be ≥ 1 (got ${maxAgents}); leave it out for no pool-wide limit`, { details: { maxAgents } });
  }
  const slots = new Map<string, Slot>();
  for (const [capability, spec] of Object.entries(options.capabilities)) {
    validateScalingLimits(capability, spec);
    if (typeof spec.factory !== 'function') {
      throw new NoError('INVALID_REQUEST', `capability '${capability}': factory must be a function that returns an agent runner`, { details: { capability } });
    }
    slots.set(capability, { spec, policy: scalingPolicy(spec, options), owned: [], desired: spec.min, backlog: 0, seq: 0 });
  }
  const scaled = createListeners<ScaleEvent>();
  const slotOf = (capability: string): Slot => {
    const slot = slots.get(capability);
    if (!slot) {
      throw new NoError('INVALID_REQUEST', `capability '${capability}' is not autoscaled; add it to the autoscaler's capabilities`, { details: { capability } });
    }
    return slot;
  };
  const count = (capability: string): number => pool.capable(capability).length;
  const busy = (capability: string): number => pool.capable(capability).filter((id) => pool.load(id) > 0).length;

  // Runs planned now size their concurrency from the pool's slots: the agents this autoscaler may
  // still add count, or a run that starts on a small pool could never use the agents added for it.
  const headroomKey = `autoscaler-${++autoscalers}`;
  const declareHeadroom = (): void => {
    let slotsLeft = 0;
    let agentsLeft = 0;
    for (const [capability, slot] of slots) {
      const left = Math.max(0, slot.spec.max - count(capability));
      agentsLeft += left;
      slotsLeft += left * (slot.spec.maxConcurrency ?? 1);
    }
    const room = Math.max(0, maxAgents - pool.ids().length);
    const perAgent = agentsLeft === 0 ? 0 : slotsLeft / agentsLeft;
    pool.setHeadroom(headroomKey, Math.min(slotsLeft, Math.ceil(room * perAgent)));
  };

  const announce = (capability: string, direction: 'up' | 'down', agentIds: string[], from: number, reason: ScalingDecision['reason']): void => {
    if (agentIds.length === 0) return;
    const event: ScaleEvent = { capability, direction, agentIds, from, to: count(capability), reason, at: now() };
    recordPoolScaled(capability, direction, agentIds.length);
    options.audit?.append({ actor: 'autoscaler', action: `pool.scale-${direction}`, outcome: 'success', details: { ...event } });
    if (scaled.size > 0) scaled.emit(event);
  };

  const grow = async (capability: string, slot: Slot, target: number, signal?: AbortSignal): Promise<string[]> => {
    const added: string[] = [];
    while (count(capability) < Math.min(target, slot.spec.max) && pool.ids().length < maxAgents) {
      signal?.throwIfAborted();
      const run = await slot.spec.factory();
      signal?.throwIfAborted();
      // The factory may have taken a while: the limits are checked again before the agent joins.
      if (count(capability) >= slot.spec.max || pool.ids().length >= maxAgents) break;
      let id: string;
      do id = `${slot.spec.idPrefix ?? `${capability}-auto`}-${++slot.seq}`;
      while (pool.ids().includes(id));
      pool.add([{ id, capabilities: [capability], run, factory: slot.spec.factory, maxConcurrency: slot.spec.maxConcurrency ?? 1,
        ...(slot.spec.timeoutMs === undefined ? {} : { timeoutMs: slot.spec.timeoutMs }) }]);
      slot.owned.push(id);
      added.push(id);
    }
    return added;
  };

  const shrink = (capability: string, slot: Slot, target: number): string[] => {
    const removed: string[] = [];
    // Newest first; a busy agent stays (the pool refuses it) and is tried again next time.
    for (let i = slot.owned.length - 1; i >= 0 && count(capability) > Math.max(target, slot.spec.min); i--) {
      const id = slot.owned[i]!;
      if (pool.load(id) > 0) continue;
      try {
        pool.remove(id);
      } catch (error) {
        if (isNoError(error) && error.code === 'AGENT_BUSY') continue;
        if (!(isNoError(error) && error.code === 'AGENT_NOT_FOUND')) throw error;
      }
      slot.owned.splice(i, 1);
      removed.push(id);
    }
    return removed;
  };

  const allocate = async (workload: Workload, signal?: AbortSignal): Promise<AllocationResult[]> => {
    const results: AllocationResult[] = [];
    for (const [capability, slot] of slots) {
      signal?.throwIfAborted();
      const w = workload[capability] ?? { backlog: 0 };
      const from = count(capability);
      slot.backlog = w.backlog;
      const decision = slot.policy.observe(
        { arrivals: w.arrivals ?? 0, durationsMs: w.durationsMs ?? [], backlog: w.backlog, busy: busy(capability), current: from },
        now(),
      );
      slot.desired = decision.desired;
      let added: string[] = [];
      let removed: string[] = [];
      if (decision.target > from) {
        try {
          added = await grow(capability, slot, decision.target, signal);
        } finally {
          slot.policy.applied(from, count(capability), now());
          announce(capability, 'up', added, from, decision.reason);
        }
      } else if (decision.target < from) {
        removed = shrink(capability, slot, decision.target);
        slot.policy.applied(from, count(capability), now());
        announce(capability, 'down', removed, from, decision.reason);
      }
      results.push({ ...decision, capability, from, to: count(capability), added, removed });
    }
    declareHeadroom();
    return results;
  };

  // Attempts seen per agent at the last observation, so arrivals are counted once.
  const seen = new Map<string, number>();
  const observedWorkload = (): Workload => {
    const waiting = liveBacklogByCapability();
    const states = pool.states();
    const out: Workload = {};
    for (const capability of slots.keys()) {
      let arrivals = 0;
      const durationsMs: number[] = [];
      for (const id of pool.capable(capability)) {
        const s = states[id];
        if (!s) continue;
        const attempts = s.totalSuccesses + s.totalFailures + s.activeTasks;
        arrivals += Math.max(0, attempts - (seen.get(id) ?? 0));
        seen.set(id, attempts);
        if (s.totalSuccesses > 0) durationsMs.push(s.avgLatencyMs);
      }
      out[capability] = { backlog: waiting.get(capability) ?? 0, arrivals, durationsMs };
    }
    for (const id of seen.keys()) if (!states[id]) seen.delete(id);
    return out;
  };

  let chain: Promise<unknown> = Promise.resolve();
  const scaler: Autoscaler = {
    optimizeAllocation(workload, callOptions = {}) {
      const next = chain.then(() => allocate(workload, callOptions.signal));
      chain = next.catch(() => undefined);
      return next;
    },
    agents: (capability) => (slotOf(capability), count(capability)),
    desired: (capability) => slotOf(capability).desired,
    backlog: (capability) => slotOf(capability).backlog,
    capabilities: () => [...slots.keys()],
    observedWorkload,
    run({ intervalMs, signal, onError }) {
      if (!(intervalMs > 0)) {
        throw new NoError('INVALID_REQUEST', `intervalMs must be > 0 (got ${intervalMs}); 500 to 5000 ms suits most pools`, { details: { intervalMs } });
      }
      const fail = onError ?? ((error: unknown) => queueMicrotask(() => { throw error; }));
      const timer = setInterval(() => {
        if (signal?.aborted) return stop();
        scaler.optimizeAllocation(observedWorkload(), signal ? { signal } : {}).catch((error: unknown) => {
          if (!signal?.aborted) fail(error);
        });
      }, intervalMs);
      timer.unref?.();
      const stop = (): void => clearInterval(timer);
      signal?.addEventListener('abort', stop, { once: true });
      return stop;
    },
    onScale: scaled.on,
    close() {
      untrack();
      pool.setHeadroom(headroomKey, 0);
    },
  };
  // Held weakly by the gauges: a dropped autoscaler stops being reported.
  const untrack = trackPool(scaler);
  declareHeadroom();
  return scaler;
}

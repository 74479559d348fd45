import type { Counter, Gauge, Histogram, MeterProvider } from '@opentelemetry/api';
import { PACKAGE_VERSION } from '../version.js';
import { METRICS, OPERATOR_METRICS, TELEMETRY_SCOPE, type MetricDefinition } from './names.js';
import { noMeterProvider } from './provider.js';

interface Instruments {
  schedulingLatency: Histogram;
  agentUtilization: Gauge;
  toolLayerInvocations: Counter;
  coordinationEfficiency: Histogram;
  runs: Counter;
  tasks: Counter;
  attempts: Counter;
  attemptFailures: Counter;
  retries: Counter;
  recoveries: Counter;
  anomalies: Counter;
  healingActions: Counter;
  toolDuration: Histogram;
  poolScaleActions: Counter;
}

/** What an autoscaled pool reports to the pool gauges when a reader collects. */
export interface PoolGaugeSource {
  capabilities(): readonly string[];
  agents(capability: string): number;
  desired(capability: string): number;
  backlog(capability: string): number;
}

/** What a live coordinator pass reports to the gauges when a reader collects. */
export interface RunGaugeSource {
  running(): number;
  backlog(): number;
  /** Tasks waiting for an agent now, by capability ('' for none). */
  waitingByCapability?(): ReadonlyMap<string, number>;
}

/** The part of an agent pool the breaker gauge reads. */
export interface CircuitSource {
  ids(): readonly string[];
  breaker(agentId: string): { readonly state: string };
}

export const CIRCUIT_STATES = ['closed', 'open', 'half-open'] as const;

let cache: { provider: MeterProvider; instruments: Instruments } | undefined;
// Read only when a reader collects, so a process without an SDK pays for a Set add and delete per pass.
const runSources = new Set<RunGaugeSource>();
// Loops are made and dropped freely (one per request, in tests by the hundred): a pool is held
// weakly, so tracking it never keeps a dropped loop alive.
const circuitSources = new Set<WeakRef<CircuitSource>>();
const poolSources = new Set<WeakRef<PoolGaugeSource>>();

const options = (m: MetricDefinition) => ({
  description: m.description,
  unit: m.unit,
  ...(m.buckets ? { advice: { explicitBucketBoundaries: [...m.buckets] } } : {}),
});

/**
 * The metrics API has no proxy provider: a meter taken before the application registers its SDK
 * stays a no-op forever. So instruments are created lazily and re-created when the provider changes.
 */
function instruments(): Instruments {
  const provider = noMeterProvider();
  if (cache?.provider === provider) return cache.instruments;
  const meter = provider.getMeter(TELEMETRY_SCOPE, PACKAGE_VERSION);
  const o = OPERATOR_METRICS;
  const created: Instruments = {
    schedulingLatency: meter.createHistogram(METRICS.schedulingLatency.name, options(METRICS.schedulingLatency)),
    agentUtilization: meter.createGauge(METRICS.agentUtilization.name, options(METRICS.agentUtilization)),
    toolLayerInvocations: meter.createCounter(METRICS.toolLayerInvocations.name, options(METRICS.toolLayerInvocations)),
    coordinationEfficiency: meter.createHistogram(METRICS.coordinationEfficiency.name, options(METRICS.coordinationEfficiency)),
    runs: meter.createCounter(o.runs.name, options(o.runs)),
    tasks: meter.createCounter(o.tasks.name, options(o.tasks)),
    attempts: meter.createCounter(o.attempts.name, options(o.attempts)),
    attemptFailures: meter.createCounter(o.attemptFailures.name, options(o.attemptFailures)),
    retries: meter.createCounter(o.retries.name, options(o.retries)),
    recoveries: meter.createCounter(o.recoveries.name, options(o.recoveries)),
    anomalies: meter.createCounter(o.anomalies.name, options(o.anomalies)),
    healingActions: meter.createCounter(o.healingActions.name, options(o.healingActions)),
    toolDuration: meter.createHistogram(o.toolDuration.name, options(o.toolDuration)),
    poolScaleActions: meter.createCounter(o.poolScaleActions.name, options(o.poolScaleActions)),
  };
  const poolGauge = (m: MetricDefinition, read: (source: PoolGaugeSource, capability: string) => number): void => {
    meter.createObservableGauge(m.name, options(m)).addCallback((result) => {
      for (const ref of poolSources) {
        const source = ref.deref();
        if (!source) {
          poolSources.delete(ref);
          continue;
        }
        for (const capability of source.capabilities()) result.observe(read(source, capability), { capability });
      }
    });
  };
  poolGauge(o.poolAgents, (s, c) => s.agents(c));
  poolGauge(o.poolDesiredAgents, (s, c) => s.desired(c));
  poolGauge(o.poolBacklog, (s, c) => s.backlog(c));
  meter.createObservableGauge(o.runsActive.name, options(o.runsActive)).addCallback((result) => result.observe(runSources.size));
  meter.createObservableGauge(o.tasksRunning.name, options(o.tasksRunning)).addCallback((result) => {
    let total = 0;
    for (const source of runSources) total += source.running();
    result.observe(total);
  });
  meter.createObservableGauge(o.taskBacklog.name, options(o.taskBacklog)).addCallback((result) => {
    let total = 0;
    for (const source of runSources) total += source.backlog();
    result.observe(total);
  });
  meter.createObservableGauge(o.circuitState.name, options(o.circuitState)).addCallback((result) => {
    for (const ref of circuitSources) {
      const pool = ref.deref();
      if (!pool) {
        circuitSources.delete(ref);
        continue;
      }
      for (const agentId of pool.ids()) {
        const state = pool.breaker(agentId).state;
        for (const s of CIRCUIT_STATES) result.observe(s === state ? 1 : 0, { agent_id: agentId, state: s });
      }
    }
  });
  cache = { provider, instruments: created };
  return created;
}

export function recordSchedulingLatency(
  seconds: number,
  labels: { complexity: string; agent_count: number; strategy: string },
): void {
  instruments().schedulingLatency.record(seconds, { ...labels, agent_count: String(labels.agent_count) });
}

export function recordAgentUtilization(ratio: number, labels: { agent_id: string; capability_type: string }): void {
  instruments().agentUtilization.record(ratio, labels);
}

export function recordToolInvocation(labels: { layer: string; tool_name: string; success: boolean }): void {
  instruments().toolLayerInvocations.add(1, { ...labels, success: String(labels.success) });
}

export function recordToolDuration(seconds: number, labels: { layer: string; tool_name: string }): void {
  instruments().toolDuration.record(seconds, labels);
}

export function recordCoordinationEfficiency(
  ratio: number,
  labels: { coordination_type: string; agent_count: number },
): void {
  instruments().coordinationEfficiency.record(ratio, { ...labels, agent_count: String(labels.agent_count) });
}

export function recordRunEnded(status: string): void {
  instruments().runs.add(1, { status });
}

export function recordTaskEnded(state: string): void {
  instruments().tasks.add(1, { state });
}

export function recordAttemptStarted(agentId: string): void {
  instruments().attempts.add(1, { agent_id: agentId });
}

export function recordAttemptFailed(agentId: string, classification: string): void {
  instruments().attemptFailures.add(1, { agent_id: agentId, classification });
}

/** A recovery decision; a retry with backoff also counts as a retry of the agent that failed. */
export function recordRecovery(action: string, level: string, agentId: string | undefined): void {
  const i = instruments();
  i.recoveries.add(1, { action, level });
  if (action === 'retry-with-backoff') i.retries.add(1, { agent_id: agentId ?? 'none' });
}

export function recordAnomaly(labels: { kind: string; subject_type: string }): void {
  instruments().anomalies.add(1, labels);
}

export function recordHealingAction(labels: { kind: string; action: string; outcome: string }): void {
  instruments().healingActions.add(1, labels);
}

/** Adds a live pass to the run and backlog gauges; returns the function that removes it. */
export function trackRun(source: RunGaugeSource): () => void {
  runSources.add(source);
  return () => void runSources.delete(source);
}

/** Counts agents an autoscaler added or removed. */
export function recordPoolScaled(capability: string, direction: 'up' | 'down', count: number): void {
  instruments().poolScaleActions.add(count, { capability, direction });
}

/** Adds an autoscaled pool to the pool gauges, held weakly; returns the function that removes it. */
export function trackPool(source: PoolGaugeSource): () => void {
  const ref = new WeakRef(source);
  poolSources.add(ref);
  return () => void poolSources.delete(ref);
}

/** Adds a pool to the breaker gauge, held weakly. */
export function trackCircuits(pool: CircuitSource): void {
  circuitSources.add(new WeakRef(pool));
}

/** Tasks of the live passes in this process that wait for an agent now, by capability. */
export function liveBacklogByCapability(): Map<string, number> {
  const out = new Map<string, number>();
  for (const source of runSources) for (const [capability, n] of source.waitingByCapability?.() ?? []) out.set(capability, (out.get(capability) ?? 0) + n);
  return out;
}

/** What the run gauges show now: live passes in this process, their running tasks and their backlog. */
export function liveRuns(): { runs: number; running: number; backlog: number } {
  let running = 0;
  let backlog = 0;
  for (const source of runSources) {
    running += source.running();
    backlog += source.backlog();
  }
  return { runs: runSources.size, running, backlog };
}

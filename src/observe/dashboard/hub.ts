import type { NoDashboardMetrics } from '../../contracts/dashboard.js';
import type { EventEnvelope } from '../../contracts/events.js';
import { RunStatusSchema, TaskStatusSchema, type RunStatus, type TaskStatus } from '../../contracts/status.js';
import { createListeners, type Unsubscribe } from '../../contracts/listeners.js';
import type { AgentPool } from '../../loop/agent-pool.js';
import type { Readiness, ReadinessOptions } from '../../loop/readiness.js';
import type { AgentNetwork } from '../../network/types.js';
import { THREAD_ID_HEADER } from '../../loop/emitter.js';
import { liveRuns } from '../../telemetry/metrics.js';
import type { Alert, AlertWatcher } from '../alerts.js';
import { DEFAULT_MAX_EVENTS_PER_RUN, DEFAULT_MAX_RUNS, RunTracker, type RunSummary, type RunView } from './runs.js';

/** What the dashboard reads from a loop: its events, pool and readiness (a master loop has all three). */
export interface DashboardLoop {
  readonly pool: AgentPool;
  onEvent(listener: (event: EventEnvelope) => void): () => void;
  readiness?(options?: ReadinessOptions): Promise<Readiness>;
}

export type DashboardNetwork = Pick<AgentNetwork, 'getNetworkStatus' | 'onActivity'>;
/** A tool layer (or anything else that reports `no.tool.layer.invoked` events). */
export interface DashboardToolLayer {
  onEvent(listener: (event: EventEnvelope) => void): () => void;
}

export interface DashboardHubOptions {
  /** The loops to watch, by name. */
  loops: Readonly<Record<string, DashboardLoop>>;
  networks?: readonly DashboardNetwork[];
  /** Tool layers whose calls to count (each layer's `onEvent`). */
  toolLayers?: readonly DashboardToolLayer[];
  /** Alerts to show (a watcher over the same loops). */
  alerts?: AlertWatcher;
  /** @default DEFAULT_MAX_RUNS */
  maxRuns?: number;
  /** @default DEFAULT_MAX_EVENTS_PER_RUN */
  maxEventsPerRun?: number;
  now?: () => number;
}

/** Alerts kept for the page (firing and resolved, newest last). */
export const MAX_ALERT_HISTORY = 100;
/** Recent samples kept per tool and for the network, for p95. */
const SAMPLES = 256;
/** Tools followed; calls to more distinct tools are counted in the totals only. */
const MAX_TOOLS = 500;
/** Readiness answers are reused this long, so many viewers do not probe the checkpointer each. */
const READINESS_TTL_MS = 2_000;

class Samples {
  private readonly values: number[] = [];
  private next = 0;
  add(value: number): void {
    if (this.values.length < SAMPLES) this.values.push(value);
    else this.values[this.next] = value;
    this.next = (this.next + 1) % SAMPLES;
  }
  p95(): number | null {
    if (this.values.length === 0) return null;
    const sorted = [...this.values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
  }
}

interface ToolStats {
  layer: string;
  tool: string;
  calls: number;
  errors: number;
  latency: Samples;
}

export interface DashboardHub {
  /** Called (at most once per `tick`) after anything the page shows has changed. */
  onChange(listener: () => void): Unsubscribe;
  runs(): RunSummary[];
  run(runId: string): RunView | undefined;
  /** The loop a run belongs to, for its history. */
  loopOf(runId: string): string | undefined;
  alerts(): { firing: Alert[]; recent: Alert[] };
  metrics(): Promise<NoDashboardMetrics>;
  close(): void;
}

const ratio = (part: number, whole: number): number => (whole === 0 ? 0 : Math.min(1, part / whole));

/**
 * Follows every run of the given loops from their events, with bounded memory (`maxRuns`,
 * `maxEventsPerRun`), and computes the dashboard's figures on request.
 */
export function createDashboardHub(options: DashboardHubOptions): DashboardHub {
  const now = options.now ?? Date.now;
  const maxRuns = options.maxRuns ?? DEFAULT_MAX_RUNS;
  const maxEvents = options.maxEventsPerRun ?? DEFAULT_MAX_EVENTS_PER_RUN;
  const started = now();
  const runs = new Map<string, RunTracker>();
  const tools = new Map<string, ToolStats>();
  const toolTotals = { calls: 0, errors: 0 };
  const networkLatency = new Samples();
  let settled = 0;
  let lastThroughput = { at: started, settled: 0, perSecond: 0 };
  const recentAlerts: Alert[] = [];
  const changed = createListeners<void>();
  let pending = false;
  const notify = (): void => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      changed.emit();
    });
  };

  const evict = (): void => {
    while (runs.size > maxRuns) {
      let victim: string | undefined;
      for (const [id, run] of runs) {
        if (run.finished) {
          victim = id;
          break;
        }
      }
      runs.delete(victim ?? (runs.keys().next().value as string));
    }
  };

  const onTool = (data: Record<string, unknown>): void => {
    toolTotals.calls++;
    const failed = data['success'] === false;
    if (failed) toolTotals.errors++;
    const key = `${String(data['layer'])}\u0000${String(data['tool'])}`;
    let stats = tools.get(key);
    if (!stats && tools.size < MAX_TOOLS) tools.set(key, (stats = { layer: String(data['layer']), tool: String(data['tool']), calls: 0, errors: 0, latency: new Samples() }));
    if (!stats) return;
    stats.calls++;
    if (failed) stats.errors++;
    stats.latency.add(Number(data['durationMs']) || 0);
  };

  const subscriptions = Object.entries(options.loops).map(([name, loop]) =>
    loop.onEvent((event) => {
      if (event.type === 'no.tool.layer.invoked') {
        onTool(event.data as Record<string, unknown>);
        notify();
        return;
      }
      const runId = event.correlationId;
      if (runId === undefined || event.type === 'no.agent.step') return;
      const at = now();
      let run = runs.get(runId);
      if (!run) {
        run = new RunTracker(runId, name, event.headers?.[THREAD_ID_HEADER], at, maxEvents);
        runs.set(runId, run);
        evict();
      }
      run.apply(event, at);
      notify();
    }),
  );
  for (const layer of options.toolLayers ?? []) {
    subscriptions.push(
      layer.onEvent((event) => {
        if (event.type !== 'no.tool.layer.invoked') return;
        onTool(event.data as Record<string, unknown>);
        notify();
      }),
    );
  }
  for (const network of options.networks ?? []) {
    subscriptions.push(
      network.onActivity((activity) => {
        if (activity.type !== 'settled') return;
        settled++;
        networkLatency.add(Math.max(0, now() - activity.message.sentAt));
        notify();
      }),
    );
  }
  if (options.alerts) {
    subscriptions.push(
      options.alerts.onAlert((alert) => {
        recentAlerts.push(alert);
        if (recentAlerts.length > MAX_ALERT_HISTORY) recentAlerts.shift();
        notify();
      }),
    );
  }

  let readiness: { at: number; value: Promise<Readiness> } | undefined;
  const readinessOf = (): Promise<Readiness> => {
    if (readiness && now() - readiness.at < READINESS_TTL_MS) return readiness.value;
    const value = Promise.all(
      Object.entries(options.loops).map(async ([name, loop]) => {
        if (!loop.readiness) return [];
        try {
          return (await loop.readiness()).reasons.map((r) => `${name}: ${r}`);
        } catch (error) {
          return [`${name}: readiness check failed: ${error instanceof Error ? error.message : String(error)}`];
        }
      }),
    ).then((lists) => ({ ready: lists.every((l) => l.length === 0), reasons: lists.flat() }));
    readiness = { at: now(), value };
    return value;
  };

  function agentsPart(): NoDashboardMetrics['agents'] {
    const agents: NoDashboardMetrics['agents']['agents'] = [];
    let busy = 0;
    let slots = 0;
    for (const [loopName, loop] of Object.entries(options.loops)) {
      const states = loop.pool.states();
      for (const id of loop.pool.ids()) {
        const state = states[id]!;
        const max = loop.pool.definition(id).maxConcurrency ?? 1;
        busy += Math.min(state.activeTasks, max);
        slots += max;
        agents.push({
          loop: loopName, id, health: loop.pool.health(id), status: state.status, circuit: state.circuit,
          activeTasks: state.activeTasks, maxConcurrency: max, utilization: ratio(state.activeTasks, max), restarts: state.restarts,
          successes: state.totalSuccesses, failures: state.totalFailures, avgLatencyMs: state.avgLatencyMs,
        });
      }
    }
    return {
      total: agents.length,
      healthy: agents.filter((a) => a.health === 'healthy').length,
      openCircuits: agents.filter((a) => a.circuit === 'open').length,
      utilization: ratio(busy, slots),
      agents,
    };
  }

  function schedulerPart(): NoDashboardMetrics['scheduler'] {
    const runsByStatus = Object.fromEntries(RunStatusSchema.options.map((s) => [s, 0])) as Record<RunStatus, number>;
    const tasksByStatus = Object.fromEntries(TaskStatusSchema.options.map((s) => [s, 0])) as Record<TaskStatus, number>;
    let retries = 0;
    let ratios = 0;
    let planned = 0;
    for (const run of runs.values()) {
      const view = run.view;
      runsByStatus[view.status]++;
      for (const task of Object.values(view.tasksById)) {
        tasksByStatus[task.status]++;
        retries += Math.max(0, task.attempts.length - 1);
      }
      if (view.planRatio !== undefined) {
        ratios += view.planRatio;
        planned++;
      }
    }
    const live = [...runs.values()].filter((r) => !r.finished).length;
    return {
      runsLive: live,
      runsFinished: runs.size - live,
      runsByStatus,
      tasksByStatus,
      backlog: liveRuns().backlog,
      retries,
      meanPlanRatio: planned === 0 ? null : ratios / planned,
    };
  }

  async function networkPart(): Promise<NoDashboardMetrics['network']> {
    const statuses = await Promise.all((options.networks ?? []).map((n) => n.getNetworkStatus()));
    const at = now();
    if (at - lastThroughput.at >= 1_000) {
      lastThroughput = { at, settled, perSecond: ((settled - lastThroughput.settled) * 1_000) / (at - lastThroughput.at) };
    }
    return {
      networks: statuses.length,
      throughputPerSecond: lastThroughput.perSecond,
      latencyP95Ms: networkLatency.p95(),
      queued: statuses.reduce((sum, s) => sum + s.queued, 0),
      partitioned: statuses.some((s) => s.partitioned),
      partitions: statuses.flatMap((s) => s.partitions),
      unreachable: statuses.flatMap((s) => s.unreachable),
      delivered: statuses.reduce((sum, s) => sum + s.delivered, 0),
      refused: statuses.reduce((sum, s) => sum + s.refused, 0),
    };
  }

  return {
    onChange: changed.on,
    runs: () => [...runs.values()].map((r) => r.summary()).reverse(),
    run: (runId) => runs.get(runId)?.view,
    loopOf: (runId) => runs.get(runId)?.view.loop,
    alerts: () => ({ firing: options.alerts?.firing() ?? [], recent: [...recentAlerts] }),
    async metrics() {
      const [ready, network] = await Promise.all([readinessOf(), networkPart()]);
      const agents = agentsPart();
      const firing = options.alerts?.firing().length ?? 0;
      const status = !ready.ready ? 'unhealthy' : firing > 0 || agents.openCircuits > 0 ? 'degraded' : 'healthy';
      return {
        generatedAt: new Date(now()).toISOString(),
        systemHealth: { status, ready: ready.ready, reasons: ready.reasons, uptimeSeconds: (now() - started) / 1_000, alertsFiring: firing },
        scheduler: schedulerPart(),
        agents,
        tools: {
          ...toolTotals,
          errorRate: ratio(toolTotals.errors, toolTotals.calls),
          tools: [...tools.values()].map((t) => ({ layer: t.layer, tool: t.tool, calls: t.calls, errors: t.errors, errorRate: ratio(t.errors, t.calls), p95LatencyMs: t.latency.p95() })),
        },
        network,
      };
    },
    close() {
      for (const off of subscriptions) off();
    },
  };
}

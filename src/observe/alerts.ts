import type { EventEnvelope } from '../contracts/events.js';
import { NoError } from '../contracts/errors.js';
import { createListeners, type Listener, type Unsubscribe } from '../contracts/listeners.js';
import type { AgentPool } from '../loop/agent-pool.js';
import type { AgentNetwork } from '../network/types.js';
import { liveRuns } from '../telemetry/metrics.js';

/** The alerts, named as in examples/prometheus-alerts.yml. */
export const ALERT_NAMES = ['NoHighErrorRate', 'NoCircuitBreakersOpen', 'NoTaskBacklog', 'NoNetworkPartition', 'NoRunStalled'] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

export interface Alert {
  name: AlertName;
  /** `firing` once when the condition starts, `resolved` once when it ends. */
  state: 'firing' | 'resolved';
  /** What the alert is about: `process`, or the run id of a stalled run. */
  subject: string;
  /** The value that crossed (or came back under) the threshold. */
  value: number;
  threshold: number;
  message: string;
  /** Epoch ms. */
  at: number;
}

export interface AlertThresholds {
  /** Failed attempts / started attempts over `windowMs`, 0..1. @default DEFAULT_ALERT_THRESHOLDS.errorRate (0.5) */
  errorRate?: number;
  /** Attempts in the window below which the error rate is not judged. @default 10 */
  minAttempts?: number;
  /** The error rate's window. @default 300_000 (5 min, as the Prometheus rule's rate()) */
  windowMs?: number;
  /** Agents whose circuit is open at once. @default 1 */
  openBreakers?: number;
  /** Tasks whose dependencies are done waiting for an agent or resources, over every live run. @default 100 */
  backlog?: number;
  /** A run with no event for this long is stalled. @default 600_000 (10 min) */
  stalledRunMs?: number;
}

export const DEFAULT_ALERT_THRESHOLDS: Required<AlertThresholds> = {
  errorRate: 0.5,
  minAttempts: 10,
  windowMs: 300_000,
  openBreakers: 1,
  backlog: 100,
  stalledRunMs: 600_000,
};
/**
 * A value alert resolves only once its value falls below this share of the threshold, so a value
 * hovering at the threshold does not fire and resolve on every check. @default 0.8
 */
export const ALERT_RESOLVE_RATIO = 0.8;
/** How often the conditions are checked. @default 5_000 */
export const DEFAULT_ALERT_INTERVAL_MS = 5_000;
/** Runs followed for the stalled-run alert; past it the least recently active is dropped. @default 10_000 */
export const MAX_TRACKED_RUNS = 10_000;

/** What the watcher reads from a loop: its events and its pool. */
export interface WatchedLoop {
  readonly pool: AgentPool;
  onEvent(listener: (event: EventEnvelope) => void): () => void;
}

export interface WatchAlertsOptions {
  loops?: readonly WatchedLoop[];
  networks?: readonly Pick<AgentNetwork, 'getNetworkStatus'>[];
  thresholds?: AlertThresholds;
  /** @default DEFAULT_ALERT_INTERVAL_MS; 0 checks only when `check()` is called. */
  intervalMs?: number;
  now?: () => number;
}

export interface AlertWatcher {
  /** Every alert as it fires and as it resolves; returns an unsubscribe function. */
  onAlert(listener: Listener<Alert>): Unsubscribe;
  /** The alerts firing now. */
  firing(): Alert[];
  /** Checks every condition now (the timer calls it too). */
  check(): Promise<void>;
  /** Stops the timer and the event subscriptions. */
  close(): void;
}

const SECOND = 1_000;

function checkThresholds(t: Required<AlertThresholds>): void {
  const bad = (name: string, value: number, rule: string) =>
    new NoError('INVALID_NUMBER', `alert threshold ${name} must be ${rule}, got ${String(value)}`, { details: { [name]: value } });
  if (!(t.errorRate > 0 && t.errorRate <= 1)) throw bad('errorRate', t.errorRate, 'a ratio in (0, 1]');
  for (const key of ['minAttempts', 'openBreakers', 'backlog'] as const) {
    if (!Number.isInteger(t[key]) || t[key] < 1) throw bad(key, t[key], 'a positive integer');
  }
  for (const key of ['windowMs', 'stalledRunMs'] as const) {
    if (!Number.isFinite(t[key]) || t[key] < SECOND) throw bad(key, t[key], 'at least 1000 (ms)');
  }
}

/**
 * Watches loops (and networks) in this process and raises an alert when the error rate, open
 * breakers, backlog, a partition or a stalled run crosses its threshold: each alert fires once when
 * its condition starts and resolves once when it ends (value alerts resolve below
 * {@link ALERT_RESOLVE_RATIO} of their threshold). The same conditions are in
 * examples/prometheus-alerts.yml, for a Prometheus server.
 *
 * @example
 * const alerts = watchAlerts({ loops: [loop], thresholds: { backlog: 500 } });
 * alerts.onAlert((a) => pager.send(`${a.name} ${a.state}: ${a.message}`));
 */
export function watchAlerts(options: WatchAlertsOptions = {}): AlertWatcher {
  const t = { ...DEFAULT_ALERT_THRESHOLDS, ...options.thresholds };
  checkThresholds(t);
  const now = options.now ?? Date.now;
  const loops = options.loops ?? [];
  const listeners = createListeners<Alert>();
  const active = new Map<string, Alert>();
  // Per-second counts over the window: memory bounded by windowMs / 1000, whatever the load.
  const buckets = new Map<number, { attempts: number; failures: number }>();
  // Run id -> last event time; insertion order is recency order (a touched run is re-inserted).
  const runs = new Map<string, number>();

  const bucket = () => {
    const key = Math.floor(now() / SECOND);
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = { attempts: 0, failures: 0 }));
    return b;
  };
  const onEvent = (event: EventEnvelope): void => {
    const runId = event.correlationId;
    if (event.type === 'orchestration.task.started') bucket().attempts++;
    else if (event.type === 'orchestration.task.failed' && typeof (event.data as { metadata?: { agentId?: unknown } }).metadata?.agentId === 'string') bucket().failures++;
    if (runId === undefined) return;
    runs.delete(runId);
    if (event.type === 'no.run.completed') {
      resolve('NoRunStalled', runId, 0);
      return;
    }
    runs.set(runId, now());
    if (runs.size > MAX_TRACKED_RUNS) runs.delete(runs.keys().next().value as string);
  };
  const subscriptions = loops.map((loop) => loop.onEvent(onEvent));

  const key = (name: AlertName, subject: string) => `${name}\u0000${subject}`;
  const fire = (name: AlertName, subject: string, value: number, threshold: number, message: string): void => {
    if (active.has(key(name, subject))) return;
    const alert: Alert = { name, state: 'firing', subject, value, threshold, message, at: now() };
    active.set(key(name, subject), alert);
    listeners.emit(alert);
  };
  function resolve(name: AlertName, subject: string, value: number): void {
    const firing = active.get(key(name, subject));
    if (!firing) return;
    active.delete(key(name, subject));
    listeners.emit({ ...firing, state: 'resolved', value, message: `resolved: ${firing.message}`, at: now() });
  }
  // Fires at or above the threshold, resolves below ALERT_RESOLVE_RATIO of it.
  const level = (name: AlertName, value: number, threshold: number, message: string): void => {
    if (value >= threshold) fire(name, 'process', value, threshold, message);
    else if (value < threshold * ALERT_RESOLVE_RATIO) resolve(name, 'process', value);
  };

  async function check(): Promise<void> {
    const at = now();
    const oldest = Math.floor((at - t.windowMs) / SECOND);
    let attempts = 0;
    let failures = 0;
    for (const [second, b] of buckets) {
      if (second <= oldest) buckets.delete(second);
      else {
        attempts += b.attempts;
        failures += b.failures;
      }
    }
    const rate = attempts === 0 ? 0 : failures / attempts;
    if (attempts >= t.minAttempts || rate < t.errorRate * ALERT_RESOLVE_RATIO) {
      level('NoHighErrorRate', rate, t.errorRate, `${failures} of ${attempts} attempts failed in the last ${t.windowMs / SECOND} s`);
    }

    const open = loops.flatMap((loop) => loop.pool.ids().filter((id) => loop.pool.breaker(id).state === 'open'));
    level('NoCircuitBreakersOpen', open.length, t.openBreakers, `circuit open for ${open.join(', ')}`);

    const { backlog } = liveRuns();
    level('NoTaskBacklog', backlog, t.backlog, `${backlog} ready tasks wait for an agent or resources`);

    if (options.networks && options.networks.length > 0) {
      const statuses = await Promise.all(options.networks.map((n) => n.getNetworkStatus()));
      const partitions = statuses.filter((s) => s.partitioned);
      if (partitions.length > 0) {
        fire('NoNetworkPartition', 'process', partitions.length, 1, `partitioned: ${partitions.flatMap((s) => s.partitions.map((g) => `[${g.join(', ')}]`)).join(' | ')}`);
      } else resolve('NoNetworkPartition', 'process', 0);
    }

    for (const [runId, last] of runs) {
      const idle = at - last;
      if (idle >= t.stalledRunMs) fire('NoRunStalled', runId, idle, t.stalledRunMs, `run ${runId} has had no event for ${Math.round(idle / SECOND)} s`);
      else resolve('NoRunStalled', runId, idle);
    }
  }

  const intervalMs = options.intervalMs ?? DEFAULT_ALERT_INTERVAL_MS;
  let timer: ReturnType<typeof setInterval> | undefined;
  if (intervalMs > 0) {
    // A failing check (a network whose status rejects) surfaces as the listener rule does, uncaught.
    timer = setInterval(() => void check().catch((error: unknown) => queueMicrotask(() => { throw error; })), intervalMs);
    // An alert watcher never keeps a process alive on its own.
    timer.unref();
  }
  return {
    onAlert: listeners.on,
    firing: () => [...active.values()],
    check,
    close() {
      clearInterval(timer);
      for (const off of subscriptions) off();
    },
  };
}

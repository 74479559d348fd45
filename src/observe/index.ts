/// <reference types="node" preserve="true" />
export { createPrometheusMetrics, DEFAULT_MAX_SERIES_PER_METRIC } from './prometheus.js';
export type { PrometheusMetrics, PrometheusMetricsOptions } from './prometheus.js';
export { serveObservability } from './serve.js';
export type { ServeObservabilityOptions, ReadinessSource } from './serve.js';
export { DEFAULT_READINESS_TIMEOUT_MS } from '../loop/readiness.js';
export type { Readiness, ReadinessOptions } from '../loop/readiness.js';
export { DEFAULT_OBSERVE_HOST, DEFAULT_OBSERVE_PORT } from './server.js';
export type { ObservabilityServer, ObservabilityServerOptions, MetricsSource } from './server.js';
export { DEFAULT_SERVER_CLOSE_GRACE_MS } from '../resilience/index.js';
export type { ServerCloseOptions } from '../resilience/index.js';
export { DEFAULT_LOOP_CLOSE_GRACE_MS, DRAINING_REASON } from '../loop/index.js';
export { METRICS, OPERATOR_METRICS, useMeterProvider } from '../telemetry/index.js';
export { MESSAGE_METRICS } from '../network/metrics.js';
export {
  watchAlerts,
  ALERT_NAMES,
  DEFAULT_ALERT_THRESHOLDS,
  ALERT_RESOLVE_RATIO,
  DEFAULT_ALERT_INTERVAL_MS,
  MAX_TRACKED_RUNS,
} from './alerts.js';
export type { Alert, AlertName, AlertThresholds, AlertWatcher, WatchAlertsOptions, WatchedLoop } from './alerts.js';
export { jsonLogger, LOG_LEVELS } from '../telemetry/logger.js';
export type { Logger, LogLevel, LineSink, JsonLoggerOptions } from '../telemetry/logger.js';
export { serveDashboard, DEFAULT_DASHBOARD_PORT, DEFAULT_MAX_VIEWERS, DASHBOARD_PUSH_INTERVAL_MS, MAX_TASKS_SERVED } from './dashboard/serve.js';
export type { ServeDashboardOptions, DashboardServer, WatchedDashboardLoop } from './dashboard/serve.js';
export { createDashboardHub, MAX_ALERT_HISTORY } from './dashboard/hub.js';
export type { DashboardHub, DashboardHubOptions, DashboardLoop, DashboardNetwork, DashboardToolLayer } from './dashboard/hub.js';
export { DEFAULT_MAX_RUNS, DEFAULT_MAX_EVENTS_PER_RUN } from './dashboard/runs.js';
export type { RunSummary, RunView, TaskView, AttemptView } from './dashboard/runs.js';
export { MAX_CHECKPOINTS_LISTED, MAX_TASKS_SHOWN } from './dashboard/history.js';
export type { CheckpointEntry, CheckpointState, HistorySource } from './dashboard/history.js';
export { createDashboardDemo } from './dashboard/demo.js';
export type { DashboardDemo } from './dashboard/demo.js';
export { NoDashboardMetricsSchema } from '../contracts/dashboard.js';
export type { NoDashboardMetrics } from '../contracts/dashboard.js';

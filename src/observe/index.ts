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

export { createPrometheusMetrics, DEFAULT_MAX_SERIES_PER_METRIC } from './prometheus.js';
export type { PrometheusMetrics, PrometheusMetricsOptions } from './prometheus.js';
export { serveObservability } from './serve.js';
export type { ServeObservabilityOptions } from './serve.js';
export { DEFAULT_OBSERVE_HOST, DEFAULT_OBSERVE_PORT } from './server.js';
export type { ObservabilityServer, ObservabilityServerOptions, MetricsSource } from './server.js';
export { METRICS, OPERATOR_METRICS, useMeterProvider } from '../telemetry/index.js';
export { MESSAGE_METRICS } from '../network/metrics.js';

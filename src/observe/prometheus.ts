import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, type MeterProvider } from '@opentelemetry/api';
import type * as PrometheusModule from '@opentelemetry/exporter-prometheus';
import type * as SdkMetricsModule from '@opentelemetry/sdk-metrics';
import { NoError } from '../contracts/errors.js';
import { TELEMETRY_SCOPE } from '../telemetry/names.js';
import { useMeterProvider } from '../telemetry/provider.js';
import { loadOptional } from './load.js';

/**
 * Series kept per metric of this package before new label sets fold into one overflow series
 * (`otel_metric_overflow="true"`). Labels come from closed sets and configured ids already; this
 * caps what a process with thousands of agents or tools could still produce. @default 2000
 */
export const DEFAULT_MAX_SERIES_PER_METRIC = 2000;

export interface PrometheusMetricsOptions {
  /**
   * Register the provider as OpenTelemetry's global MeterProvider, so every library that records
   * through the API shows on `/metrics` too. Refused when the application already registered one
   * (its own SDK keeps it: add a `PrometheusExporter` to that SDK's readers instead). With `false`
   * the provider is handed to this package only and the global one is left alone.
   * @default false
   */
  register?: boolean;
  /** @default DEFAULT_MAX_SERIES_PER_METRIC */
  maxSeriesPerMetric?: number;
}

/** A MeterProvider with a Prometheus exporter, wired to the package. */
export interface PrometheusMetrics {
  /**
   * An `@opentelemetry/sdk-metrics` MeterProvider. Typed structurally, so a project that compiles
   * without `skipLibCheck` needs the optional peers' types only when it calls this.
   */
  readonly meterProvider: MeterProvider & { shutdown(): Promise<void>; forceFlush(): Promise<void> };
  /** The `@opentelemetry/exporter-prometheus` PrometheusExporter reading it. */
  readonly exporter: { getMetricsRequestHandler(request: IncomingMessage, response: ServerResponse): void; shutdown(): Promise<void> };
  /** Whether the provider is OpenTelemetry's global one. */
  readonly registered: boolean;
  /** What a scrape would return now, in the Prometheus text format. */
  scrape(): Promise<string>;
  /** Answers a scrape on a node:http server (any path: route to it yourself). */
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Unwires the provider (global or handed to the package) and shuts it down. */
  shutdown(): Promise<void>;
}

function checkLimit(value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new NoError('INVALID_NUMBER', `maxSeriesPerMetric must be a positive integer, got ${String(value)}`, { details: { maxSeriesPerMetric: value } });
  }
  return value;
}

/**
 * Builds an OpenTelemetry MeterProvider that exports to Prometheus, and wires it: handed to this
 * package only (the default), or registered globally when `register: true`. It starts no server:
 * serve it with `serveObservability({ metrics })`, or call `handle` from your own.
 *
 * @example
 * const prom = await createPrometheusMetrics();
 * const server = await serveObservability({ metrics: prom, loops: [loop], port: 9464 });
 * // scrape http://127.0.0.1:9464/metrics
 */
export async function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): Promise<PrometheusMetrics> {
  const limit = checkLimit(options.maxSeriesPerMetric ?? DEFAULT_MAX_SERIES_PER_METRIC);
  const why = 'createPrometheusMetrics';
  const install = '@opentelemetry/sdk-metrics @opentelemetry/exporter-prometheus';
  const sdk = await loadOptional<typeof SdkMetricsModule>('@opentelemetry/sdk-metrics', why, install);
  const prom = await loadOptional<typeof PrometheusModule>('@opentelemetry/exporter-prometheus', why, install);
  // The seed's labels are the whole label set: no otel_scope_* labels on every series.
  const exporter = new prom.PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const meterProvider = new sdk.MeterProvider({
    readers: [exporter],
    views: [{ meterName: TELEMETRY_SCOPE, aggregationCardinalityLimit: limit }],
  });
  const register = options.register ?? false;
  let restore: (() => void) | undefined;
  if (register) {
    if (!metrics.setGlobalMeterProvider(meterProvider)) {
      await meterProvider.shutdown();
      throw new NoError(
        'INVALID_REQUEST',
        'a global MeterProvider is already registered (your OpenTelemetry SDK): add new PrometheusExporter({ preventServerStart: true }) to its readers and pass that exporter to serveObservability({ metrics }), or call createPrometheusMetrics({ register: false })',
        { details: { register } },
      );
    }
  } else {
    restore = useMeterProvider(meterProvider);
  }
  const serializer = new prom.PrometheusSerializer(undefined, undefined, undefined, undefined, true);
  let closed = false;
  return {
    meterProvider,
    exporter,
    registered: register,
    async scrape() {
      const { resourceMetrics } = await exporter.collect();
      return serializer.serialize(resourceMetrics);
    },
    handle: (request, response) => exporter.getMetricsRequestHandler(request, response),
    async shutdown() {
      if (closed) return;
      closed = true;
      if (restore) restore();
      else if (metrics.getMeterProvider() === meterProvider) metrics.disable();
      await meterProvider.shutdown();
    },
  };
}

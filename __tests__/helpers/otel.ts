import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

class TestMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface MetricPoint {
  name: string;
  attributes: Record<string, unknown>;
  value: number | Histogram;
}

export interface TestTelemetry {
  spans(): ReadableSpan[];
  metric(name: string): Promise<MetricPoint[]>;
  /** Bucket boundaries the SDK used for a histogram. */
  boundaries(name: string): Promise<number[] | undefined>;
  reset(): void;
  shutdown(): Promise<void>;
}

/** Registers in-memory OpenTelemetry SDK providers globally, as an application would. */
export function installTestTelemetry(): TestTelemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.disable();
  context.disable();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  const reader = new TestMetricReader();
  metrics.disable();
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

  const collect = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  };
  return {
    spans: () => exporter.getFinishedSpans(),
    async metric(name) {
      const found = await collect(name);
      const points = (found?.dataPoints ?? []) as Array<DataPoint<number | Histogram>>;
      return points.map((p) => ({ name, attributes: p.attributes, value: p.value }));
    },
    async boundaries(name) {
      const found = await collect(name);
      const first = (found?.dataPoints as Array<DataPoint<number | Histogram>> | undefined)?.[0]?.value;
      return typeof first === 'object' ? first.buckets.boundaries : undefined;
    },
    reset: () => exporter.reset(),
    async shutdown() {
      await tracerProvider.shutdown();
      trace.disable();
      metrics.disable();
      context.disable();
    },
  };
}

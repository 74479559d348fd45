import { metrics, type Counter, type Gauge, type Histogram, type MeterProvider } from '@opentelemetry/api';
import { PACKAGE_VERSION } from '../version.js';
import { METRICS, TELEMETRY_SCOPE } from './names.js';

interface Instruments {
  schedulingLatency: Histogram;
  agentUtilization: Gauge;
  toolLayerInvocations: Counter;
  coordinationEfficiency: Histogram;
}

let cache: { provider: MeterProvider; instruments: Instruments } | undefined;

/**
 * The metrics API has no proxy provider: a meter taken before the application registers its SDK
 * stays a no-op forever. So instruments are created lazily and re-created when the global
 * provider changes.
 */
function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (cache?.provider === provider) return cache.instruments;
  const meter = provider.getMeter(TELEMETRY_SCOPE, PACKAGE_VERSION);
  const created: Instruments = {
    schedulingLatency: meter.createHistogram(METRICS.schedulingLatency.name, {
      description: METRICS.schedulingLatency.description,
      unit: METRICS.schedulingLatency.unit,
      advice: { explicitBucketBoundaries: [...METRICS.schedulingLatency.buckets] },
    }),
    agentUtilization: meter.createGauge(METRICS.agentUtilization.name, {
      description: METRICS.agentUtilization.description,
      unit: METRICS.agentUtilization.unit,
    }),
    toolLayerInvocations: meter.createCounter(METRICS.toolLayerInvocations.name, {
      description: METRICS.toolLayerInvocations.description,
      unit: METRICS.toolLayerInvocations.unit,
    }),
    coordinationEfficiency: meter.createHistogram(METRICS.coordinationEfficiency.name, {
      description: METRICS.coordinationEfficiency.description,
      unit: METRICS.coordinationEfficiency.unit,
      advice: { explicitBucketBoundaries: [...METRICS.coordinationEfficiency.buckets] },
    }),
  };
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

export function recordCoordinationEfficiency(
  ratio: number,
  labels: { coordination_type: string; agent_count: number },
): void {
  instruments().coordinationEfficiency.record(ratio, { ...labels, agent_count: String(labels.agent_count) });
}

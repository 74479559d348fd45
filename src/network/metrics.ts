import type { Counter, Histogram, MeterProvider, ObservableGauge } from '@opentelemetry/api';
import { PACKAGE_VERSION } from '../version.js';
import { TELEMETRY_SCOPE } from '../telemetry/names.js';
import { noMeterProvider } from '../telemetry/provider.js';

/** Metric names for messages (to move into telemetry's METRICS with the contract change). */
export const MESSAGE_METRICS = {
  latency: {
    name: 'no_message_latency_seconds',
    description: 'Time from send until the receiver has handled (acked) or pulled the message',
    unit: 's',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300],
  },
  total: { name: 'no_messages_total', description: 'Messages by kind (direct, broadcast) and outcome', unit: '1' },
  queued: { name: 'no_messages_queued', description: 'Messages waiting in mailboxes and subscriber queues', unit: '1' },
  refused: { name: 'no_messages_refused_total', description: 'Messages refused, by reason', unit: '1' },
  partitions: { name: 'no_network_partitions', description: 'Partitions in force: pairs of agent groups that cannot reach each other', unit: '1' },
} as const;

export type MessageKind = 'direct' | 'broadcast';
export type MessageOutcome = 'accepted' | 'delivered' | 'handler_error' | 'refused';

interface Instruments {
  latency: Histogram;
  total: Counter;
  refused: Counter;
  queued: ObservableGauge;
  partitions: ObservableGauge;
}

let cache: { provider: MeterProvider; instruments: Instruments } | undefined;
/** Live queue-size sources; read only when a reader collects, so an idle gauge costs nothing. */
const queuedSources = new Set<() => number>();
const partitionSources = new Set<() => number>();

/** Same lazy pattern as telemetry/metrics.ts: re-created when the global provider changes. */
function instruments(): Instruments {
  const provider = noMeterProvider();
  if (cache?.provider === provider) return cache.instruments;
  const meter = provider.getMeter(TELEMETRY_SCOPE, PACKAGE_VERSION);
  const m = MESSAGE_METRICS;
  const created: Instruments = {
    latency: meter.createHistogram(m.latency.name, {
      description: m.latency.description,
      unit: m.latency.unit,
      advice: { explicitBucketBoundaries: [...m.latency.buckets] },
    }),
    total: meter.createCounter(m.total.name, { description: m.total.description, unit: m.total.unit }),
    refused: meter.createCounter(m.refused.name, { description: m.refused.description, unit: m.refused.unit }),
    queued: meter.createObservableGauge(m.queued.name, { description: m.queued.description, unit: m.queued.unit }),
    partitions: meter.createObservableGauge(m.partitions.name, { description: m.partitions.description, unit: m.partitions.unit }),
  };
  created.partitions.addCallback((result) => {
    let total = 0;
    for (const source of partitionSources) total += source();
    result.observe(total);
  });
  created.queued.addCallback((result) => {
    let total = 0;
    for (const source of queuedSources) total += source();
    result.observe(total);
  });
  cache = { provider, instruments: created };
  return created;
}

export function recordMessageLatency(seconds: number, kind: MessageKind): void {
  instruments().latency.record(seconds, { kind });
}

export function recordMessage(kind: MessageKind, outcome: MessageOutcome): void {
  instruments().total.add(1, { kind, outcome });
}

export function recordRefused(reason: string, kind: MessageKind): void {
  instruments().refused.add(1, { reason, kind });
  instruments().total.add(1, { kind, outcome: 'refused' });
}

/** Adds a queue-size source to the `no_messages_queued` gauge; returns a function that removes it. */
export function trackQueued(source: () => number): () => void {
  instruments();
  queuedSources.add(source);
  return () => void queuedSources.delete(source);
}

/** Adds a network's partition count to the `no_network_partitions` gauge; returns a function that removes it. */
export function trackPartitions(source: () => number): () => void {
  instruments();
  partitionSources.add(source);
  return () => void partitionSources.delete(source);
}

import { metrics } from '@opentelemetry/api';
import { InMemoryStore, MemorySaver } from '@langchain/langgraph';
import { createPrometheusMetrics, serveObservability, type ObservabilityServer, type PrometheusMetrics } from '../../src/observe/index';
import { METRICS, OPERATOR_METRICS, recordToolInvocation } from '../../src/telemetry/index';
import { MESSAGE_METRICS } from '../../src/network/metrics';
import { createToolLayer } from '../../src/tools/create-layer';
import { isNoError } from '../../src/contracts/errors';
import type { AgentDefinition } from '../../src/loop/index';
import { loopWith, request, sleeper, thread } from '../loop/helpers';
import { setup, flush } from '../network/helpers';
import { parsePromText } from '../helpers/prom-text';

const scrape = async (url: string) => {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  return parsePromText(await res.text());
};

describe('Prometheus metrics over HTTP', () => {
  let prom: PrometheusMetrics;
  let server: ObservabilityServer;
  const globalBefore = metrics.getMeterProvider();
  beforeEach(async () => {
    prom = await createPrometheusMetrics();
    server = await serveObservability({ metrics: prom, port: 0 });
  });
  afterEach(async () => {
    await server.close();
    await prom.shutdown();
  });

  it("serves the seed's four metrics with their exact names, labels and buckets after a real run", async () => {
    let failures = 1;
    const flaky: AgentDefinition = { id: 'flaky', capabilities: ['work'], run: async () => { if (failures-- > 0) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' }); return 'ok'; } };
    const { loop } = loopWith([flaky, sleeper('w2', ['other'])], { checkpointer: new MemorySaver(), store: new InMemoryStore() });
    const out = await loop.invoke(request([{ id: 'a', capability: 'work' }, { id: 'b', capability: 'other', dependsOn: ['a'] }]), thread());
    expect(out.status).toBe('completed');
    const layer = createToolLayer('primitive');
    await layer.invoke('hash', { algorithm: 'sha256', data: 'x' }, { caller: 'w2' });
    await layer.invoke('no-such-tool', {}, { caller: 'w2' });

    const text = await scrape(server.url);
    expect(text.types.get(METRICS.schedulingLatency.name)).toBe('histogram');
    const sched = text.get(`${METRICS.schedulingLatency.name}_bucket`);
    expect(sched.map((s) => s.labels['le'])).toEqual(['0.001', '0.01', '0.1', '1', '5', '10', '+Inf']);
    expect(Object.keys(sched[0]!.labels).sort()).toEqual(['agent_count', 'complexity', 'le', 'strategy']);
    expect(sched[0]!.labels).toMatchObject({ complexity: 'simple', agent_count: '2' });
    expect(text.value(`${METRICS.schedulingLatency.name}_count`)).toBe(1);

    expect(text.types.get(METRICS.agentUtilization.name)).toBe('gauge');
    expect(text.get(METRICS.agentUtilization.name).map((s) => s.labels).sort((x, y) => x['agent_id']!.localeCompare(y['agent_id']!)))
      .toEqual([{ agent_id: 'flaky', capability_type: 'work' }, { agent_id: 'w2', capability_type: 'other' }]);

    expect(text.types.get(METRICS.toolLayerInvocations.name)).toBe('counter');
    expect(text.get(METRICS.toolLayerInvocations.name).map((s) => s.labels)).toEqual(expect.arrayContaining([
      expect.objectContaining({ layer: 'primitive', tool_name: 'hash' }),
      { layer: 'primitive', tool_name: '(unknown)', success: 'false' },
    ]));

    expect(text.types.get(METRICS.coordinationEfficiency.name)).toBe('histogram');
    const eff = text.get(`${METRICS.coordinationEfficiency.name}_bucket`);
    expect(eff.map((s) => s.labels['le'])).toEqual(['0.5', '0.7', '0.8', '0.9', '0.95', '0.99', '1', '+Inf']);
    expect(Object.keys(eff[0]!.labels).sort()).toEqual(['agent_count', 'coordination_type', 'le']);
    // Two attempts for a, one for b, two of three succeeded.
    expect(text.value(`${METRICS.coordinationEfficiency.name}_sum`)).toBeCloseTo(2 / 3);

    // What an operator needs besides.
    expect(text.value(OPERATOR_METRICS.runs.name, { status: 'completed' })).toBe(1);
    expect(text.value(OPERATOR_METRICS.tasks.name, { state: 'completed' })).toBe(2);
    expect(text.value(OPERATOR_METRICS.attempts.name, { agent_id: 'flaky' })).toBe(2);
    expect(text.value(OPERATOR_METRICS.attemptFailures.name, { agent_id: 'flaky', classification: 'transient' })).toBe(1);
    expect(text.value(OPERATOR_METRICS.retries.name, { agent_id: 'flaky' })).toBe(1);
    expect(text.value(OPERATOR_METRICS.recoveries.name, { action: 'retry-with-backoff' })).toBe(1);
    expect(text.value(OPERATOR_METRICS.runsActive.name)).toBe(0);
    expect(text.value(OPERATOR_METRICS.taskBacklog.name)).toBe(0);
    expect(text.value(OPERATOR_METRICS.circuitState.name, { agent_id: 'flaky', state: 'closed' })).toBe(1);
    expect(text.value(OPERATOR_METRICS.circuitState.name, { agent_id: 'flaky', state: 'open' })).toBe(0);
    expect(text.value(`${OPERATOR_METRICS.toolDuration.name}_count`, { layer: 'primitive', tool_name: 'hash' })).toBe(1);

    // The package's provider was handed over, not registered: the application's global one is untouched.
    expect(metrics.getMeterProvider()).toBe(globalBefore);
  });

  it('shows the backlog and running tasks of a live run, and message throughput, latency and queue', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: AgentDefinition = { id: 'slow', capabilities: ['work'], maxConcurrency: 1, run: async () => { await gate; return 1; } };
    const { loop } = loopWith([slow]);
    const running = loop.invoke(request(['a', 'b', 'c'].map((id) => ({ id, capability: 'work' }))), thread());
    let live = await scrape(server.url);
    for (let i = 0; i < 50 && live.value(OPERATOR_METRICS.tasksRunning.name) === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      live = await scrape(server.url);
    }
    expect(live.value(OPERATOR_METRICS.runsActive.name)).toBe(1);
    expect(live.value(OPERATOR_METRICS.tasksRunning.name)).toBe(1);
    expect(live.value(OPERATOR_METRICS.taskBacklog.name)).toBe(2);
    release();
    await running;
    const after = await scrape(server.url);
    expect(after.value(OPERATOR_METRICS.runsActive.name)).toBe(0);
    expect(after.value(OPERATOR_METRICS.tasks.name, { state: 'completed' })).toBe(3);

    const { network } = setup(['a', 'b']);
    await network.sendMessage('a', 'b', { type: 't', payload: 1 });
    await network.receive('b');
    await flush();
    const net = await scrape(server.url);
    expect(net.get(MESSAGE_METRICS.total.name, { kind: 'direct' }).length).toBeGreaterThan(0);
    expect(net.value(`${MESSAGE_METRICS.latency.name}_count`, { kind: 'direct' })).toBe(1);
    expect(net.types.get(MESSAGE_METRICS.queued.name)).toBe('gauge');
    expect(net.value(MESSAGE_METRICS.partitions.name)).toBe(0);
    network.simulatePartition(['a'], ['b']);
    expect((await scrape(server.url)).value(MESSAGE_METRICS.partitions.name)).toBe(1);
    network.close();
    expect((await scrape(server.url)).value(MESSAGE_METRICS.partitions.name)).toBe(0);
  });

  it('answers 404 with the way to add metrics when the server has none, and 405 to anything but GET', async () => {
    const bare = await serveObservability({ port: 0 });
    try {
      const res = await fetch(`${bare.url}/metrics`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('createPrometheusMetrics');
      expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
      expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});

describe('createPrometheusMetrics', () => {
  afterEach(() => metrics.disable());

  it('registers globally only when asked, and refuses to replace an SDK the application registered', async () => {
    const prom = await createPrometheusMetrics({ register: true });
    expect(metrics.getMeterProvider()).toBe(prom.meterProvider);
    const second = await createPrometheusMetrics({ register: true }).catch((e: unknown) => e);
    expect(isNoError(second, 'INVALID_REQUEST')).toBe(true);
    expect((second as Error).message).toMatch(/add new PrometheusExporter.*to its readers/);
    await prom.shutdown();
    expect(metrics.getMeterProvider()).not.toBe(prom.meterProvider);
  });

  it('caps the series per metric: label sets past the limit fold into one overflow series', async () => {
    const prom = await createPrometheusMetrics({ maxSeriesPerMetric: 5 });
    try {
      for (let i = 0; i < 50; i++) recordToolInvocation({ layer: 'primitive', tool_name: `t${i}`, success: true });
      const series = parsePromText(await prom.scrape()).get(METRICS.toolLayerInvocations.name);
      expect(series.length).toBeLessThanOrEqual(5);
      expect(series.some((s) => s.labels['otel_metric_overflow'] === 'true')).toBe(true);
      expect(series.reduce((n, s) => n + s.value, 0)).toBe(50);
    } finally {
      await prom.shutdown();
    }
    await expect(createPrometheusMetrics({ maxSeriesPerMetric: 0 })).rejects.toMatchObject({ code: 'INVALID_NUMBER' });
  });
});

import { createPrometheusMetrics, serveObservability, type ObservabilityServer, type PrometheusMetrics } from '../../src/observe/index';
import { OPERATOR_METRICS } from '../../src/telemetry/index';
import { createAgentPool, createAutoscaler } from '../../src/loop/index';
import { parsePromText } from '../helpers/prom-text';

describe('autoscaled pool metrics', () => {
  let prom: PrometheusMetrics;
  let server: ObservabilityServer;
  beforeEach(async () => {
    prom = await createPrometheusMetrics();
    server = await serveObservability({ metrics: prom, port: 0 });
  });
  afterEach(async () => {
    await server.close();
    await prom.shutdown();
  });

  it('shows agents held, the desired size and the backlog per capability, and counts scale actions', async () => {
    const pool = createAgentPool();
    const scaler = createAutoscaler({ pool, capabilities: { chat: { min: 1, max: 3, factory: () => async () => 'ok' } } });
    await scaler.optimizeAllocation({ chat: { backlog: 9 } });
    const res = await fetch(`${server.url}/metrics`);
    const text = parsePromText(await res.text());
    expect(text.value(OPERATOR_METRICS.poolAgents.name, { capability: 'chat' })).toBe(3);
    // The policy wanted 9 agents; the gauge shows what it may have (max 3), the backlog the rest.
    expect(text.value(OPERATOR_METRICS.poolDesiredAgents.name, { capability: 'chat' })).toBe(3);
    expect(text.value(OPERATOR_METRICS.poolBacklog.name, { capability: 'chat' })).toBe(9);
    expect(text.value(OPERATOR_METRICS.poolScaleActions.name, { capability: 'chat', direction: 'up' })).toBe(3);
    // With the defaults the signal follows the work down at the next allocation, and so do the agents.
    await scaler.optimizeAllocation({ chat: { backlog: 0 } });
    const after = parsePromText(await (await fetch(`${server.url}/metrics`)).text());
    expect(after.value(OPERATOR_METRICS.poolDesiredAgents.name, { capability: 'chat' })).toBe(1);
    expect(after.value(OPERATOR_METRICS.poolAgents.name, { capability: 'chat' })).toBe(1);
    expect(after.value(OPERATOR_METRICS.poolBacklog.name, { capability: 'chat' })).toBe(0);
    expect(after.value(OPERATOR_METRICS.poolScaleActions.name, { capability: 'chat', direction: 'down' })).toBe(2);
    scaler.close();
  });
});

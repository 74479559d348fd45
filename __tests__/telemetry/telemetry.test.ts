import { SpanStatusCode } from '@opentelemetry/api';
import {
  complexityOf,
  METRICS,
  recordAgentUtilization,
  recordCoordinationEfficiency,
  recordSchedulingLatency,
  recordToolInvocation,
  withSpan,
} from '../../src/telemetry/index';
import { installTestTelemetry, type TestTelemetry } from '../helpers/otel';

describe('telemetry helpers over @opentelemetry/api', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = installTestTelemetry();
  });
  afterEach(() => otel.shutdown());

  it('ends a span with OK status and its attributes when the function returns', () => {
    const value = withSpan('no.test', { 'no.k': 1 }, () => 42);
    expect(value).toBe(42);
    const [span] = otel.spans();
    expect(span?.name).toBe('no.test');
    expect(span?.attributes['no.k']).toBe(1);
    expect(span?.status.code).toBe(SpanStatusCode.OK);
  });

  it('records the exception and an ERROR status when the function throws', () => {
    expect(() => withSpan('no.fail', {}, () => { throw new Error('boom'); })).toThrow('boom');
    const [span] = otel.spans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(span?.events.map((e) => e.name)).toContain('exception');
  });

  it('ends the span only when an async function settles', async () => {
    let release!: () => void;
    const pending = withSpan('no.async', {}, () => new Promise<string>((r) => { release = () => r('done'); }));
    expect(otel.spans()).toHaveLength(0);
    release();
    await expect(pending).resolves.toBe('done');
    expect(otel.spans()[0]?.status.code).toBe(SpanStatusCode.OK);
  });

  it('marks a rejected async span as an error', async () => {
    await expect(withSpan('no.reject', {}, async () => { throw 'plain string'; })).rejects.toBe('plain string');
    expect(otel.spans()[0]?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'plain string' });
  });

  it('nests spans: a span opened inside another is its child', async () => {
    await withSpan('outer', {}, async () => {
      await Promise.resolve();
      withSpan('inner', {}, () => undefined);
    });
    const inner = otel.spans().find((s) => s.name === 'inner');
    const outer = otel.spans().find((s) => s.name === 'outer');
    expect(inner?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
  });

  it('records the scheduling latency histogram with the seed labels and buckets', async () => {
    recordSchedulingLatency(0.004, { complexity: 'simple', agent_count: 3, strategy: 'parallel' });
    const points = await otel.metric(METRICS.schedulingLatency.name);
    expect(points).toHaveLength(1);
    expect(points[0]?.attributes).toEqual({ complexity: 'simple', agent_count: '3', strategy: 'parallel' });
    expect(await otel.boundaries(METRICS.schedulingLatency.name)).toEqual([0.001, 0.01, 0.1, 1, 5, 10]);
  });

  it('counts tool invocations by layer, tool and success', async () => {
    recordToolInvocation({ layer: 'execution', tool_name: 'fs', success: true });
    recordToolInvocation({ layer: 'execution', tool_name: 'fs', success: true });
    recordToolInvocation({ layer: 'execution', tool_name: 'fs', success: false });
    const points = await otel.metric(METRICS.toolLayerInvocations.name);
    const ok = points.find((p) => p.attributes['success'] === 'true');
    const failed = points.find((p) => p.attributes['success'] === 'false');
    expect(ok?.value).toBe(2);
    expect(failed?.value).toBe(1);
  });

  it('records agent utilization as a gauge and coordination efficiency with the seed buckets', async () => {
    recordAgentUtilization(0.75, { agent_id: 'w1', capability_type: 'http' });
    recordCoordinationEfficiency(0.9, { coordination_type: 'parallel', agent_count: 2 });
    expect((await otel.metric(METRICS.agentUtilization.name))[0]?.value).toBe(0.75);
    expect(await otel.boundaries(METRICS.coordinationEfficiency.name)).toEqual([0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1]);
  });

  it('picks up an SDK registered after the first measurement', async () => {
    await otel.shutdown();
    recordToolInvocation({ layer: 'primitive', tool_name: 'kv', success: true }); // no SDK: a no-op
    otel = installTestTelemetry();
    recordToolInvocation({ layer: 'primitive', tool_name: 'kv', success: true });
    expect((await otel.metric(METRICS.toolLayerInvocations.name))[0]?.value).toBe(1);
  });
});

describe('complexityOf', () => {
  it.each([
    [1, 'simple'],
    [10, 'simple'],
    [11, 'moderate'],
    [100, 'moderate'],
    [101, 'complex'],
  ])('classifies %i tasks as %s', (n, expected) => {
    expect(complexityOf(n)).toBe(expected);
  });
});

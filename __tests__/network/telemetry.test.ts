import { trace } from '@opentelemetry/api';
import { installTestTelemetry, type TestTelemetry } from '../helpers/otel';
import { EventEnvelopeSchema } from '../../src/contracts/events';
import { contextFromTraceparent } from '../../src/network/trace';
import { setup, flush, rejection } from './helpers';

describe('message telemetry', () => {
  let telemetry: TestTelemetry;
  beforeEach(() => {
    telemetry = installTestTelemetry();
  });
  afterEach(async () => {
    await telemetry.shutdown();
  });

  it('continues the sender trace in the receiver: deliver span is a child of the sender span', async () => {
    const { network } = setup(['agent-1', 'agent-2']);
    let handlerTrace: string | undefined;
    network.subscribeToAgent('agent-2', () => {
      handlerTrace = trace.getActiveSpan()?.spanContext().traceId;
    });
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('sender', async (span) => {
      await network.sendMessage('agent-1', 'agent-2', { type: 't', payload: 1 });
      span.end();
    });
    await flush();
    const spans = telemetry.spans();
    const sender = spans.find((s) => s.name === 'sender');
    const deliver = spans.find((s) => s.name === 'no.message.deliver');
    expect(deliver?.spanContext().traceId).toBe(sender?.spanContext().traceId);
    expect(deliver?.parentSpanContext?.spanId).toBe(sender?.spanContext().spanId);
    expect(handlerTrace).toBe(sender?.spanContext().traceId);
    expect(deliver?.attributes).toMatchObject({ 'no.message.kind': 'direct', 'no.message.from': 'agent-1', 'no.message.to': 'agent-2' });
  });

  it('puts the traceparent in a valid CloudEvents envelope', async () => {
    const { network } = setup(['a', 'b']);
    let envelope: unknown;
    network.subscribeToAgent('b', (_m, e) => void (envelope = e));
    await trace.getTracer('test').startActiveSpan('s', async (span) => {
      await network.sendMessage('a', 'b', { type: 't', payload: 1, correlationId: 'c', causationId: 'm-0' });
      span.end();
    });
    await flush();
    const parsed = EventEnvelopeSchema.parse(envelope);
    expect(parsed).toMatchObject({ correlationId: 'c', causationId: 'm-0', subject: 'b', headers: { 'no-message-type': 't' } });
    expect(parsed.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('records latency, totals by kind and outcome, refusals by reason and the queued gauge', async () => {
    const { network } = setup(['a', 'b']);
    network.subscribe('news', () => undefined);
    await network.sendMessage('a', 'b', { type: 't', payload: 1 });
    await network.sendMessage('a', 'b', { type: 't', payload: 2 });
    await network.broadcast('a', { topic: 'news', type: 't', payload: 1 });
    await network.receive('b', { max: 1 });
    await rejection(network.sendMessage('nobody', 'b', { type: 't', payload: 1 }));
    await flush();
    const totals = await telemetry.metric('no_messages_total');
    const count = (kind: string, outcome: string): unknown =>
      totals.find((p) => p.attributes['kind'] === kind && p.attributes['outcome'] === outcome)?.value;
    expect(count('direct', 'delivered')).toBe(1);
    expect(count('broadcast', 'delivered')).toBe(1);
    expect(count('direct', 'refused')).toBe(1);
    expect((await telemetry.metric('no_messages_refused_total'))[0]).toMatchObject({ attributes: { reason: 'policy' }, value: 1 });
    expect(await telemetry.boundaries('no_message_latency_seconds')).toContain(0.001);
    expect((await telemetry.metric('no_messages_queued'))[0]?.value).toBe(1);
    network.close();
  });

  it('ignores a missing or malformed traceparent', () => {
    expect(trace.getSpanContext(contextFromTraceparent(undefined))).toBeUndefined();
    expect(trace.getSpanContext(contextFromTraceparent('00-zz'))).toBeUndefined();
    expect(trace.getSpanContext(contextFromTraceparent(`00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`))).toBeUndefined();
  });
});

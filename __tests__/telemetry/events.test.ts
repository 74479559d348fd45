import { EventEnvelopeSchema, isNoError } from '../../src/contracts/index';
import { activeTraceparent, createEventEnvelope, withSpan } from '../../src/telemetry/index';
import { installTestTelemetry } from '../helpers/otel';

describe('createEventEnvelope', () => {
  it('builds a valid CloudEvents 1.0 envelope with the current package defaults', () => {
    const e = createEventEnvelope('orchestration.task.started', { taskId: 'fetch', attempt: 1 }, { now: () => new Date(0) });
    expect(EventEnvelopeSchema.parse(e)).toEqual(e);
    expect(e).toMatchObject({ specversion: '1.0', source: 'urn:cortex:orchestration', ttlMs: 60000, time: '1970-01-01T00:00:00.000Z', data: { taskId: 'fetch', attempt: 1 } });
    expect(e.traceparent).toBeUndefined();
  });

  it('copies correlation, causation and trace fields when given', () => {
    const e = createEventEnvelope('orchestration.agent.freed', { agentId: 'a' }, {
      source: 'urn:no:test', subject: 's', correlationId: 'c', causationId: 'k', ttlMs: 5, headers: { h: 'v' },
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'x=y', baggage: 'b=1',
    });
    expect(e).toMatchObject({ source: 'urn:no:test', subject: 's', correlationId: 'c', causationId: 'k', ttlMs: 5, headers: { h: 'v' }, tracestate: 'x=y', baggage: 'b=1' });
  });

  it('refuses a payload that does not fit its type, naming the field', () => {
    let caught: unknown;
    try {
      createEventEnvelope('orchestration.task.started', { taskId: 't', attempt: 0 });
    } catch (error) {
      caught = error;
    }
    expect(isNoError(caught, 'INVALID_INPUT')).toBe(true);
    expect((caught as Error).message).toContain('attempt');
  });

  it('carries the active span as a W3C traceparent', async () => {
    const otel = installTestTelemetry();
    try {
      expect(activeTraceparent()).toBeUndefined();
      const e = withSpan('no.outer', {}, () => createEventEnvelope('orchestration.decision.made', { decisionId: 'd', outcome: 'ok' }));
      const span = otel.spans()[0]!;
      expect(e.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    } finally {
      await otel.shutdown();
    }
  });
});

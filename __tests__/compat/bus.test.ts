import { trace } from '@opentelemetry/api';
import { isNoError, type EventEnvelope } from '../../src/contracts/index';
import {
  createInProcessTransport,
  createOrchestrationBus,
  type EnvelopeDrop,
  type OrchestrationEventEnvelope,
  type OrchestrationTransport,
} from '../../src/compat/index';
import { installTestTelemetry } from '../helpers/otel';

const T0 = new Date('2025-01-01T00:00:00.000Z');
const at = (ms: number) => () => new Date(T0.getTime() + ms);

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

function thrownBy(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('createOrchestrationBus: publish', () => {
  it('validates, wraps in a CloudEvents envelope with the default source and ttl, delivers and resolves to it', async () => {
    const bus = createOrchestrationBus();
    const got: OrchestrationEventEnvelope<'orchestration.task.started'>[] = [];
    bus.bind({ 'orchestration.task.started': (e) => void got.push(e) });
    const envelope = await bus.publish('orchestration.task.started', { taskId: 'fetch', attempt: 1 });
    expect(envelope).toMatchObject({
      type: 'orchestration.task.started',
      source: 'urn:cortex:orchestration',
      specversion: '1.0',
      datacontenttype: 'application/json',
      ttlMs: 60_000,
      headers: {},
      data: { taskId: 'fetch', attempt: 1 },
    });
    expect(envelope.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(envelope.time))).toBe(false);
    expect(got).toHaveLength(1);
    expect(got[0]).toEqual(envelope);
    expect(got[0]!.data.taskId).toBe('fetch');
  });

  it('copies correlation, causation, subject, ttl, headers, trace fields, content type and schema', async () => {
    const bus = createOrchestrationBus({ source: 'urn:test:bus', now: at(0) });
    const traceparent = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01';
    const options = {
      correlationId: 'run-1',
      causationId: 'evt-0',
      subject: 'task/t',
      ttlMs: 1000,
      headers: { tenant: 'a' },
      traceparent,
      tracestate: 'k=v',
      baggage: 'user=1',
      datacontenttype: 'application/cloudevents+json',
      dataschema: 'https://example.com/task-completed.json',
    };
    const envelope = await bus.publish('orchestration.task.completed', { taskId: 't', result: { ok: true }, durationMs: 5 }, options);
    expect(envelope).toMatchObject({ source: 'urn:test:bus', time: T0.toISOString(), ...options });
  });

  it('rejects a bad payload with INVALID_INPUT naming the field, and delivers nothing', async () => {
    const bus = createOrchestrationBus();
    const got: unknown[] = [];
    bus.bind({ '*': (e) => void got.push(e) });
    const error = await rejection(bus.publish('orchestration.task.started', { taskId: 'x', attempt: 0 }));
    expect(isNoError(error, 'INVALID_INPUT')).toBe(true);
    expect(error.message).toContain('orchestration.task.started payload');
    expect(error.message).toContain('attempt');
    const missing = await rejection(bus.publish('orchestration.plan.updated', { planId: 'p', changes: [] }));
    expect(missing.message).toContain('changes: a plan update needs at least one change');
    const confidence = await rejection(
      bus.publish('orchestration.decision.made', { decisionId: 'd', outcome: 'ok', confidence: 2 }),
    );
    expect(confidence.details).toEqual({ issues: [expect.objectContaining({ path: 'confidence' })] });
    expect(got).toEqual([]);
  });

  it('rejects bad options naming the field (ttlMs, traceparent, dataschema)', async () => {
    const bus = createOrchestrationBus();
    const ttl = await rejection(bus.publish('orchestration.agent.freed', { agentId: 'a' }, { ttlMs: 0 }));
    expect(isNoError(ttl, 'INVALID_INPUT')).toBe(true);
    expect(ttl.message).toMatch(/ttlMs/);
    const tp = await rejection(bus.publish('orchestration.agent.freed', { agentId: 'a' }, { traceparent: 'nope' }));
    expect(tp.message).toMatch(/traceparent: must be a W3C traceparent/);
    const schema = await rejection(bus.publish('orchestration.agent.freed', { agentId: 'a' }, { dataschema: 'not a url' }));
    expect(schema.message).toMatch(/dataschema/);
    const source = await rejection(createOrchestrationBus({ source: 'no-scheme' }).publish('orchestration.agent.freed', { agentId: 'a' }));
    expect(source.message).toMatch(/source: must be a URI/);
  });

  it('rejects an unknown event type', async () => {
    const bus = createOrchestrationBus();
    const error = await rejection(bus.publish('orchestration.nope' as 'orchestration.task.created', { taskId: 'x', input: 1 }));
    expect(isNoError(error, 'INVALID_INPUT')).toBe(true);
    expect(error.message).toBe("unknown event type 'orchestration.nope'");
  });

  it("accepts nO's own event types too", async () => {
    const bus = createOrchestrationBus();
    const got: string[] = [];
    bus.bind({ 'no.task.compensated': (e) => void got.push(e.data.taskId) });
    await bus.publish('no.task.compensated', { taskId: 'pay', success: true });
    expect(got).toEqual(['pay']);
  });
});

describe('createOrchestrationBus: traceparent', () => {
  const telemetry = installTestTelemetry();
  afterAll(() => telemetry.shutdown());

  it('takes the traceparent from the active span', async () => {
    const bus = createOrchestrationBus();
    const tracer = trace.getTracer('bus-test');
    const { envelope, traceId, spanId } = await tracer.startActiveSpan('publisher', async (span) => {
      const e = await bus.publish('orchestration.task.created', { taskId: 't', input: 'hi' });
      span.end();
      return { envelope: e, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
    });
    expect(envelope.traceparent).toBe(`00-${traceId}-${spanId}-01`);
  });

  it('has no traceparent outside a span, and an explicit one wins inside', async () => {
    const bus = createOrchestrationBus();
    expect((await bus.publish('orchestration.task.created', { taskId: 't', input: 1 })).traceparent).toBeUndefined();
    const explicit = '00-11111111111111111111111111111111-2222222222222222-00';
    const e = await trace.getTracer('bus-test').startActiveSpan('p', async (span) => {
      const out = await bus.publish('orchestration.task.created', { taskId: 't', input: 1 }, { traceparent: explicit });
      span.end();
      return out;
    });
    expect(e.traceparent).toBe(explicit);
  });
});

describe('createOrchestrationBus: publishEnvelope', () => {
  const valid = (over: Record<string, unknown> = {}) => ({
    id: 'evt-1',
    type: 'orchestration.agent.assigned',
    source: 'urn:other:svc',
    specversion: '1.0' as const,
    time: new Date().toISOString(),
    data: { agentId: 'a1', taskId: 't1', capabilities: ['search'] },
    ...over,
  });

  it('validates a full envelope, applies defaults, delivers it and resolves to it', async () => {
    const bus = createOrchestrationBus();
    const got: EventEnvelope[] = [];
    bus.bind({ 'orchestration.agent.assigned': (e) => void got.push(e) });
    const out = await bus.publishEnvelope(valid({ correlationId: 'c', causationId: 'k' }));
    expect(out).toMatchObject({ id: 'evt-1', source: 'urn:other:svc', ttlMs: 60_000, headers: {}, datacontenttype: 'application/json' });
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ id: 'evt-1', correlationId: 'c', causationId: 'k', data: { agentId: 'a1' } });
  });

  it('names the bad payload field under data, and the bad envelope field', async () => {
    const bus = createOrchestrationBus();
    const data = await rejection(bus.publishEnvelope(valid({ data: { agentId: 'a1' } })));
    expect(isNoError(data, 'INVALID_INPUT')).toBe(true);
    expect(data.message).toMatch(/^invalid event envelope: data\.taskId: /);
    const spec = await rejection(bus.publishEnvelope(valid({ specversion: '0.3' })));
    expect(spec.message).toMatch(/specversion/);
    const time = await rejection(bus.publishEnvelope(valid({ time: 'yesterday' })));
    expect(time.message).toMatch(/time/);
    const notObject = await rejection(bus.publishEnvelope(null as never));
    expect(isNoError(notObject, 'INVALID_INPUT')).toBe(true);
  });

  it('passes unknown types through with only the envelope checked; only * handlers see them', async () => {
    const bus = createOrchestrationBus();
    const any: string[] = [];
    bus.bind({ '*': (e) => void any.push(e.type) });
    const out = await bus.publishEnvelope(valid({ type: 'vendor.custom.event', data: { anything: 1 } }));
    expect(out.data).toEqual({ anything: 1 });
    expect(any).toEqual(['vendor.custom.event']);
  });
});

describe('createOrchestrationBus: ttl expiry', () => {
  const envelopeAt = (time: Date, ttlMs: number) => ({
    id: 'e',
    type: 'orchestration.agent.freed',
    source: 'urn:x:y',
    specversion: '1.0' as const,
    time: time.toISOString(),
    ttlMs,
    data: { agentId: 'a' },
  });

  it('drops an envelope whose time + ttl < now at publish, reporting why, and still resolves', async () => {
    const drops: EnvelopeDrop[] = [];
    const transport = { publish: jest.fn(async () => {}), subscribe: jest.fn(() => () => {}) };
    const bus = createOrchestrationBus({ transport, now: at(1500), onDrop: (d) => drops.push(d) });
    const out = await bus.publishEnvelope(envelopeAt(T0, 1000));
    expect(out.id).toBe('e');
    expect(transport.publish).not.toHaveBeenCalled();
    expect(drops).toEqual([{ reason: 'expired', message: 'expired 500 ms ago', envelope: out, stage: 'publish' }]);
  });

  it('keeps an envelope exactly at its expiry (time + ttl == now)', async () => {
    const got: string[] = [];
    const bus = createOrchestrationBus({ now: at(1000) });
    bus.bind({ 'orchestration.agent.freed': (e) => void got.push(e.id) });
    await bus.publishEnvelope(envelopeAt(T0, 1000));
    expect(got).toEqual(['e']);
  });

  it('drops on receipt an envelope that expired in transit', async () => {
    const transport = createInProcessTransport();
    let clock = 0;
    const drops: EnvelopeDrop[] = [];
    const sender = createOrchestrationBus({ transport, now: () => at(clock)() });
    const receiver = createOrchestrationBus({ transport, now: () => at(clock + 5000)(), onDrop: (d) => drops.push(d) });
    const got: unknown[] = [];
    receiver.bind({ 'orchestration.agent.freed': (e) => void got.push(e), '*': (e) => void got.push(e) });
    clock = 0;
    await sender.publish('orchestration.agent.freed', { agentId: 'a' }, { ttlMs: 1000 });
    expect(got).toEqual([]);
    // Once per envelope, however many handlers.
    expect(drops).toEqual([expect.objectContaining({ reason: 'expired', stage: 'receive', message: 'expired 4000 ms ago' })]);
  });

  it('is never expired with the default ttl and clock', async () => {
    const got: string[] = [];
    const bus = createOrchestrationBus();
    bus.bind({ 'orchestration.agent.freed': (e) => void got.push(e.data.agentId) });
    await bus.publish('orchestration.agent.freed', { agentId: 'a' });
    expect(got).toEqual(['a']);
  });
});

describe('createOrchestrationBus: bind', () => {
  it('binds the record form, the array form and *, and unsubscribes (idempotently)', async () => {
    const bus = createOrchestrationBus();
    const log: string[] = [];
    const offRecord = bus.bind({
      'orchestration.plan.created': (e) => void log.push(`record:${e.data.planId}`),
      '*': (e) => void log.push(`any:${e.type}`),
    });
    const offArray = bus.bind([
      { type: 'orchestration.plan.created', handle: (e) => void log.push(`array:${e.data.planId}`) },
      { type: '*', handle: (e) => void log.push(`array-any:${e.type}`) },
    ]);
    await bus.publish('orchestration.plan.created', { planId: 'p1' });
    expect(log.sort()).toEqual(['any:orchestration.plan.created', 'array-any:orchestration.plan.created', 'array:p1', 'record:p1']);
    log.length = 0;
    offRecord();
    offRecord();
    await bus.publish('orchestration.plan.created', { planId: 'p2' });
    expect(log.sort()).toEqual(['array-any:orchestration.plan.created', 'array:p2']);
    log.length = 0;
    offArray();
    await bus.publish('orchestration.plan.created', { planId: 'p3' });
    expect(log).toEqual([]);
  });

  it('delivers only to handlers of the published type', async () => {
    const bus = createOrchestrationBus();
    const log: string[] = [];
    bus.bind({
      'orchestration.task.failed': (e) => void log.push(`failed:${e.data.error}`),
      'orchestration.task.created': () => void log.push('created'),
    });
    await bus.publish('orchestration.task.failed', { taskId: 't', error: 'boom', retryable: true });
    expect(log).toEqual(['failed:boom']);
  });

  it('awaits async handlers before publish resolves', async () => {
    const bus = createOrchestrationBus();
    let done = false;
    bus.bind({
      'orchestration.resource.allocated': async () => {
        await new Promise((r) => setTimeout(r, 10));
        done = true;
      },
    });
    await bus.publish('orchestration.resource.allocated', { resourceId: 'gpu', taskId: 't', amount: 1, unit: 'card' });
    expect(done).toBe(true);
  });

  it('refuses unknown types and non-function handlers', () => {
    const bus = createOrchestrationBus();
    const typo = thrownBy(() => bus.bind({ 'orchestration.task.startd': () => {} } as never));
    expect(typo.code).toBe('INVALID_INPUT');
    expect(typo.message).toContain("unknown event type 'orchestration.task.startd'");
    const notFn = thrownBy(() => bus.bind({ 'orchestration.task.started': 'nope' } as never));
    expect(notFn.message).toContain("the handler of 'orchestration.task.started' must be a function");
    const arr = thrownBy(() => bus.bind([{ type: 42, handle: () => {} }] as never));
    expect(arr.message).toContain('[0]: unknown event type');
    const hole = thrownBy(() => bus.bind([undefined] as never));
    expect(hole.message).toContain('[0]: unknown event type');
  });
});

describe('createOrchestrationBus: handler isolation', () => {
  it('reports a throwing or rejecting handler to onError; the others and the publisher are unaffected', async () => {
    const errors: Array<[string, string]> = [];
    const bus = createOrchestrationBus({ onError: (error, envelope) => errors.push([error.message, envelope.type]) });
    const log: string[] = [];
    bus.bind({
      'orchestration.coordination.started': () => {
        throw new Error('sync boom');
      },
    });
    bus.bind({ 'orchestration.coordination.started': async () => Promise.reject('async boom') });
    bus.bind({ 'orchestration.coordination.started': (e) => void log.push(e.data.runId) });
    const out = await bus.publish('orchestration.coordination.started', { strategy: 'parallel', runId: 'r1', participants: ['a'] });
    expect(out.data.runId).toBe('r1');
    expect(log).toEqual(['r1']);
    expect(errors.sort()).toEqual([
      ['async boom', 'orchestration.coordination.started'],
      ['sync boom', 'orchestration.coordination.started'],
    ]);
  });

  it('ignores handler errors without onError, and survives listeners that throw', async () => {
    const quiet = createOrchestrationBus();
    quiet.bind({ 'orchestration.agent.freed': () => { throw new Error('x'); } });
    await expect(quiet.publish('orchestration.agent.freed', { agentId: 'a' })).resolves.toBeDefined();

    const loud = createOrchestrationBus({
      now: at(10_000),
      onError: () => { throw new Error('listener'); },
      onDrop: () => { throw new Error('listener'); },
    });
    loud.bind({ 'orchestration.agent.freed': () => { throw new Error('x'); } });
    await expect(loud.publish('orchestration.agent.freed', { agentId: 'a' })).resolves.toBeDefined();
    await expect(
      loud.publishEnvelope({ id: 'old', type: 'orchestration.agent.freed', source: 'urn:a:b', specversion: '1.0', time: T0.toISOString(), ttlMs: 1, data: { agentId: 'a' } }),
    ).resolves.toBeDefined();
  });
});

describe('transports', () => {
  it('a custom transport receives every envelope and the bus subscribes per type', async () => {
    const published: EventEnvelope[] = [];
    const subscriptions: string[] = [];
    const unsubscribed: string[] = [];
    const transport: OrchestrationTransport = {
      publish: async (e) => void published.push(e),
      subscribe: (type) => {
        subscriptions.push(type);
        return () => void unsubscribed.push(type);
      },
    };
    const bus = createOrchestrationBus({ transport });
    const off = bus.bind({ 'orchestration.task.created': () => {}, '*': () => {} });
    expect(subscriptions).toEqual(['orchestration.task.created', '*']);
    const envelope = await bus.publish('orchestration.task.created', { taskId: 't', input: [1, 2] }, { correlationId: 'c1' });
    expect(published).toEqual([envelope]);
    off();
    expect(unsubscribed).toEqual(['orchestration.task.created', '*']);
  });

  it('validates what a transport delivers and drops what is invalid', async () => {
    let deliver: ((e: EventEnvelope) => void | Promise<void>) | undefined;
    const transport: OrchestrationTransport = {
      publish: async () => {},
      subscribe: (_type, handler) => {
        deliver = handler;
        return () => {};
      },
    };
    const drops: EnvelopeDrop[] = [];
    const got: unknown[] = [];
    const bus = createOrchestrationBus({ transport, onDrop: (d) => drops.push(d) });
    bus.bind({ '*': (e) => void got.push(e) });
    const bad = { id: 'x', type: 'orchestration.task.started', source: 'urn:a:b', specversion: '1.0', time: new Date().toISOString(), data: {} };
    await deliver!(bad as unknown as EventEnvelope);
    await deliver!({ nonsense: true } as unknown as EventEnvelope);
    await deliver!(null as unknown as EventEnvelope);
    expect(got).toEqual([]);
    expect(drops.map((d) => [d.reason, d.stage])).toEqual([['invalid', 'receive'], ['invalid', 'receive'], ['invalid', 'receive']]);
    expect(drops[2]!.message).toMatch(/^\(envelope\): /);
    expect(drops[0]!.message).toMatch(/^data\.taskId: /);
    expect(drops[0]!.envelope).toBe(bad);
    expect(drops[1]!.message).toMatch(/^id: /);
  });

  it('the in-process transport connects buses that share it, isolates raw subscribers and unsubscribes', async () => {
    const transportErrors: string[] = [];
    const transport = createInProcessTransport({ onError: (e) => transportErrors.push(e.message) });
    const a = createOrchestrationBus({ transport, source: 'urn:bus:a' });
    const b = createOrchestrationBus({ transport });
    const got: string[] = [];
    b.bind({ 'orchestration.decision.made': (e) => void got.push(`${e.source}:${e.data.outcome}`) });
    const raw = jest.fn();
    const offRaw = transport.subscribe('orchestration.decision.made', raw);
    const offRaw2 = transport.subscribe('orchestration.decision.made', raw);
    const offThrow = transport.subscribe('*', () => {
      throw new Error('raw boom');
    });
    await a.publish('orchestration.decision.made', { decisionId: 'd', outcome: 'go', confidence: 0.9 });
    expect(got).toEqual(['urn:bus:a:go']);
    expect(raw).toHaveBeenCalledTimes(2);
    expect(transportErrors).toEqual(['raw boom']);
    offRaw();
    offRaw();
    offRaw2();
    offThrow();
    await a.publish('orchestration.decision.made', { decisionId: 'd2', outcome: 'stop' });
    expect(raw).toHaveBeenCalledTimes(2);
    expect(transportErrors).toHaveLength(1);
  });

  it('an in-process transport error listener that throws is contained', async () => {
    const transport = createInProcessTransport({
      onError: () => {
        throw new Error('listener');
      },
    });
    transport.subscribe('x', () => {
      throw new Error('boom');
    });
    const e = { type: 'x' } as EventEnvelope;
    await expect(transport.publish(e)).resolves.toBeUndefined();
    await expect(createInProcessTransport().publish(e)).resolves.toBeUndefined();
  });
});

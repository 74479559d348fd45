import fc from 'fast-check';
import { z } from 'zod';
import { NoError } from '../../src/contracts/errors.js';
import type { EventEnvelope } from '../../src/contracts/events.js';
import { ToolResultSchema, type ToolResult } from '../../src/contracts/tools.js';
import { createAuditTrail } from '../../src/telemetry/index.js';
import { ToolCallError } from '../../src/tools/errors.js';
import { buildToolLayer, type ToolLayerOptions } from '../../src/tools/layer.js';
import { defineTool, type ToolDefinition } from '../../src/tools/tool.js';
import { captureListenerErrors } from '../helpers/listener-errors.js';
import { installTestTelemetry, type TestTelemetry } from '../helpers/otel.js';

function spyTool(overrides: Partial<ToolDefinition> = {}): ToolDefinition & { calls: unknown[] } {
  const calls: unknown[] = [];
  const tool: ToolDefinition = {
    ...defineTool({
    name: 'echo',
    capability: 'compute',
    description: 'returns its input',
    input: z.object({ text: z.string().max(50), nested: z.object({ n: z.number().int() }).optional() }),
    mutating: true,
    run: async (input) => {
      calls.push(input);
      return { echoed: input.text };
    },
    }),
    ...overrides,
  } as ToolDefinition;
  return Object.assign(tool, { calls });
}

function layerWith(tools: ToolDefinition[], options: ToolLayerOptions = {}) {
  const events: EventEnvelope[] = [];
  const audit = createAuditTrail();
  const layer = buildToolLayer('primitive', tools, { audit, rateLimit: false, onEvent: (e) => events.push(e), ...options });
  return { layer, audit, events };
}

const expectError = (result: ToolResult, code: string): void => {
  expect(ToolResultSchema.parse(result)).toEqual(result);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error.code).toBe(code);
};

describe('security gate refusals', () => {
  it('refuses an unknown tool with TOOL_NOT_FOUND, naming it and the tools there are, and audits the refusal', async () => {
    const tool = spyTool();
    const { layer, audit } = layerWith([tool]);
    const result = await layer.invoke('nope', {}, { caller: 'a1' });
    expectError(result, 'TOOL_NOT_FOUND');
    if (!result.ok) expect(result.error).toMatchObject({ message: expect.stringContaining("unknown tool 'nope'"), details: { tool: 'nope', available: ['echo'] } });
    expect(audit.entries()[0]).toMatchObject({ actor: 'a1', outcome: 'denied', details: { tool: 'nope', stage: 'lookup', errorCode: 'TOOL_NOT_FOUND' } });
    expect(audit.verify().ok).toBe(true);
  });

  it('refuses an empty tool name and still emits a valid event for it', async () => {
    const { layer, events } = layerWith([spyTool()]);
    expectError(await layer.invoke('', {}), 'TOOL_NOT_FOUND');
    expect(events[0]?.data).toMatchObject({ tool: '(empty)', success: false, errorCode: 'TOOL_NOT_FOUND' });
  });

  it('refuses invalid params with the field path in the message, without running the tool', async () => {
    const tool = spyTool();
    const { layer, audit } = layerWith([tool]);
    const result = await layer.invoke('echo', { text: 'hi', nested: { n: 1.5 } }, { caller: 'a1' });
    expectError(result, 'INVALID_INPUT');
    if (!result.ok) expect(result.error.message).toContain('nested.n');
    expect(tool.calls).toHaveLength(0);
    expect(audit.entries()[0]).toMatchObject({ outcome: 'denied', details: { stage: 'schema' } });
  });

  it('refuses a caller a deny rule names even when an allow rule also matches', async () => {
    const tool = spyTool();
    const { layer, audit } = layerWith([tool], {
      policy: { rules: [{ caller: '*', effect: 'allow' }, { caller: 'mallory', tool: 'echo', effect: 'deny' }] },
    });
    expectError(await layer.invoke('echo', { text: 'x' }, { caller: 'mallory' }), 'PERMISSION_DENIED');
    expect(tool.calls).toHaveLength(0);
    expect((await layer.invoke('echo', { text: 'x' }, { caller: 'alice' })).ok).toBe(true);
    expect(audit.entries().map((e) => e.outcome)).toEqual(['denied', 'success']);
  });

  it('refuses params whose serialized size is over the limit, and params that cannot be serialized', async () => {
    const tool = spyTool({ input: z.any() });
    const { layer } = layerWith([tool], { maxInputBytes: 64 });
    const big = await layer.invoke('echo', { text: 'x'.repeat(100) });
    expectError(big, 'INVALID_INPUT');
    if (!big.ok) expect(big.error.details).toMatchObject({ reason: 'too-large', maxInputBytes: 64 });
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expectError(await layer.invoke('echo', circular), 'INVALID_INPUT');
    expectError(await layer.invoke('echo', { n: 10n }), 'INVALID_INPUT');
    expect(tool.calls).toHaveLength(0);
  });

  it('rate-limits per caller and tool with a retryable error and a retry-after, then refills as time passes', async () => {
    let now = 1_000_000;
    const tool = spyTool();
    const { layer } = layerWith([tool], { rateLimit: { capacity: 2, refillPerSecond: 1 }, now: () => now });
    expect((await layer.invoke('echo', { text: 'a' }, { caller: 'a1' })).ok).toBe(true);
    expect((await layer.invoke('echo', { text: 'a' }, { caller: 'a1' })).ok).toBe(true);
    const limited = await layer.invoke('echo', { text: 'a' }, { caller: 'a1' });
    expectError(limited, 'RATE_LIMITED');
    if (!limited.ok) {
      expect(limited.error.retryable).toBe(true);
      expect(limited.error.details).toEqual({ retryAfterMs: 1000 });
    }
    expect((await layer.invoke('echo', { text: 'a' }, { caller: 'a2' })).ok).toBe(true);
    now += 1000;
    expect((await layer.invoke('echo', { text: 'a' }, { caller: 'a1' })).ok).toBe(true);
    expect(tool.calls).toHaveLength(4);
  });

  it('refuses a call whose signal is already aborted', async () => {
    const tool = spyTool();
    const { layer } = layerWith([tool]);
    const controller = new AbortController();
    controller.abort();
    const result = await layer.invoke('echo', { text: 'a' }, { signal: controller.signal });
    expectError(result, 'INTERNAL_ERROR');
    expect(tool.calls).toHaveLength(0);
  });

  it('stops a tool chain that calls itself deeper than the limit', async () => {
    let depth = 0;
    const loop = defineTool({
      name: 'loop',
      capability: 'compute',
      description: 'calls itself',
      input: z.object({}),
      mutating: false,
      run: async (_input, ctx) => {
        depth++;
        return ctx.invoke('loop', {});
      },
    });
    const { layer, audit } = layerWith([loop], { maxChainDepth: 3 });
    const result = await layer.invoke('loop', {});
    expect(result.ok).toBe(true);
    expect(depth).toBe(4);
    expect(audit.entries().some((e) => e.details['stage'] === 'chain-depth')).toBe(true);
  });
});

describe('security gate: running tools', () => {
  it('runs an allowed call and returns its data with the tool, the layer and the result type', async () => {
    const tool = spyTool({ resultType: 'echo' });
    const { layer, audit, events } = layerWith([tool]);
    const result = await layer.invoke('echo', { text: 'hi', token: 'ignored' } as unknown, { caller: 'a1' });
    expect(result).toMatchObject({ ok: true, tool: 'echo', layer: 'primitive', type: 'echo', data: { echoed: 'hi' } });
    expect(audit.entries()[0]).toMatchObject({ outcome: 'success', details: { layer: 'primitive', tool: 'echo', capability: 'compute', success: true } });
    expect(events[0]).toMatchObject({ type: 'no.tool.layer.invoked', data: { layer: 'primitive', tool: 'echo', caller: 'a1', success: true } });
  });

  it('redacts secrets in the params it audits and records only the size of large params', async () => {
    const tool = spyTool({ input: z.any() });
    const { layer, audit } = layerWith([tool]);
    await layer.invoke('echo', { text: 'a', apiKey: 'sk-123' });
    await layer.invoke('echo', { text: 'y'.repeat(5000) });
    const [small, large] = audit.entries();
    expect(small?.details['params']).toEqual({ text: 'a', apiKey: '[REDACTED]' });
    expect(large?.details['params']).toBeUndefined();
    expect(large?.details['paramsBytes']).toBeGreaterThan(5000);
  });

  it.each([
    { label: 'a plain Error', thrown: new Error('boom'), code: 'INTERNAL_ERROR' },
    { label: 'a thrown string', thrown: 'boom', code: 'INTERNAL_ERROR' },
    { label: 'a ToolCallError', thrown: new ToolCallError('TASK_NOT_FOUND', 'no task t1'), code: 'TASK_NOT_FOUND' },
    { label: 'a NoError with a tool code', thrown: new NoError('PERMISSION_DENIED', 'no'), code: 'PERMISSION_DENIED' },
    { label: 'a NoError RATE_LIMITED', thrown: new NoError('RATE_LIMITED', 'slow down'), code: 'RATE_LIMITED' },
    { label: 'a bad-input NoError', thrown: new NoError('CYCLE_DETECTED', 'cycle'), code: 'INVALID_INPUT' },
    { label: 'another NoError', thrown: new NoError('MAILBOX_FULL', 'full'), code: 'INTERNAL_ERROR' },
    { label: 'an object with a tool code', thrown: { code: 'WORKFLOW_NOT_FOUND', message: 'gone' }, code: 'WORKFLOW_NOT_FOUND' },
    { label: 'an object without one', thrown: { code: 'EWHAT' }, code: 'INTERNAL_ERROR' },
  ])('turns $label thrown by a tool into a typed $code result and audits a failure', async ({ thrown, code }) => {
    const tool = spyTool({ run: async () => Promise.reject(thrown) });
    const { layer, audit, events } = layerWith([tool]);
    const result = await layer.invoke('echo', { text: 'x' });
    expectError(result, code);
    expect(audit.entries()[0]).toMatchObject({ outcome: 'failure', details: { stage: 'run', errorCode: code } });
    expect(events[0]?.data).toMatchObject({ success: false, errorCode: code });
  });

  it('times out a slow tool with the tool timeout, aborts its signal, and reports a retryable error', async () => {
    let aborted = false;
    const tool = spyTool({
      timeoutMs: 20,
      run: (_input, ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            resolve('late');
          });
        }),
    });
    const { layer } = layerWith([tool], { timeoutMs: 60_000 });
    const result = await layer.invoke('echo', { text: 'x' });
    expectError(result, 'INTERNAL_ERROR');
    if (!result.ok) expect(result.error).toMatchObject({ retryable: true, details: { reason: 'timeout', timeoutMs: 20 } });
    expect(aborted).toBe(true);
  });

  it('uses the layer timeout when the tool has none, and a caller abort ends the call', async () => {
    const slow = spyTool({ run: (_i, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stopped')))) });
    const { layer } = layerWith([slow], { timeoutMs: 15 });
    const timedOut = await layer.invoke('echo', { text: 'x' });
    if (!timedOut.ok) expect(timedOut.error.details).toMatchObject({ timeoutMs: 15 });
    const { layer: patient } = layerWith([spyTool({ run: slow.run })], { timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = patient.invoke('echo', { text: 'x' }, { signal: controller.signal });
    controller.abort();
    const result = await pending;
    expectError(result, 'INTERNAL_ERROR');
    if (!result.ok) expect(result.error).toMatchObject({ retryable: false, details: { reason: 'aborted' } });
  });

  it('lets a tool call another tool of its layer through the gate, as the same caller', async () => {
    const inner = spyTool();
    const outer = defineTool({
      name: 'outer',
      capability: 'composition',
      description: 'calls echo',
      input: z.object({}),
      mutating: false,
      run: async (_input, ctx) => ctx.invoke('echo', { text: ctx.caller }),
    });
    const { layer, audit } = layerWith([inner, outer], { policy: { rules: [{ caller: 'bob', tool: 'echo', effect: 'deny' }] } });
    const ok = await layer.invoke('outer', {}, { caller: 'alice' });
    expect(ok).toMatchObject({ ok: true, data: { ok: true, data: { echoed: 'alice' } } });
    const denied = await layer.invoke('outer', {}, { caller: 'bob' });
    expect(denied).toMatchObject({ ok: true, data: { ok: false, error: { code: 'PERMISSION_DENIED' } } });
    expect(inner.calls).toHaveLength(1);
    expect(audit.entries().filter((e) => e.details['depth'] === 1)).toHaveLength(2);
  });

  it('keeps working when an event listener throws, and stops emitting after unsubscribe', async () => {
    const errors = captureListenerErrors();
    const { layer } = layerWith([spyTool()]);
    const seen: string[] = [];
    const bug = new Error('listener bug');
    const off = layer.onEvent((e) => {
      seen.push(e.type);
      throw bug;
    });
    expect((await layer.invoke('echo', { text: 'x' })).ok).toBe(true);
    off();
    await layer.invoke('echo', { text: 'x' });
    expect(seen).toEqual(['no.tool.layer.invoked']);
    expect(await errors.settled()).toEqual([bug]);
  });

  it('names the anonymous caller when none or an empty one is given', async () => {
    const { layer, audit } = layerWith([spyTool()]);
    await layer.invoke('echo', { text: 'x' });
    await layer.invoke('echo', { text: 'x' }, { caller: '' });
    expect(audit.entries().map((e) => e.actor)).toEqual(['anonymous', 'anonymous']);
  });
});

describe('security gate telemetry', () => {
  let telemetry: TestTelemetry;
  beforeAll(() => {
    telemetry = installTestTelemetry();
  });
  afterAll(() => telemetry.shutdown());

  it('opens a no.tool.invoke span and counts no_tool_layer_invocations_total per layer, tool and success', async () => {
    const { layer } = layerWith([spyTool()]);
    await layer.invoke('echo', { text: 'x' }, { caller: 'a1' });
    await layer.invoke('echo', { text: 1 }, { caller: 'a1' });
    const spans = telemetry.spans().filter((s) => s.name === 'no.tool.invoke');
    expect(spans.map((s) => s.attributes)).toEqual([
      { 'no.tool.layer': 'primitive', 'no.tool.name': 'echo', 'no.tool.caller': 'a1', success: true },
      { 'no.tool.layer': 'primitive', 'no.tool.name': 'echo', 'no.tool.caller': 'a1', success: false },
    ]);
    expect(spans[1]?.status.code).toBe(2);
    const points = await telemetry.metric('no_tool_layer_invocations_total');
    expect(points).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ attributes: { layer: 'primitive', tool_name: 'echo', success: 'true' }, value: 1 }),
        expect.objectContaining({ attributes: { layer: 'primitive', tool_name: 'echo', success: 'false' }, value: 1 }),
      ]),
    );
  });
});

describe('security gate properties', () => {
  const callers = ['alice', 'bob', 'carol'];
  const ruleArb = fc.record({
    caller: fc.constantFrom('*', ...callers),
    tool: fc.option(fc.constantFrom('*', 'echo', 'other'), { nil: undefined }),
    capability: fc.option(fc.constantFrom('*', 'compute', 'memory'), { nil: undefined }),
    effect: fc.constantFrom('allow' as const, 'deny' as const),
  });

  it('never runs the tool for a refused call, and the audit chain stays intact', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(ruleArb, { maxLength: 5 }),
        fc.array(fc.record({ caller: fc.constantFrom(...callers), params: fc.oneof(fc.record({ text: fc.string({ maxLength: 60 }) }), fc.anything()) }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (rules, calls) => {
          const tool = spyTool();
          const { layer, audit } = layerWith([tool], { policy: { rules } });
          for (const call of calls) {
            const before = tool.calls.length;
            const result = await layer.invoke('echo', call.params, { caller: call.caller });
            const refused = audit.entries().at(-1)?.outcome === 'denied';
            expect(refused).toBe(!result.ok);
            if (refused) expect(tool.calls.length).toBe(before);
            const denied = rules.some(
              (r) => r.effect === 'deny' && (r.caller === '*' || r.caller === call.caller) && [undefined, '*', 'echo'].includes(r.tool) && [undefined, '*', 'compute'].includes(r.capability),
            );
            if (denied) expect(result.ok ? 'ok' : result.error.code).toBe('PERMISSION_DENIED');
          }
          expect(audit.entries()).toHaveLength(calls.length);
          expect(audit.verify()).toEqual({ ok: true, entries: calls.length });
        },
      ),
      { numRuns: 150 },
    );
  });
});

import { SpanStatusCode, trace, context, metrics } from '@opentelemetry/api';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { AIMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import type { BaseMessage } from '@langchain/core/messages';
import { GENAI_ATTRIBUTES, SPAN_NAMES, withSpan } from '../../src/telemetry/index';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createToolLayer } from '../../src/tools/create-layer';
import type { AgentDefinition, RunnableLike } from '../../src/loop/index';
import { installTestTelemetry, type TestTelemetry } from '../helpers/otel';
import { loopWith, request, thread } from '../loop/helpers';

/** A fake chat model that reports usage the standard way (usage_metadata) or the OpenAI way (llmOutput). */
class UsageReportingModel extends FakeListChatModel {
  constructor(private readonly style: 'usage_metadata' | 'llmOutput') {
    super({ responses: ['first answer', 'second answer'] });
  }
  override async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    const result = await super._generate(messages, options);
    const text = String(result.generations[0]!.message.content);
    if (this.style === 'llmOutput') return { generations: [{ text, message: new AIMessage(text) }], llmOutput: { tokenUsage: { promptTokens: 11, completionTokens: 4, totalTokens: 15 } } };
    const message = new AIMessage({ content: text, usage_metadata: { input_tokens: 7, output_tokens: 3, total_tokens: 10 }, response_metadata: { model_name: 'fake-model-1' } });
    return { generations: [{ text, message }] };
  }
}

describe('GenAI semantic conventions', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = installTestTelemetry();
  });
  afterEach(() => otel.shutdown());

  it('records an agent attempt on a chat model as an invoke_agent span with its token usage, under the coordination span', async () => {
    const model = new UsageReportingModel('usage_metadata');
    const { loop } = loopWith([{ id: 'writer', capabilities: ['write'], run: model }]);
    const out = await loop.invoke(request([{ id: 'a', capability: 'write', input: 'hello' }]), thread());
    expect(out.status).toBe('completed');
    const span = otel.spans().find((s) => s.name === 'invoke_agent writer')!;
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'writer',
      'gen_ai.agent.id': 'writer',
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.model': 'fake-model-1',
      'no.task.id': 'a',
      'no.task.attempt': 1,
      'no.task.capability': 'write',
    });
    const coordination = otel.spans().find((s) => s.name === SPAN_NAMES.coordinationExecute)!;
    expect(span.parentSpanContext?.spanId).toBe(coordination.spanContext().spanId);
    expect(span.status.code).toBe(SpanStatusCode.OK);
  });

  it('adds up the usage of every model call in one attempt, also from a provider\'s llmOutput.tokenUsage', async () => {
    const model = new UsageReportingModel('llmOutput');
    const twice: RunnableLike = {
      invoke: async (input, config) => {
        await model.invoke(String(input), config);
        return model.invoke('again', config);
      },
    };
    const { loop } = loopWith([{ id: 'chain', capabilities: ['write'], run: twice }]);
    await loop.invoke(request([{ id: 'a', capability: 'write', input: 'hi' }]), thread());
    const span = otel.spans().find((s) => s.name === 'invoke_agent chain')!;
    expect([span.attributes[GENAI_ATTRIBUTES.inputTokens], span.attributes[GENAI_ATTRIBUTES.outputTokens]]).toEqual([22, 8]);
  });

  it('gives every attempt its own span; a failed one has an ERROR status and error.type, a function agent has no token counts', async () => {
    let failures = 1;
    const agent: AgentDefinition = { id: 'fn', capabilities: ['work'], run: async () => { if (failures-- > 0) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' }); return 1; } };
    const { loop } = loopWith([agent]);
    await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    const spans = otel.spans().filter((s) => s.name === 'invoke_agent fn');
    expect(spans.map((s) => [s.attributes['no.task.attempt'], s.status.code, s.attributes['error.type']])).toEqual([
      [1, SpanStatusCode.ERROR, 'ECONNRESET'],
      [2, SpanStatusCode.OK, undefined],
    ]);
    expect(spans[1]!.attributes[GENAI_ATTRIBUTES.inputTokens]).toBeUndefined();
  });

  it('records a tool call as an execute_tool span inside the gate\'s no.tool.invoke span', async () => {
    const layer = createToolLayer('primitive');
    const result = await layer.invoke('hash', { algorithm: 'sha256', text: 'x' }, { caller: 'agent-1' });
    const gateSpan = otel.spans().find((s) => s.name === SPAN_NAMES.toolInvoke)!;
    const tool = otel.spans().find((s) => s.name === 'execute_tool hash');
    expect(result).toMatchObject({ ok: true });
    expect(tool?.attributes).toEqual({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'hash', 'gen_ai.tool.type': 'function', 'gen_ai.agent.id': 'agent-1' });
    expect(tool?.parentSpanContext?.spanId).toBe(gateSpan.spanContext().spanId);
    // A call refused by the gate never ran the tool: no execute_tool span.
    await layer.invoke('no-such-tool', {}, { caller: 'agent-1' });
    expect(otel.spans().filter((s) => s.name.startsWith('execute_tool'))).toHaveLength(1);
  });
});

describe('without an OpenTelemetry SDK', () => {
  it('attaches no callback handler to a runnable agent', async () => {
    trace.disable();
    context.disable();
    metrics.disable();
    let callbacks: unknown = 'not called';
    const spy: RunnableLike = { invoke: async (_input, config) => { callbacks = config?.['callbacks']; return 1; } };
    const { loop } = loopWith([{ id: 's', capabilities: ['work'], run: spy }]);
    await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    expect(callbacks).toBeUndefined();
  });

  it('runs a span\'s function outside any context when no SDK is there, and keeps a sampled-out span active for its children', async () => {
    trace.disable();
    context.disable();
    expect(withSpan('x', {}, () => trace.getActiveSpan())).toBeUndefined();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler: new AlwaysOffSampler() }));
    try {
      const inner = await withSpan('sampled-out', {}, async (span) => {
        await Promise.resolve();
        return { active: trace.getActiveSpan(), span };
      });
      expect(inner.active).toBe(inner.span);
      expect(inner.span.isRecording()).toBe(false);
      expect(trace.isSpanContextValid(inner.span.spanContext())).toBe(true);
    } finally {
      trace.disable();
      context.disable();
    }
  });
});

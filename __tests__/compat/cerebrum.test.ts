import { InMemoryStore, MemorySaver } from '@langchain/langgraph';
import { SpanStatusCode } from '@opentelemetry/api';
import { EventEnvelopeSchema, isNoError, ORCHESTRATION_EVENT_SCHEMAS, type EventEnvelope } from '../../src/contracts/index';
import {
  CEREBRUM_NODES,
  CerebrumAnnotation,
  cerebrumSpanName,
  createCerebrumGraph,
  createCerebrumGraphBuilder,
} from '../../src/compat/index';
import { captureListenerErrors } from '../helpers/listener-errors';
import { installTestTelemetry, type TestTelemetry } from '../helpers/otel';

const offline = { providers: { mlx: false, ollama: false, openai: false, anthropic: false } } as const;
const edgesOf = (graph: { getGraph(): { edges: Array<{ source: string; target: string }> } }) =>
  graph.getGraph().edges.map((e) => `${e.source}->${e.target}`).sort();
const LINE = ['__start__->guard', 'guard->selectModel', 'selectModel->chat', 'chat->echo', 'echo->__end__'];

describe('createCerebrumGraph', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = installTestTelemetry();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  it('resolves invoke({ input }) to a state whose output is set', async () => {
    const out = await createCerebrumGraph(offline).invoke({ input: 'hello' });
    expect(out).toEqual({
      input: 'hello',
      output: 'hello',
      selectedModel: { provider: 'unknown', model: 'none', fallbackReason: expect.stringContaining('no provider available') },
      violations: [],
    });
  });

  it('has the state fields of the current package', () => {
    expect(Object.keys(CerebrumAnnotation.spec)).toEqual(['input', 'output', 'task', 'selectedModel', 'violations']);
  });

  it('keeps the last write of output and task, and appends violations across runs of a thread', async () => {
    const graph = createCerebrumGraph({ ...offline, checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: 't-state' } };
    const first = await graph.invoke({ input: 'one', output: 'stale', task: 'summarise', violations: ['a'] }, config);
    expect(first).toMatchObject({ output: 'one', task: 'summarise', violations: ['a'] });
    const second = await graph.invoke({ input: 'two', task: 'translate', violations: ['b'] }, config);
    expect(second).toMatchObject({ input: 'two', output: 'two', task: 'translate', violations: ['a', 'b'] });
    expect((await graph.getState(config)).values).toMatchObject({ output: 'two', violations: ['a', 'b'] });
  });

  it('runs START -> guard -> selectModel -> chat -> echo -> END, one node at a time', async () => {
    const graph = createCerebrumGraph(offline);
    expect(edgesOf(graph)).toEqual([...LINE].sort());
    const order: string[] = [];
    for await (const update of await graph.stream({ input: 'x' }, { streamMode: 'updates' })) order.push(...Object.keys(update));
    expect(order).toEqual([...CEREBRUM_NODES]);
  });

  it('records the selected model, falling back MLX -> Ollama -> hosted API', async () => {
    const pick = async (providers: Record<string, boolean>) =>
      (await createCerebrumGraph({ env: {}, providers }).invoke({ input: 'x' })).selectedModel;
    expect(await pick({ mlx: true })).toEqual({ provider: 'mlx', model: expect.any(String) });
    expect(await pick({ ollama: true })).toMatchObject({ provider: 'ollama', fallbackReason: expect.stringContaining('mlx') });
    expect(await pick({ anthropic: true })).toMatchObject({ provider: 'anthropic' });
    expect(await pick({})).toMatchObject({ provider: 'unknown' });
  });

  it('makes no network call to choose a model', async () => {
    const fetchSpy = jest.spyOn(globalThis, 'fetch');
    try {
      await createCerebrumGraph().invoke({ input: 'x' });
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it('refuses to run with a persona that does not name WCAG 2.2 AA and OWASP, with a typed error', async () => {
    const events: EventEnvelope[] = [];
    const graph = createCerebrumGraph({ ...offline, persona: 'You are a helpful assistant.', onEvent: (e) => events.push(e) });
    const error = await graph.invoke({ input: 'x' }).then(() => undefined, (caught: unknown) => caught);
    expect(isNoError(error, 'INVALID_INPUT')).toBe(true);
    expect((error as { details: unknown }).details).toMatchObject({ violations: ['WCAG 2.2 AA', 'OWASP ASVS', 'OWASP LLM Top-10'] });
    // The refusal is an event and an ERROR span; no later node ran.
    expect(events.map((e) => [e.subject, (e.data as { outcome: string }).outcome])).toEqual([['cerebrum.guard', 'denied']]);
    const spans = otel.spans();
    expect(spans.map((s) => s.name)).toEqual(['cerebrum.guard']);
    expect(spans[0]!.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('passes a custom persona that meets the policy', async () => {
    const persona = 'Answer tersely. Meet WCAG 2.2 AA. Follow OWASP ASVS and the OWASP LLM Top 10.';
    await expect(createCerebrumGraph({ ...offline, persona }).invoke({ input: 'ok' })).resolves.toMatchObject({ output: 'ok' });
  });

  it('publishes a valid orchestration.decision.made envelope for each node, to the listener and the custom stream', async () => {
    const heard: EventEnvelope[] = [];
    const graph = createCerebrumGraph({ env: {}, providers: { ollama: true }, onEvent: (e) => heard.push(e) });
    const streamed: EventEnvelope[] = [];
    for await (const chunk of await graph.stream({ input: 'hi there' }, { streamMode: 'custom' })) streamed.push(chunk as EventEnvelope);

    expect(streamed.map((e) => e.id)).toEqual(heard.map((e) => e.id));
    expect(heard.map((e) => e.subject)).toEqual(CEREBRUM_NODES.map(cerebrumSpanName));
    expect(heard.map((e) => (e.data as { outcome: string }).outcome)).toEqual(['allowed', 'ollama:llama3.1:8b', 'responded', 'echoed']);
    const spans = otel.spans();
    for (const [i, event] of heard.entries()) {
      expect(EventEnvelopeSchema.parse(event)).toBeTruthy();
      expect(event).toMatchObject({ type: 'orchestration.decision.made', source: 'urn:cortex:orchestration', specversion: '1.0' });
      const data = ORCHESTRATION_EVENT_SCHEMAS['orchestration.decision.made'].parse(event.data);
      expect(data.decisionId).toMatch(new RegExp(`^cerebrum\\.${CEREBRUM_NODES[i]}:`));
      expect(data.metadata).toMatchObject({ node: CEREBRUM_NODES[i] });
      // Each event is published inside its node's span, so it carries that span's trace context.
      const span = spans.find((s) => s.name === event.subject)!;
      expect(event.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    }
    expect(heard[1]!.data).toMatchObject({ metadata: { provider: 'ollama', fallbackReason: 'mlx unavailable (MLX_MODEL not set)' } });
    expect(new Set(heard.map((e) => e.id)).size).toBe(4);
  });

  it('opens one span per node with its name and attributes', async () => {
    await createCerebrumGraph({ env: {}, providers: { openai: true }, models: { openai: 'gpt-test' } }).invoke({ input: 'x' });
    const spans = otel.spans();
    expect(spans.map((s) => s.name)).toEqual(['cerebrum.guard', 'cerebrum.selectModel', 'cerebrum.chat', 'cerebrum.echo']);
    for (const span of spans) expect(span.status.code).toBe(SpanStatusCode.OK);
    expect(spans.map((s) => s.attributes['cerebrum.node'])).toEqual([...CEREBRUM_NODES]);
    expect(spans[1]!.attributes).toMatchObject({ 'cerebrum.model.provider': 'openai', 'cerebrum.model.name': 'gpt-test' });
  });

  it('correlates events by thread and uses the given event source', async () => {
    const heard: EventEnvelope[] = [];
    const graph = createCerebrumGraph({ ...offline, checkpointer: new MemorySaver(), store: new InMemoryStore(), eventSource: 'urn:test:cerebrum', onEvent: (e) => heard.push(e) });
    await graph.invoke({ input: 'x' }, { configurable: { thread_id: 'thread-7' } });
    expect(heard).toHaveLength(4);
    for (const e of heard) expect(e).toMatchObject({ correlationId: 'thread-7', source: 'urn:test:cerebrum' });
  });

  it('keeps running when the event listener throws, and reports each error by the listener rule', async () => {
    const errors = captureListenerErrors();
    const down = new Error('listener down');
    const graph = createCerebrumGraph({ ...offline, onEvent: () => { throw down; } });
    await expect(graph.invoke({ input: 'still works' })).resolves.toMatchObject({ output: 'still works' });
    expect(await errors.settled()).toEqual([down, down, down, down]);
  });
});

describe('createCerebrumGraphBuilder', () => {
  it('returns an uncompiled builder with the same line', () => {
    const builder = createCerebrumGraphBuilder();
    expect(typeof builder.compile).toBe('function');
    expect(Object.keys(builder.nodes)).toEqual([...CEREBRUM_NODES]);
    expect(edgesOf(builder.compile())).toEqual([...LINE].sort());
  });

  it('echoes the input when a node put after chat leaves no output', async () => {
    const builder = createCerebrumGraphBuilder({ ...offline });
    builder.edges.forEach((edge) => { if (edge[0] === 'chat') builder.edges.delete(edge); });
    const graph = builder.addNode('forget', () => ({ output: undefined })).addEdge('chat', 'forget').addEdge('forget', 'echo').compile();
    const seen: Array<string | undefined> = [];
    for await (const update of await graph.stream({ input: 'kept' }, { streamMode: 'updates' })) {
      if ('forget' in update) seen.push(update.forget?.output);
      if ('echo' in update) seen.push(update.echo?.output);
    }
    expect(seen).toEqual([undefined, 'kept']);
  });
});

import { MemorySaver } from '@langchain/langgraph';
import { isNoError, type EventEnvelope } from '../../src/contracts/index';
import { createCerebrumGraphBuilder, type CerebrumState } from '../../src/compat/index';
import { addMasterLoop, type AgentDefinition, type MasterLoopState } from '../../src/loop/index';

const offline = { providers: { mlx: false, ollama: false, openai: false, anthropic: false } } as const;

/** Splits the input into lines, counts each line's words in parallel, then sums them. */
function toRequest(state: CerebrumState) {
  const lines = state.input.split('\n');
  const counts = lines.map((line, i) => ({ id: `count-${i}`, capability: 'count', input: line }));
  return { tasks: [...counts, { id: 'total', capability: 'sum', dependsOn: counts.map((t) => t.id) }], strategy: 'parallel' as const };
}

function fromResult(run: MasterLoopState, state: CerebrumState): Partial<CerebrumState> {
  if (run.status !== 'completed') return { output: `failed: ${run.errors.map((e) => e.message).join('; ')}`, violations: ['analysis failed'] };
  return { output: `${state.input.split('\n').length} lines, ${String(run.results['total'])} words` };
}

function agents(log: string[], running = { now: 0, max: 0 }): AgentDefinition[] {
  return [
    {
      id: 'counter',
      capabilities: ['count'],
      maxConcurrency: 4,
      run: async (input) => {
        running.max = Math.max(running.max, ++running.now);
        await new Promise((resolve) => setTimeout(resolve, 15));
        running.now -= 1;
        log.push(`count:${String(input)}`);
        return String(input).split(/\s+/).filter(Boolean).length;
      },
    },
    {
      id: 'adder',
      capabilities: ['sum'],
      run: (_input, ctx) => {
        log.push('sum');
        return Object.values(ctx.dependencies).reduce((a: number, b) => a + (b as number), 0);
      },
    },
  ];
}

function upgraded(options: { log?: string[]; events?: EventEnvelope[]; persona?: string; agents?: AgentDefinition[] } = {}) {
  const log = options.log ?? [];
  const builder = createCerebrumGraphBuilder({
    ...offline,
    gapAfter: 'chat',
    ...(options.persona ? { persona: options.persona } : {}),
    ...(options.events ? { onEvent: (e: EventEnvelope) => options.events!.push(e) } : {}),
  });
  const nodesBefore = { ...builder.nodes };
  const withLoop = addMasterLoop(builder, {
    agents: options.agents ?? agents(log),
    after: 'chat',
    then: 'echo',
    retries: 0,
    maxRounds: 1,
    toRequest,
    fromResult,
    ...(options.events ? { onEvent: (e: EventEnvelope) => options.events!.push(e) } : {}),
  });
  return { builder: withLoop, nodesBefore };
}

const INPUT = 'the quick brown fox\njumps over\nthe lazy dog today';

describe('upgrading the current graph with addMasterLoop', () => {
  it('runs the loop between chat and echo, and the output comes from the loop', async () => {
    const log: string[] = [];
    const running = { now: 0, max: 0 };
    const { builder } = upgraded({ log, agents: agents(log, running) });
    const graph = builder.compile();
    const order: string[] = [];
    let last: Record<string, unknown> = {};
    for await (const [namespace, mode, chunk] of await graph.stream({ input: INPUT }, { streamMode: ['updates', 'values'], subgraphs: true })) {
      const inLoop = namespace.length > 0;
      if (mode === 'updates') order.push(...Object.keys(chunk).filter((k) => k !== 'no.task').map((k) => (inLoop ? `loop/${k}` : k)));
      else if (!inLoop) last = chunk as Record<string, unknown>;
    }
    expect(order).toEqual(['guard', 'selectModel', 'chat', 'loop/scheduler', 'loop/coordinator', 'loop/recovery', 'masterLoop', 'echo']);
    expect(last).toEqual({ input: INPUT, output: '3 lines, 10 words', selectedModel: expect.any(Object), violations: [] });
    // The three counts ran at once; the sum ran after all of them.
    expect(running.max).toBe(3);
    expect(log.indexOf('sum')).toBe(3);
  });

  it('keeps the graph own nodes and state: invoke returns the current package state, now with the report', async () => {
    const { builder, nodesBefore } = upgraded();
    for (const name of ['guard', 'selectModel', 'chat', 'echo'] as const) expect(builder.nodes[name]).toBe(nodesBefore[name]);
    const out = await builder.compile().invoke({ input: INPUT, task: 'count words' });
    expect(out).toMatchObject({ input: INPUT, task: 'count words', output: '3 lines, 10 words', selectedModel: { provider: 'unknown' }, violations: [] });
  });

  it('streams the graph decisions and the loop events in the order they happen', async () => {
    const events: EventEnvelope[] = [];
    const graph = upgraded({ events }).builder.compile();
    const streamed: EventEnvelope[] = [];
    for await (const chunk of await graph.stream({ input: INPUT }, { streamMode: 'custom' })) streamed.push(chunk as EventEnvelope);
    expect(streamed.map((e) => e.id)).toEqual(events.map((e) => e.id));
    const at = (pred: (e: EventEnvelope) => boolean) => events.findIndex(pred);
    const chat = at((e) => e.subject === 'cerebrum.chat');
    const planned = at((e) => e.type === 'orchestration.plan.created');
    const done = at((e) => e.type === 'no.run.completed');
    const echo = at((e) => e.subject === 'cerebrum.echo');
    expect(chat).toBeGreaterThanOrEqual(0);
    expect([chat < planned, planned < done, done < echo]).toEqual([true, true, true]);
    expect(events.filter((e) => e.type === 'orchestration.task.completed')).toHaveLength(4);
  });

  it('checkpoints the graph fields, and the loop in its own namespace', async () => {
    const saver = new MemorySaver();
    const graph = upgraded().builder.compile({ checkpointer: saver });
    const config = { configurable: { thread_id: 'upgrade-1' } };
    await graph.invoke({ input: INPUT }, config);
    const { values } = await graph.getState(config);
    expect(Object.keys(values).sort()).toEqual(['input', 'output', 'selectedModel', 'violations']);
    const namespaces = new Set<string>();
    for await (const saved of saver.list({ configurable: { thread_id: 'upgrade-1' } })) namespaces.add(String(saved.config.configurable?.['checkpoint_ns']));
    expect([...namespaces].some((ns) => ns.startsWith('masterLoop:'))).toBe(true);
  });

  it('lets fromResult report a failed run onto the graph state', async () => {
    const broken: AgentDefinition[] = [
      { id: 'counter', capabilities: ['count'], run: () => { throw new Error('counter crashed'); } },
      { id: 'adder', capabilities: ['sum'], run: () => 0 },
    ];
    const out = await upgraded({ agents: broken }).builder.compile().invoke({ input: 'one line' });
    expect(out.output).toMatch(/^failed: .*counter crashed/);
    expect(out.violations).toEqual(['analysis failed']);
  });

  it('still refuses a bad persona before any agent runs', async () => {
    const log: string[] = [];
    const graph = upgraded({ log, persona: 'Be nice.' }).builder.compile();
    const error = await graph.invoke({ input: INPUT }).then(() => undefined, (caught: unknown) => caught);
    expect(isNoError(error, 'INVALID_INPUT')).toBe(true);
    expect(log).toEqual([]);
  });
});

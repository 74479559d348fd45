import { Annotation, END, MemorySaver, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import type { EventEnvelope, EventPayload } from '../../src/contracts/index';
import { addMasterLoop, AGENT_NAMESPACE, createMasterAgentLoop, type AgentDefinition, type RunnableLike } from '../../src/loop/index';
import { loopWith, request, thread } from './helpers';

type Step = EventPayload<'no.agent.step'>;

const Doc = Annotation.Root({
  text: Annotation<string>(),
  // An append reducer: an attempt that started on another attempt's state shows it as repeated entries.
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
type DocState = typeof Doc.State;
type NodeFn = (state: DocState, config: LangGraphRunnableConfig) => Promise<Partial<DocState>> | Partial<DocState>;

/** A two-node agent: draft, then review; each node logs itself with the text it worked on. */
function twoNodes(hooks: { draft?: NodeFn; review?: NodeFn } = {}) {
  return new StateGraph(Doc)
    .addNode('draft', hooks.draft ?? ((s) => ({ log: [`draft:${s.text}`] })))
    .addNode('review', hooks.review ?? ((s) => ({ log: [`review:${s.text}`] })))
    .addEdge(START, 'draft')
    .addEdge('draft', 'review')
    .addEdge('review', END);
}

const writer = (run: AgentDefinition['run'], extra: Partial<AgentDefinition> = {}): AgentDefinition => ({ id: 'writer', capabilities: ['write'], run, ...extra });
const task = (id: string, text: string) => ({ id, capability: 'write', input: { text } });
const stepsOf = (events: EventEnvelope[]): Step[] => events.filter((e) => e.type === 'no.agent.step').map((e) => e.data as Step);
const isAgentNs = (namespace: string[]): boolean => namespace.some((part) => part.startsWith(`${AGENT_NAMESPACE}:`));

/** Streams `graph` with subgraphs: true and keeps the updates that came from inside an agent. */
async function agentUpdates(graph: { stream: (input: never, options: never) => Promise<AsyncIterable<unknown>> }, input: unknown, config: object) {
  const out: Array<{ namespace: string[]; node: string; update: Partial<DocState> }> = [];
  const stream = await graph.stream(input as never, { ...config, subgraphs: true, streamMode: 'updates' } as never);
  for await (const [namespace, chunk] of stream as AsyncIterable<[string[], Record<string, Partial<DocState>>]>) {
    if (!isAgentNs(namespace)) continue;
    for (const [node, update] of Object.entries(chunk)) out.push({ namespace, node, update });
  }
  return out;
}

/** A promise with its resolve function, for gating nodes from the test. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

describe("a compiled graph agent's inner steps", () => {
  it('stream as namespaced updates under the coordinator task with subgraphs: true', async () => {
    const { loop } = loopWith([writer(twoNodes().compile())]);
    const updates = await agentUpdates(loop, request([task('a', 'hi')]), thread());
    expect(updates.map((u) => [u.node, u.update])).toEqual([['draft', { log: ['draft:hi'] }], ['review', { log: ['review:hi'] }]]);
    expect(updates[0]!.namespace.map((part) => part.split(':')[0])).toEqual(['coordinator', AGENT_NAMESPACE]);
  });

  it('stream under the loop node of a user graph that added the loop with addMasterLoop', async () => {
    const User = Annotation.Root({ text: Annotation<string>(), status: Annotation<string>() });
    const graph = addMasterLoop(new StateGraph(User), {
      agents: [writer(twoNodes().compile())],
      toRequest: (s) => ({ tasks: [task('a', s.text)] }),
      fromResult: (run) => ({ status: run.status }),
    }).compile({ checkpointer: new MemorySaver() });
    const updates = await agentUpdates(graph, { text: 'hi' }, thread());
    expect(updates.map((u) => u.node)).toEqual(['draft', 'review']);
    expect(updates[0]!.namespace.map((part) => part.split(':')[0])).toEqual(['masterLoop', 'coordinator', AGENT_NAMESPACE]);
  });

  it('are announced as no.agent.step events naming the task, agent and attempt, on the custom stream too', async () => {
    const echo: AgentDefinition = { id: 'echo', capabilities: ['echo'], run: (input) => input };
    const { loop, events } = loopWith([writer(twoNodes().compile()), echo]);
    const streamed: EventEnvelope[] = [];
    const tasks = [task('a', 'hi'), { id: 'b', capability: 'echo', input: 'plain' }];
    for await (const chunk of await loop.stream(request(tasks), { ...thread(), streamMode: 'custom' })) streamed.push(chunk as EventEnvelope);
    const steps = stepsOf(events);
    expect(steps.map(({ taskId, agentId, attempt, node, update }) => ({ taskId, agentId, attempt, node, update }))).toEqual([
      { taskId: 'a', agentId: 'writer', attempt: 1, node: 'draft', update: { log: ['draft:hi'] } },
      { taskId: 'a', agentId: 'writer', attempt: 1, node: 'review', update: { log: ['review:hi'] } },
    ]);
    expect(stepsOf(streamed)).toEqual(steps);
    // The steps come between the task's start and its completion.
    const at = (type: string) => events.findIndex((e) => e.type === type && (e.data as { taskId?: string }).taskId === 'a');
    expect(at('orchestration.task.started')).toBeLessThan(at('no.agent.step'));
    expect(events.map((e) => e.type).lastIndexOf('no.agent.step')).toBeLessThan(at('orchestration.task.completed'));
  });

  it('keep two tasks running at once on the same agent apart, in state, stream and events', async () => {
    // Each draft waits until both tasks are drafting, so the two attempts overlap.
    let drafting = 0;
    const both = gate();
    const agent = twoNodes({
      draft: async (s) => {
        if (++drafting === 2) both.open();
        await both.promise;
        return { log: [`draft:${s.text}`] };
      },
    }).compile();
    const { loop, events } = loopWith([writer(agent, { maxConcurrency: 2 })]);
    const config = thread();
    const updates = await agentUpdates(loop, request([task('a', 'alpha'), task('b', 'beta')], { strategy: 'parallel' }), config);

    const { values } = await loop.getState(config);
    expect(values.results).toEqual({ a: { text: 'alpha', log: ['draft:alpha', 'review:alpha'] }, b: { text: 'beta', log: ['draft:beta', 'review:beta'] } });
    const byNamespace = new Map<string, string[]>();
    for (const u of updates) byNamespace.set(u.namespace.join('|'), [...(byNamespace.get(u.namespace.join('|')) ?? []), ...u.update.log!]);
    expect([...byNamespace.values()].sort()).toEqual([['draft:alpha', 'review:alpha'], ['draft:beta', 'review:beta']]);
    const steps = stepsOf(events);
    for (const [taskId, text] of [['a', 'alpha'], ['b', 'beta']] as const) {
      const own = steps.filter((s) => s.taskId === taskId);
      expect(own.flatMap((s) => (s.update as Partial<DocState>).log)).toEqual([`draft:${text}`, `review:${text}`]);
      expect(new Set(own.map((s) => s.namespace.join('|'))).size).toBe(1);
    }
  });

  it('start a retried attempt from a fresh inner state, under a namespace of its own', async () => {
    let reviews = 0;
    const agent = twoNodes({
      review: (s) => {
        if (++reviews === 1) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        return { log: [`review:${s.text}`] };
      },
    }).compile();
    const { loop } = loopWith([writer(agent)]);
    const config = thread();
    const updates = await agentUpdates(loop, request([task('a', 'hi')]), config);
    const { values } = await loop.getState(config);
    expect(values.tasks['a']).toMatchObject({ status: 'completed', attempts: 2 });
    expect(values.results['a']).toEqual({ text: 'hi', log: ['draft:hi', 'review:hi'] });
    expect(updates.map((u) => u.node)).toEqual(['draft', 'draft', 'review']);
    expect(updates[1]!.namespace).not.toEqual(updates[0]!.namespace);
    expect(updates[2]!.namespace).toEqual(updates[1]!.namespace);
  });

  it('run afresh when a crashed run resumes: the in-flight attempt is not resumed from its inner checkpoint', async () => {
    /** A checkpointer that stops storing anything once `crashed`, as a killed process would. */
    class CrashingSaver extends MemorySaver {
      crashed = false;
      override async put(...args: Parameters<MemorySaver['put']>) {
        return this.crashed ? args[0] : super.put(...args);
      }
      override async putWrites(...args: Parameters<MemorySaver['putWrites']>) {
        if (!this.crashed) await super.putWrites(...args);
      }
    }
    const saver = new CrashingSaver();
    const ran: string[] = [];
    const reviewing = gate();
    let crashing = true;
    const agent = twoNodes({
      draft: (s) => (ran.push('draft'), { log: [`draft:${s.text}`] }),
      review: async (s, config) => {
        ran.push('review');
        if (crashing) {
          reviewing.open();
          await new Promise((_, reject) => config.signal?.addEventListener('abort', () => reject(new Error('killed'))));
        }
        return { log: [`review:${s.text}`] };
      },
    }).compile();
    const config = thread();
    const stop = new AbortController();
    const first = createMasterAgentLoop({ agents: [writer(agent)], checkpointer: saver })
      .invoke(request([task('a', 'hi')]), { ...config, signal: stop.signal })
      .catch(() => 'crashed');
    // The draft's checkpoint is stored by the time the review runs.
    await reviewing.promise;
    saver.crashed = true;
    stop.abort();
    expect(await first).toBe('crashed');

    saver.crashed = false;
    crashing = false;
    ran.length = 0;
    const out = await createMasterAgentLoop({ agents: [writer(agent)], checkpointer: saver }).invoke(null, config);
    expect(out.status).toBe('completed');
    expect(ran).toEqual(['draft', 'review']);
    expect(out.results['a']).toEqual({ text: 'hi', log: ['draft:hi', 'review:hi'] });
  });

  it('say nothing more once their attempt timed out, even when the agent runs on', async () => {
    const zombie = gate();
    let reviews = 0;
    const graph = twoNodes({
      review: async (s) => {
        // The first review ignores its signal and finishes only after the run has ended.
        if (++reviews === 1) await zombie.promise;
        return { log: [`review:${s.text}`] };
      },
    }).compile();
    const settled: Array<Promise<unknown>> = [];
    // An agent that drops its signal: the graph runs on after the loop gave up on the attempt.
    const runner: RunnableLike = {
      invoke: (input, config) => {
        const run = graph.invoke(input as DocState, { ...config, signal: undefined });
        settled.push(run);
        return run;
      },
    };
    const { loop, events } = loopWith([writer(runner, { timeoutMs: 50 })]);
    const out = await loop.invoke(request([task('a', 'hi')]), thread());
    expect(out.tasks['a']).toMatchObject({ status: 'completed', attempts: 2 });
    zombie.open();
    await settled[0];
    expect(stepsOf(events).map((s) => `${s.attempt}:${s.node}`)).toEqual(['1:draft', '2:draft', '2:review']);
  });

  it("leave each attempt's final state in the loop's thread, at the namespace its steps carry", async () => {
    const saver = new MemorySaver();
    const builder = twoNodes();
    const { loop } = loopWith([writer(builder.compile())], { checkpointer: saver });
    const config = thread();
    const [update] = await agentUpdates(loop, request([task('a', 'hi')]), config);
    // The agent's own graph, compiled on the loop's checkpointer, reads the attempt's checkpoints.
    const reader = builder.compile({ checkpointer: saver });
    const inner = await reader.getState({ configurable: { ...config.configurable, checkpoint_ns: update!.namespace.join('|') } });
    expect(inner.values).toEqual({ text: 'hi', log: ['draft:hi', 'review:hi'] });
  });

  it('stream from an agent compiled with checkpointer: false, which stores none of them', async () => {
    const saver = new MemorySaver();
    const { loop } = loopWith([writer(twoNodes().compile({ checkpointer: false }))], { checkpointer: saver });
    const config = thread();
    const updates = await agentUpdates(loop, request([task('a', 'hi')]), config);
    expect(updates.map((u) => u.node)).toEqual(['draft', 'review']);
    const namespaces = new Set<string>();
    for await (const saved of saver.list(config)) namespaces.add(String(saved.config.configurable?.['checkpoint_ns']));
    expect([...namespaces].filter((ns) => ns.includes(AGENT_NAMESPACE))).toEqual([]);
  });
});

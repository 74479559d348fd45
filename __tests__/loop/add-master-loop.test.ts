import { Annotation, END, MemorySaver, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { addMasterLoop, createMasterAgentLoop, DEFAULT_MASTER_LOOP_NODE, type MasterLoopState } from '../../src/loop/index';
import { sleeper, thread } from './helpers';

const Doc = Annotation.Root({
  text: Annotation<string>(),
  summary: Annotation<string | undefined>(),
  trail: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  // Names graphs commonly use, which the loop must leave alone.
  status: Annotation<string>(),
  results: Annotation<number[]>(),
  plan: Annotation<string>(),
});
type DocState = typeof Doc.State;

function docGraph() {
  return new StateGraph(Doc)
    .addNode('read', () => ({ trail: ['read'], status: 'read', results: [1], plan: 'mine' }))
    .addNode('publish', (s) => ({ trail: ['publish'], summary: `${s.summary ?? '(none)'}!` }))
    .addEdge(START, 'read')
    .addEdge('publish', END);
}

const options = {
  agents: [sleeper('w1', ['count'], 2)],
  toRequest: (s: DocState) => ({ tasks: s.text.split(' ').map((word, i) => ({ id: `w${i}`, capability: 'count', input: { word } })) }),
  fromResult: (run: MasterLoopState) => ({ summary: `${Object.keys(run.results).length} words, ${run.status}`, trail: ['loop'] }),
};

describe('addMasterLoop', () => {
  it('runs the loop as one node between after and then, leaving the graph\'s own state names alone', async () => {
    const graph = addMasterLoop(docGraph(), { ...options, after: 'read', then: 'publish' }).compile({ checkpointer: new MemorySaver() });
    const out = await graph.invoke({ text: 'one two three' }, thread());
    expect(out).toEqual({ text: 'one two three', trail: ['read', 'loop', 'publish'], summary: '3 words, completed!', status: 'read', results: [1], plan: 'mine' });
  });

  it('gives fromResult the whole run: status, results, errors, tasks and plan', async () => {
    let seen: MasterLoopState | undefined;
    const graph = addMasterLoop(docGraph(), {
      ...options,
      after: 'read',
      then: 'publish',
      fromResult: (run) => {
        seen = run;
        return {};
      },
    }).compile();
    await graph.invoke({ text: 'a b' });
    expect(seen).toMatchObject({ status: 'completed', results: { w0: 'w0()', w1: 'w1()' }, errors: [], tasks: { w0: { status: 'completed' } } });
    expect(seen!.plan!.order).toEqual(expect.arrayContaining(['w0', 'w1']));
  });

  it('adds to a graph that already has nodes named scheduler, coordinator and recovery', async () => {
    const builder = new StateGraph(Doc)
      .addNode('scheduler', () => ({ trail: ['scheduler'] }))
      .addNode('coordinator', () => ({ trail: ['coordinator'] }))
      .addNode('recovery', () => ({ trail: ['recovery'] }))
      .addEdge(START, 'scheduler')
      .addEdge('scheduler', 'coordinator')
      .addEdge('recovery', END);
    const graph = addMasterLoop(builder, { ...options, name: 'nO', after: 'coordinator', then: 'recovery' }).compile();
    const out = await graph.invoke({ text: 'x' });
    expect(out.trail).toEqual(['scheduler', 'coordinator', 'loop', 'recovery']);
  });

  it('reads the request field of the graph\'s state when there is no toRequest', async () => {
    const State = Annotation.Root({ request: Annotation<{ tasks: { id: string; capability: string }[] }>(), done: Annotation<string>() });
    const graph = addMasterLoop(new StateGraph(State), {
      agents: [sleeper('w1')],
      fromResult: (run) => ({ done: `${run.status}:${Object.keys(run.results).join(',')}` }),
    }).compile();
    const out = await graph.invoke({ request: { tasks: [{ id: 'x', capability: 'work' }] } });
    expect(out.done).toBe('completed:x');
  });

  it('fits a messages graph: the loop\'s report becomes an AI message', async () => {
    const graph = addMasterLoop(new StateGraph(MessagesAnnotation).addNode('chat', () => ({ messages: [new AIMessage('planning')] })).addEdge(START, 'chat'), {
      agents: [sleeper('w1', ['count'])],
      after: 'chat',
      toRequest: (state) => ({ tasks: state.messages.map((_, i) => ({ id: `m${i}`, capability: 'count' })) }),
      fromResult: (run) => ({ messages: [new AIMessage(`${Object.keys(run.results).length} tasks ${run.status}`)] }),
    }).compile();
    const out = await graph.invoke({ messages: [new HumanMessage('go')] });
    expect(out.messages.map((m) => m.content)).toEqual(['go', 'planning', '2 tasks completed']);
  });

  it('shows the loop\'s own nodes in a subgraphs stream and keeps them out of the graph\'s state', async () => {
    const graph = addMasterLoop(docGraph(), { ...options, after: 'read', then: 'publish' }).compile({ checkpointer: new MemorySaver() });
    const config = thread();
    const inner: string[] = [];
    for await (const [namespace, update] of await graph.stream({ text: 'a' }, { ...config, subgraphs: true, streamMode: 'updates' })) {
      if (namespace.length > 0 && namespace[0]!.startsWith(`${DEFAULT_MASTER_LOOP_NODE}:`)) inner.push(...Object.keys(update as object));
    }
    expect(inner).toEqual(expect.arrayContaining(['scheduler', 'coordinator', 'recovery']));
    const state = await graph.getState(config);
    expect(Object.keys(state.values).sort()).toEqual(['plan', 'results', 'status', 'summary', 'text', 'trail']);
  });

  it.each([
    ['a compiled graph', () => addMasterLoop(docGraph().addEdge('read', 'publish').compile() as never, options as never), /not a compiled graph: call addMasterLoop\(builder, \.\.\.\) before builder\.compile\(\)/],
    ['something that is not a builder', () => addMasterLoop({} as never, options as never), /takes a LangGraph StateGraph builder/],
    ['an after that names no node', () => addMasterLoop(docGraph(), { ...options, after: 'chta' as 'read' }), /after: 'chta' is not a node of this graph; its nodes are 'read', 'publish'/],
    ['a then that names no node', () => addMasterLoop(docGraph(), { ...options, then: 'pubish' as 'publish' }), /then: 'pubish' is not a node/],
    ['a name that is taken', () => addMasterLoop(docGraph(), { ...options, name: 'read' }), /already has a node named 'read': pass name/],
    ['an after that already has an edge out', () => addMasterLoop(docGraph().addEdge('read', 'publish'), { ...options, after: 'read' }), /'read' already leads to 'publish', which would run beside the loop: leave that edge out and pass then: 'publish'/],
    ['an after that routes conditionally', () => addMasterLoop(docGraph().addConditionalEdges('read', () => 'publish'), { ...options, after: 'read' }), /'read' routes with conditional edges/],
    ['no toRequest when the state has no request field', () => addMasterLoop(new StateGraph(Doc), { agents: options.agents }), /has no 'request' field.*pass toRequest: \(state\) =>/],
  ])('refuses %s with a NoError that says how to fix it', (_what, add, message) => {
    expect(add).toThrow(expect.objectContaining({ name: 'NoError', code: 'INVALID_REQUEST', message: expect.stringMatching(message) }));
  });

  it('returns the handle (pool, audit, onEvent) on the builder', () => {
    const builder = addMasterLoop(docGraph(), { ...options, after: 'read' });
    expect(builder.pool.ids()).toEqual(['w1']);
    expect(typeof builder.onEvent).toBe('function');
    expect(createMasterAgentLoop({ agents: [sleeper('w2')] }).pool.ids()).toEqual(['w2']);
  });
});

import { Annotation, END, MemorySaver, START, StateGraph } from '@langchain/langgraph';
import { addMasterLoop, MASTER_LOOP_CHANNELS, MasterLoopAnnotation, type MasterLoopState } from '../../src/loop/index';
import { sleeper, thread } from './helpers';

const Doc = Annotation.Root({ text: Annotation<string>(), summary: Annotation<string | undefined>(), trail: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }) });
type DocState = typeof Doc.State;

function docGraph() {
  return new StateGraph(Doc)
    .addNode('read', () => ({ trail: ['read'] }))
    .addNode('publish', (s) => ({ trail: ['publish'], summary: `${s.summary ?? '(none)'}!` }))
    .addEdge(START, 'read')
    .addEdge('read', 'publish')
    .addEdge('publish', END);
}

const options = {
  agents: [sleeper('w1', ['count'], 2)],
  toRequest: (s: DocState) => ({ tasks: s.text.split(' ').map((word, i) => ({ id: `w${i}`, capability: 'count', input: { word } })) }),
  fromResult: (run: MasterLoopState) => ({ summary: `${Object.keys(run.results).length} words, ${run.status}`, trail: ['loop'] }),
};

describe('addMasterLoop', () => {
  it('runs the loop in the gap after a node, so the next node runs once, after it', async () => {
    const builder = docGraph();
    addMasterLoop(builder, { ...options, after: 'read' });
    const graph = builder.compile({ checkpointer: new MemorySaver() });
    const config = thread();
    const out = await graph.invoke({ text: 'one two three' }, config);
    expect(out.trail).toEqual(['read', 'loop', 'publish']);
    expect(out.summary).toBe('3 words, completed!');
    const saved = await graph.getState(config);
    expect((saved.values as MasterLoopState).results).toEqual({ w0: 'w0()', w1: 'w1()', w2: 'w2()' });
  });

  it('starts at START and ends at END when told nothing', async () => {
    const builder = new StateGraph(Doc).addNode('noop', () => ({}));
    builder.addEdge('noop', END);
    const handle = addMasterLoop(builder, { ...options, then: 'noop' });
    const out = await builder.compile().invoke({ text: 'a b' });
    expect(out.summary).toBe('2 words, completed');
    expect(handle.pool.ids()).toEqual(['w1']);
  });

  it('reads the request channel when the graph keeps the loop\'s channels in its own state', async () => {
    const State = Annotation.Root({ ...MasterLoopAnnotation.spec, note: Annotation<string>() });
    const builder = new StateGraph(State).addNode('annotate', () => ({ note: 'done' }));
    builder.addEdge('annotate', END);
    addMasterLoop(builder, { agents: [sleeper('w1')], then: 'annotate' });
    const out = await builder.compile().invoke({ request: { tasks: [{ id: 'x', capability: 'work' }] } });
    expect(out).toMatchObject({ status: 'completed', results: { x: 'x()' }, note: 'done' });
  });

  it.each([
    ['a then that differs from the existing edge', () => addMasterLoop(docGraph(), { ...options, after: 'read', then: 'elsewhere' }), /already leads to 'publish'/],
    ['a node with conditional edges', () => {
      const b = new StateGraph(Doc).addNode('a', () => ({})).addNode('b', () => ({})).addConditionalEdges('a', () => 'b');
      return addMasterLoop(b, { ...options, after: 'a' });
    }, /conditional edges/],
    ['a state that uses a loop channel name for something else', () => {
      const Clash = Annotation.Root({ status: Annotation<number>() });
      return addMasterLoop(new StateGraph(Clash), { agents: [sleeper('w1')] });
    }, /already uses 'status'/],
  ])('refuses %s with a typed error', (_what, add, message) => {
    expect(add).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringMatching(message) }));
  });

  it('lists its channel names', () => {
    expect(MASTER_LOOP_CHANNELS).toEqual(expect.arrayContaining(['request', 'plan', 'results', 'status', 'tasks']));
  });
});

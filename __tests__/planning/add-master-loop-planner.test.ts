import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { MemorySaver, MessagesAnnotation, StateGraph } from '@langchain/langgraph';
import { addMasterLoop, createMasterAgentLoop, type MasterLoopState } from '../../src/loop/index';
import { createLlmPlanner } from '../../src/planning/index';
import { sleeper, thread } from '../loop/helpers';
import { PlanScriptModel, planCall } from './plan-model';

describe('a planner as addMasterLoop\'s toRequest', () => {
  it('plans from the graph\'s messages with the loop\'s capabilities, and runs the plan', async () => {
    const model = new PlanScriptModel([
      planCall({ tasks: [{ id: 'fetch', capability: 'fetch', input: { ms: 1 } }, { id: 'write', capability: 'write', dependsOn: ['fetch'] }] }),
    ]);
    const planner = createLlmPlanner({ model });
    let run: MasterLoopState | undefined;
    const graph = addMasterLoop(new StateGraph(MessagesAnnotation), {
      agents: [sleeper('f', ['fetch']), sleeper('w', ['write'])],
      toRequest: planner.toRequest,
      fromResult: (done) => {
        run = done;
        return { messages: [new AIMessage(String(done.results['write']))] };
      },
    }).compile({ checkpointer: new MemorySaver() });
    const out = await graph.invoke({ messages: [new HumanMessage('fetch the page, then write it up')] }, thread());
    expect(run?.status).toBe('completed');
    expect(out.messages.at(-1)?.text).toBe('write(fetch)');
    // The capabilities came from the loop's agents.
    expect(model.prompt(0)).toContain('- fetch\n- write');
    expect(model.prompt(0)).toContain('fetch the page, then write it up');
  });

  it('still takes a synchronous toRequest', async () => {
    const graph = addMasterLoop(new StateGraph(MessagesAnnotation), {
      agents: [sleeper('f', ['fetch'])],
      toRequest: (_state, context) => ({ tasks: context.capabilities.map((c) => ({ id: c, capability: c })) }),
      fromResult: (done) => ({ messages: [new AIMessage(done.status)] }),
    }).compile();
    const out = await graph.invoke({ messages: [new HumanMessage('go')] });
    expect(out.messages.at(-1)?.text).toBe('completed');
  });
});

describe('a planner with createMasterAgentLoop', () => {
  it('plans a request from a goal and the loop\'s agents, which the loop runs as it is', async () => {
    const agents = [sleeper('f', ['fetch']), sleeper('w', ['write'])];
    const model = new PlanScriptModel([planCall({ tasks: [{ id: 'get', capability: 'fetch' }, { id: 'put', capability: 'write', dependsOn: ['get'] }] })]);
    const request = await createLlmPlanner({ model }).plan('copy the page', { capabilities: agents });
    const out = await createMasterAgentLoop({ agents }).invoke({ request }, thread());
    expect(out.status).toBe('completed');
    expect(out.results).toEqual({ get: 'get()', put: 'put(get)' });
    expect(out.request?.metadata).toEqual({ goal: 'copy the page' });
  });
});

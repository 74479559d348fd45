import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { isNoError, NoError } from '../../src/contracts/errors';
import { createLlmPlanner } from '../../src/planning/index';
import { DEFAULT_REQUEST_LIMITS, validateRequest } from '../../src/scheduler/index';
import { PlanScriptModel, planCall } from './plan-model';

const capabilities = { search: 'finds web pages about a topic', summarise: 'writes a summary of texts' };
const good = {
  tasks: [
    { id: 'find', capability: 'search', input: 'langgraph' },
    { id: 'sum', capability: 'summarise', dependsOn: ['find'] },
  ],
};

async function planError(promise: Promise<unknown>): Promise<NoError> {
  try {
    await promise;
  } catch (error) {
    if (isNoError(error)) return error;
    throw error;
  }
  throw new Error('expected a NoError');
}

describe('createLlmPlanner', () => {
  it('returns the first answer when it is a valid plan, with the goal and the tokens it took', async () => {
    const model = new PlanScriptModel([planCall(good)]);
    const planner = createLlmPlanner({ model, capabilities });
    const draft = await planner.draft('Summarise what the web says about LangGraph');
    expect(draft.attempts).toBe(1);
    expect(draft.usage).toEqual({ inputTokens: 10, outputTokens: 5, totalTokens: 15 });
    expect(draft.request.tasks.map((t) => [t.id, t.capability, t.dependsOn])).toEqual([['find', 'search', []], ['sum', 'summarise', ['find']]]);
    expect(draft.request.metadata).toEqual({ goal: 'Summarise what the web says about LangGraph' });
    expect(model.seen).toHaveLength(1);
    // Grounded in the pool: the system prompt lists each capability with what it does.
    expect(model.prompt(0)).toContain('- search: finds web pages about a topic');
    expect(model.prompt(0)).toContain('Summarise what the web says about LangGraph');
  });

  it('sends an invalid answer back with the exact validation error, and returns the corrected plan', async () => {
    const cyclic = { tasks: [{ id: 'a', capability: 'search', dependsOn: ['b'] }, { id: 'b', capability: 'summarise', dependsOn: ['a'] }] };
    const model = new PlanScriptModel([planCall(cyclic), planCall(good)]);
    const request = await createLlmPlanner({ model, capabilities }).plan('goal');
    expect(request.tasks.map((t) => t.id)).toEqual(['find', 'sum']);
    expect(model.seen).toHaveLength(2);
    expect(model.prompt(0)).not.toContain('invalid');
    // The error text the package's own validation gives for this plan, word for word.
    let cycleError = '';
    try {
      validateRequest(cyclic, DEFAULT_REQUEST_LIMITS);
    } catch (error) {
      cycleError = (error as Error).message;
    }
    expect(cycleError).toMatch(/cycle/i);
    expect(model.prompt(1)).toContain(`Your plan is invalid: ${cycleError}`);
  });

  it('feeds back a capability no agent offers, naming the ones that exist', async () => {
    const wrong = { tasks: [{ id: 'find', capability: 'browse', input: 'x' }] };
    const model = new PlanScriptModel([planCall(wrong), planCall(good)]);
    await createLlmPlanner({ model, capabilities }).plan('goal');
    expect(model.prompt(1)).toContain("task 'find' needs capability 'browse', which no agent offers: use one of 'search', 'summarise'");
  });

  it('feeds back a dependency on a task that is not in the plan', async () => {
    const dangling = { tasks: [{ id: 'sum', capability: 'summarise', dependsOn: ['nowhere'] }] };
    const model = new PlanScriptModel([planCall(dangling), planCall(good)]);
    await createLlmPlanner({ model, capabilities }).plan('goal');
    expect(model.prompt(1)).toMatch(/Your plan is invalid: .*nowhere/);
  });

  it('fails with PLAN_INVALID holding the last answer and every error once the attempts run out', async () => {
    const bad = (n: number) => ({ tasks: [{ id: `t${n}`, capability: 'fly' }] });
    const model = new PlanScriptModel([planCall(bad(1)), planCall(bad(2)), planCall(bad(3)), planCall(good)]);
    const error = await planError(createLlmPlanner({ model, capabilities, maxAttempts: 3 }).plan('goal'));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.details['lastAnswer']).toEqual(bad(3));
    expect(error.details['errors']).toHaveLength(3);
    expect(error.message).toContain("task 't3' needs capability 'fly'");
    expect(model.seen).toHaveLength(3);
  });

  it('feeds back an answer that is no plan at all (text instead of the tool call)', async () => {
    const model = new PlanScriptModel([new AIMessage('I would search first, then summarise.'), planCall(good)]);
    const request = await createLlmPlanner({ model, capabilities }).plan('goal');
    expect(request.tasks).toHaveLength(2);
    expect(model.prompt(1)).toContain('Your plan is invalid: invalid plan:');
  });

  it('plans from a conversation, keeping its last human message as the goal', async () => {
    const model = new PlanScriptModel([planCall(good)]);
    const request = await createLlmPlanner({ model }).plan([new HumanMessage('hi'), new AIMessage('hello'), new HumanMessage('research LangGraph')], { capabilities: ['search', 'summarise'] });
    expect(request.metadata).toEqual({ goal: 'research LangGraph' });
    expect(model.prompt(0)).toContain('hello');
  });

  it('reads capabilities from agent definitions', async () => {
    const model = new PlanScriptModel([planCall(good)]);
    const agents = [{ id: 'a', capabilities: ['search'] }, { id: 'b', capabilities: ['summarise', 'search'] }];
    await expect(createLlmPlanner({ model, capabilities: agents }).plan('goal')).resolves.toBeDefined();
  });

  it('lets a model error through as the model threw it, without asking again', async () => {
    const outage = Object.assign(new Error('429 Too Many Requests'), { status: 429 });
    const model = new PlanScriptModel([outage, planCall(good)]);
    await expect(createLlmPlanner({ model, capabilities }).plan('goal')).rejects.toBe(outage);
    expect(model.seen).toHaveLength(1);
  });

  it('stops with ABORTED when its signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    const model = new PlanScriptModel([planCall(good)]);
    const error = await planError(createLlmPlanner({ model, capabilities }).plan('goal', { signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
  });

  it('refuses a model without structured output, saying what to pass', () => {
    const call = () => createLlmPlanner({ model: { invoke: async () => 'text' } as never, capabilities });
    expect(call).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringContaining('structured output or tool calling') }));
  });

  it('refuses a chat model without tool calling, saying what to pass', () => {
    class PlainModel extends PlanScriptModel {
      override bindTools = undefined as never;
    }
    expect(() => createLlmPlanner({ model: new PlainModel([]), capabilities })).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringContaining('cannot give structured output') }),
    );
  });

  it('says to pass capabilities when it knows none', async () => {
    const error = await planError(createLlmPlanner({ model: new PlanScriptModel([planCall(good)]) }).plan('goal'));
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toContain('pass capabilities');
  });

  it('says what to pass when called without options or with something that is no goal', async () => {
    expect(() => createLlmPlanner(undefined as never)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringContaining('createLlmPlanner({ model })') }));
    const planner = createLlmPlanner({ model: new PlanScriptModel([planCall(good)]), capabilities });
    expect((await planError(planner.plan(42 as never))).message).toContain('a string, or an array of LangChain messages');
  });

  it('says which state field to read when the graph state has no messages', async () => {
    const planner = createLlmPlanner({ model: new PlanScriptModel([planCall(good)]) });
    const error = await planError(planner.fromMessages({ key: 'chat' })({ messages: [] }, { capabilities: ['search'] }));
    expect(error.message).toContain("no messages under 'chat'");
  });

  it('reports ABORTED when the signal aborts while the model is answering', async () => {
    const controller = new AbortController();
    class Hanging extends PlanScriptModel {
      override async _generate(): Promise<never> {
        controller.abort();
        throw new Error('request aborted');
      }
    }
    const error = await planError(createLlmPlanner({ model: new Hanging([]), capabilities }).plan('goal', { signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
  });

  it.each([0, 1.5, -1])('refuses maxAttempts %p', (maxAttempts) => {
    expect(() => createLlmPlanner({ model: new PlanScriptModel([]), maxAttempts })).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER' }));
  });
});

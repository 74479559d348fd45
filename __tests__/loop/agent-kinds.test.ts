import { tool } from '@langchain/core/tools';
import { RunnableLambda } from '@langchain/core/runnables';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { z } from 'zod';
import type { AgentDefinition } from '../../src/loop/index';
import { AIMessage, ScriptedChatModel } from '../helpers/fake-chat-model';
import { loopWith, request, thread } from './helpers';

describe('agents of every kind', () => {
  it('runs a LangChain Runnable, passing the signal and the idempotency key in its config', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const runnable = RunnableLambda.from(async (input: { n: number }, config) => {
      seen.push({ key: config?.configurable?.['idempotency_key'], aborted: config?.signal?.aborted });
      return input.n * 2;
    });
    const { loop } = loopWith([{ id: 'r', capabilities: ['double'], run: runnable }]);
    const out = await loop.invoke(request([{ id: 'a', capability: 'double', input: { n: 21 } }]), thread());
    expect(out.results['a']).toBe(42);
    expect(seen[0]).toEqual({ key: expect.stringMatching(/^[0-9a-f]{32}$/), aborted: false });
  });

  it('runs a compiled LangGraph graph as an agent', async () => {
    const Inner = Annotation.Root({ text: Annotation<string>(), words: Annotation<number>() });
    const graph = new StateGraph(Inner)
      .addNode('count', (s) => ({ words: s.text.split(/\s+/).filter(Boolean).length }))
      .addEdge(START, 'count')
      .addEdge('count', END)
      .compile();
    const { loop } = loopWith([{ id: 'g', capabilities: ['count'], run: graph }]);
    const out = await loop.invoke(request([{ id: 'a', capability: 'count', input: { text: 'one two three' } }]), thread());
    expect(out.results['a']).toEqual({ text: 'one two three', words: 3 });
  });

  it('runs a ReAct agent that calls a tool, through the loop', async () => {
    const calls: string[] = [];
    const lookup = tool(async ({ city }: { city: string }) => { calls.push(city); return `${city}: 21°C`; }, {
      name: 'weather',
      description: 'current weather for a city',
      schema: z.object({ city: z.string() }),
    });
    const model = new ScriptedChatModel([
      new AIMessage({ content: '', tool_calls: [{ id: 'call-1', name: 'weather', args: { city: 'Oslo' } }] }),
      new AIMessage('It is 21°C in Oslo.'),
    ]);
    const agent: AgentDefinition = { id: 'react', capabilities: ['chat'], run: createReactAgent({ llm: model, tools: [lookup] }) };
    const { loop } = loopWith([agent]);
    const out = await loop.invoke(request([{ id: 'ask', capability: 'chat', input: { messages: [{ role: 'user', content: 'Weather in Oslo?' }] } }]), thread());
    expect(out.status).toBe('completed');
    expect(calls).toEqual(['Oslo']);
    const messages = (out.results['ask'] as { messages: Array<{ content: unknown }> }).messages;
    expect(messages.at(-1)?.content).toBe('It is 21°C in Oslo.');
  });
});

/**
 * Compile-time checks of addMasterLoop's types (tsc compiles this file in `npm test`; nothing runs it).
 * Each `@ts-expect-error` line must fail to compile: if it ever compiles, tsc reports the directive.
 */
import { Annotation, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { AIMessage } from '@langchain/core/messages';
import { addMasterLoop, type AgentDefinition } from '../../src/index';

declare const agents: AgentDefinition[];
const chat = new StateGraph(MessagesAnnotation).addNode('chat', () => ({})).addEdge(START, 'chat');

// toRequest gets the graph's own state type: `messages` is BaseMessage[], not unknown.
export const typed = addMasterLoop(chat, {
  agents,
  after: 'chat',
  toRequest: (state) => ({ tasks: state.messages.map((m, i) => ({ id: `m${i}`, input: String(m.content) })) }),
  fromResult: (run) => ({ messages: [new AIMessage(run.status)] }),
})
  // The returned builder knows the loop's node name, so edges to and from it type-check.
  .addEdge('masterLoop', '__end__')
  .compile();

addMasterLoop(chat, {
  agents,
  after: 'chat',
  // @ts-expect-error fromResult must return the graph's update type: 'messagez' is not a field.
  fromResult: () => ({ messagez: [] }),
});

addMasterLoop(chat, {
  agents,
  // @ts-expect-error after must name one of the graph's nodes.
  after: 'chta',
});

addMasterLoop(chat, {
  agents,
  // @ts-expect-error toRequest reads the graph's state: it has no field 'input'.
  toRequest: (state) => ({ tasks: [{ id: state.input }] }),
});

const Named = Annotation.Root({ text: Annotation<string>() });
export const named = addMasterLoop(new StateGraph(Named), { agents, name: 'nO', toRequest: (s) => ({ tasks: [{ id: s.text }] }) })
  .addEdge(START, 'nO');
// @ts-expect-error the default name is not the node's name when `name` is given.
named.addEdge('masterLoop', '__end__');

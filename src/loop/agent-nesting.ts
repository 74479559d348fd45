import { randomUUID } from 'node:crypto';
import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';

/**
 * The name of one attempt of a graph agent in LangGraph's checkpoint namespace: its steps stream
 * under `[..., 'coordinator:<id>', 'no.task:<id>', 'no.agent:<attempt id>']`, and its checkpoints are
 * stored there, in the loop's thread.
 */
export const AGENT_NAMESPACE = 'no.agent';

/** What an agent's `invoke` gets so that its attempt runs as a nested graph of its own. */
export interface AgentNesting {
  /** Keys for the agent's `configurable`. */
  configurable: Record<string, unknown>;
}

/**
 * Config keys that make a graph agent invoked inside a loop task a nested graph of its own attempt.
 *
 * LangGraph already nests it (the agent's invoke picks up the running task's config through
 * AsyncLocalStorage), but under the task's own namespace, which is the same for every attempt of
 * the task and again after a crash: a retry would start on the failed attempt's state, and a
 * resumed run would resume whatever attempt was stored there (another agent's graph, another
 * input). A fresh namespace per attempt makes every attempt a fresh run, as for function agents;
 * its checkpoints stay in the thread, but nothing resumes them.
 *
 * @example
 * const nesting = nestAgent();
 * return graph.invoke(input, { configurable: { ...nesting.configurable } });
 */
export function nestAgent(): AgentNesting {
  const ambient = AsyncLocalStorageProviderSingleton.getRunnableConfig() as { configurable?: Record<string, unknown> } | undefined;
  const configurable: Record<string, unknown> = {};
  const parentNs = ambient?.configurable?.['checkpoint_ns'];
  if (typeof parentNs === 'string' && parentNs !== '') configurable['checkpoint_ns'] = `${parentNs}|${AGENT_NAMESPACE}:${randomUUID()}`;
  return { configurable };
}

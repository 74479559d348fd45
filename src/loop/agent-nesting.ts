import { randomUUID } from 'node:crypto';
import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';
import type { AgentStep } from '../contracts/distribution.js';
import { detachParentAbortSignals, nestedStreamOf, setNestedStream, type NestedStream } from './langgraph-seam.js';

/**
 * The name of one attempt of a graph agent in LangGraph's checkpoint namespace: its steps stream
 * under `[..., 'coordinator:<id>', 'no.agent:<attempt id>']`, and its checkpoints are
 * stored there, in the loop's thread.
 */
export const AGENT_NAMESPACE = 'no.agent';

export type { AgentStep } from '../contracts/distribution.js';

export interface NestAgentOptions {
  /** Receives each finished node of the agent's graph and of graphs nested in it. */
  onStep?: ((step: AgentStep) => void) | undefined;
  /** The attempt's signal: once it aborts, the attempt is given up on and streams nothing more. */
  signal?: AbortSignal | undefined;
}

/** What an agent's `invoke` gets so that its attempt runs as a nested graph of its own. */
export interface AgentNesting {
  /** Keys for the agent's `configurable`. */
  configurable: Record<string, unknown>;
  /** Ends the attempt: nothing it streams afterwards is read or handed on. */
  close(): void;
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
 * With `onStep`, the agent's stream goes through the loop, which reads each `updates` chunk and
 * hands every chunk the parent's stream asked for on to it unchanged. This is LangGraph's own path
 * for a nested graph's chunks; calling `stream()` instead of `invoke()` would change what the agent
 * returns and how it reports an interrupt.
 *
 * @example
 * const nesting = nestAgent({ onStep: (step) => console.log(step.node) });
 * try { return await graph.invoke(input, { configurable: { ...nesting.configurable } }); } finally { nesting.close(); }
 */
export function nestAgent(options: NestAgentOptions = {}): AgentNesting {
  const ambient = AsyncLocalStorageProviderSingleton.getRunnableConfig() as { configurable?: Record<string, unknown> } | undefined;
  const configurable: Record<string, unknown> = {};
  const parentNs = ambient?.configurable?.['checkpoint_ns'];
  if (typeof parentNs === 'string' && parentNs !== '') configurable['checkpoint_ns'] = `${parentNs}|${AGENT_NAMESPACE}:${randomUUID()}`;
  // A nested graph watches the signal its parent run was started with (passed down in this key)
  // instead of its own, with a listener per running step: 30 graph agents at once put 60 on that
  // one signal, and Node warned in the user's process. Without the key it watches the attempt's
  // signal, a child of the run's, which aborts in the same cases and in a few more (the attempt's
  // timeout, the run's deadline or fatal failure).
  detachParentAbortSignals(ambient?.configurable, configurable);
  let open = true;
  const { onStep, signal } = options;
  const close = (): void => {
    open = false;
    signal?.removeEventListener('abort', close);
  };
  if (onStep) {
    const parent = nestedStreamOf(ambient?.configurable);
    const stream: NestedStream = {
      modes: new Set([...(parent?.modes ?? []), 'updates']),
      push(chunk) {
        if (!open) return;
        const [namespace, mode, payload] = chunk;
        // LangGraph hands checkpoint envelopes on whatever the modes; the parent's stream filters them.
        if (parent && (parent.modes.has(mode) || mode === 'checkpoints')) parent.push(chunk);
        if (mode !== 'updates' || typeof payload !== 'object' || payload === null) return;
        for (const [node, update] of Object.entries(payload)) onStep({ node, update, namespace });
      },
    };
    setNestedStream(configurable, stream);
    // A timed-out attempt is abandoned, not awaited: an agent that ignores its signal runs on, and
    // its steps would be announced beside the next attempt's, or after the run has ended.
    if (signal?.aborted) close();
    else signal?.addEventListener('abort', close, { once: true });
  }
  return { configurable, close };
}

import type { BaseCheckpointSaver, LangGraphRunnableConfig } from '@langchain/langgraph';
import { NoError } from '../contracts/errors.js';

/**
 * The one place that touches LangGraph beyond its public API: the private `__pregel_*` keys and the
 * checkpoint map of a running node's config, and the internal generator a compiled graph runs in. A LangGraph release that renames a key or changes where
 * a superstep's writes are stored breaks this file and nothing else.
 */

const CHECKPOINTER_KEY = '__pregel_checkpointer';
const STREAM_KEY = '__pregel_stream';
const ABORT_SIGNALS_KEY = '__pregel_abort_signals';
const CHECKPOINT_MAP_KEY = 'checkpoint_map';
const NS_SEPARATOR = '|';

type Configurable = Record<string, unknown>;

/**
 * The checkpointer LangGraph lends a running node (absent when compiled without one).
 */
export function checkpointerOf(config: LangGraphRunnableConfig): BaseCheckpointSaver | undefined {
  return config.configurable?.[CHECKPOINTER_KEY] as BaseCheckpointSaver | undefined;
}

/** One chunk of a nested graph's stream, already namespaced. */
export type StreamChunk = [namespace: string[], mode: string, payload: unknown];

/**
 * The stream LangGraph lends a graph invoked inside a running node: the graph pushes its chunks
 * there, and that is how `subgraphs: true` shows them. RemoteGraph reads the same key.
 */
export interface NestedStream {
  modes: Set<string>;
  push(chunk: StreamChunk): void;
}

/** The stream of the graph the ambient config belongs to, if it streams. */
export function nestedStreamOf(configurable: Configurable | undefined): NestedStream | undefined {
  return configurable?.[STREAM_KEY] as NestedStream | undefined;
}

/** Makes a graph invoked with `configurable` push its chunks to `stream`. */
export function setNestedStream(configurable: Configurable, stream: NestedStream): void {
  configurable[STREAM_KEY] = stream;
}

/**
 * A nested graph watches the signal its parent run was started with (passed down in this key)
 * instead of its own, with a listener per running step. Clearing the key makes it watch the signal
 * it is given.
 */
export function detachParentAbortSignals(ambient: Configurable | undefined, configurable: Configurable): void {
  if (ambient?.[ABORT_SIGNALS_KEY] !== undefined) configurable[ABORT_SIGNALS_KEY] = undefined;
}

/** The config of a stored checkpoint: the address `putWrites` and `getTuple` take. */
export interface CheckpointAddress {
  configurable: { thread_id: string; checkpoint_ns: string; checkpoint_id: string };
}

/**
 * The checkpoint the running node's superstep started from, and the saver that holds it (absent
 * when the graph has no checkpointer). LangGraph stores the superstep's task results as pending
 * writes on this checkpoint and hands them back when the superstep is resumed after a crash; a node
 * may add writes of its own there, under task ids no graph task has, which LangGraph keeps and
 * returns but never applies.
 *
 * The id comes from the running task's checkpoint map, keyed by the namespace of the node's graph
 * (the node's own namespace without its last part).
 */
export function superstepCheckpointOf(config: LangGraphRunnableConfig): { saver: BaseCheckpointSaver; address: CheckpointAddress } | undefined {
  const saver = checkpointerOf(config);
  if (saver === undefined) return undefined;
  const configurable: Configurable = config.configurable ?? {};
  const ns = typeof configurable['checkpoint_ns'] === 'string' ? configurable['checkpoint_ns'] : '';
  const graphNs = ns.includes(NS_SEPARATOR) ? ns.slice(0, ns.lastIndexOf(NS_SEPARATOR)) : '';
  const id = (configurable[CHECKPOINT_MAP_KEY] as Record<string, unknown> | undefined)?.[graphNs];
  const threadId = configurable['thread_id'];
  if (typeof threadId !== 'string' && typeof threadId !== 'number') {
    throw new NoError('INVALID_REQUEST', "a graph with a checkpointer runs on a thread: pass one, e.g. loop.invoke(input, { configurable: { thread_id: 'run-1' } }); the same thread_id later resumes or continues that run", {
      details: { missing: 'configurable.thread_id' },
    });
  }
  if (typeof id !== 'string') {
    throw new NoError('INTERNAL_ERROR', `no checkpoint id for namespace '${graphNs}' in the running node's config: this LangGraph version is not supported`, {
      details: { namespace: graphNs },
    });
  }
  return { saver, address: { configurable: { thread_id: String(threadId), checkpoint_ns: graphNs, checkpoint_id: id } } };
}

type StreamIterator = (this: unknown, input: unknown, options?: { signal?: AbortSignal }) => AsyncGenerator<unknown>;

/**
 * Calls `begin` as each run of `graph` starts (with the signal LangGraph gave the run) and the
 * function it returns when the run has ended, however it ends. Every way to run a compiled graph
 * (`invoke`, `stream`, `streamEvents`) goes through its `_streamIterator`, LangGraph's internal
 * generator that runs the graph: `stream()` starts it before it returns, so `begin` runs inside
 * the caller's `invoke()` call, and its generator ends only after the run's last checkpoint write.
 * A `begin` that throws refuses the run: the caller's `invoke()` rejects with its error.
 */
export function trackRuns(graph: object, begin: (signal: AbortSignal | undefined) => () => void): void {
  const target = graph as { _streamIterator: StreamIterator };
  const original = target._streamIterator;
  if (typeof original !== 'function') {
    throw new NoError('INTERNAL_ERROR', 'this LangGraph version has no _streamIterator on a compiled graph: it is not supported', { details: {} });
  }
  target._streamIterator = async function* (this: unknown, input, options) {
    const end = begin(options?.signal);
    try {
      yield* original.call(this, input, options);
    } finally {
      end();
    }
  };
}

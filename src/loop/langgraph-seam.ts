import type { BaseCheckpointSaver, LangGraphRunnableConfig } from '@langchain/langgraph';

/**
 * The one place that touches LangGraph beyond its public API: the private `__pregel_*` keys of a
 * running node's config, and the wrapping of a checkpointer's `putWrites`. A LangGraph release that
 * renames a key or changes how task results are stored breaks this file and nothing else.
 */

const CHECKPOINTER_KEY = '__pregel_checkpointer';
const STREAM_KEY = '__pregel_stream';
const ABORT_SIGNALS_KEY = '__pregel_abort_signals';

type Configurable = Record<string, unknown>;

/**
 * The checkpointer LangGraph lends a running node (absent when compiled without one): the loop must
 * know it to wait for a task's write to land.
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

/**
 * Calls `observe` with every `putWrites` the saver is asked for, once per saver instance however
 * often it is called: LangGraph offers no hook for "this task's result is stored", and does not wait
 * for that write before the task's caller sees the result. `observe` must not throw.
 */
export function observePutWrites(saver: BaseCheckpointSaver, observe: (write: Promise<void>, config: LangGraphRunnableConfig) => void): void {
  const original = saver.putWrites.bind(saver);
  saver.putWrites = (...args: Parameters<BaseCheckpointSaver['putWrites']>) => {
    const write = original(...args);
    observe(write, args[0]);
    return write;
  };
}

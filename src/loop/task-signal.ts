import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';

/**
 * Makes a LangGraph `task()` call (`call`) with `signal` as the signal of the ambient config.
 * LangGraph races every running task() against that signal with a listener of its own, and by
 * default all of a node's calls share the node's one signal: a coordinator with 100 tasks in flight
 * put 100 listeners on it, and Node printed MaxListenersExceededWarning in the user's process. Under
 * a signal of its own (a child of the run's scope, so it still aborts with the run) each call adds
 * its listener there instead.
 *
 * @example
 * const part = scope.child();
 * try { return await withTaskSignal(part.signal, () => runOne({ taskId })); } finally { part.dispose(); }
 */
export function withTaskSignal<T>(signal: AbortSignal, call: () => T): T {
  const ambient: unknown = AsyncLocalStorageProviderSingleton.getRunnableConfig();
  // Outside a running graph there is no task() to make; let the call report that itself.
  if (typeof ambient !== 'object' || ambient === null) return call();
  return AsyncLocalStorageProviderSingleton.runWithConfig({ ...ambient, signal }, call);
}

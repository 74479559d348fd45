import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { observePutWrites } from './langgraph-seam.js';

export interface WriteTracker {
  /**
   * Resolves when every checkpoint write issued so far is stored; rejects if one of this thread's
   * writes failed since the tracker was opened (a failure is reported once).
   */
  flush(): Promise<void>;
  /** Stops collecting this thread's failures. */
  close(): void;
}

interface Watcher {
  threadId: string | undefined;
  failure: { error: unknown } | undefined;
}

interface SaverWatch {
  pending: Set<Promise<unknown>>;
  watchers: Set<Watcher>;
}

const WATCHED = new WeakMap<object, SaverWatch>();

const threadOf = (config: unknown): string | undefined => {
  const id = (config as { configurable?: { thread_id?: unknown } } | undefined)?.configurable?.thread_id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
};

function watch(saver: BaseCheckpointSaver): SaverWatch {
  const existing = WATCHED.get(saver);
  if (existing) return existing;
  const state: SaverWatch = { pending: new Set(), watchers: new Set() };
  observePutWrites(saver, (write, config) => {
    state.pending.add(write);
    write.then(
      () => void state.pending.delete(write),
      (error: unknown) => {
        state.pending.delete(write);
        // A write may fail before anyone flushes: remember it, or the run would announce a result
        // that was never stored.
        const threadId = threadOf(config);
        for (const w of state.watchers) if (w.threadId === undefined || w.threadId === threadId) w.failure ??= { error };
      },
    );
  });
  WATCHED.set(saver, state);
  return state;
}

/**
 * LangGraph stores a finished `task()` call's result with `putWrites`, but issues that write a few
 * microtasks after the caller sees the result and does not wait for it. To say "stored" before
 * announcing a completion, the loop watches the checkpointer's writes: it wraps `putWrites` once per
 * saver instance, remembers the promises still in flight, and the failures of the thread it watches.
 */
export function trackWrites(saver: BaseCheckpointSaver | undefined, threadId?: string): WriteTracker {
  if (saver === undefined) return { flush: async () => {}, close: () => {} };
  const state = watch(saver);
  const watcher: Watcher = { threadId, failure: undefined };
  state.watchers.add(watcher);
  return {
    async flush() {
      // Let the runner commit the call that just settled: its putWrites is issued on a later microtask.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await Promise.allSettled([...state.pending]);
      const failure = watcher.failure;
      watcher.failure = undefined;
      if (failure) throw failure.error;
    },
    close() {
      state.watchers.delete(watcher);
    },
  };
}

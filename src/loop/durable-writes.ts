import type { BaseCheckpointSaver } from '@langchain/langgraph';

const TRACKERS = new WeakMap<object, WriteTracker>();

export interface WriteTracker {
  /** Resolves when every checkpoint write issued so far is stored (rejects if one failed). */
  flush(): Promise<void>;
}

/**
 * LangGraph stores a finished `task()` call's result with `putWrites`, but issues that write a few
 * microtasks after the caller sees the result and does not wait for it. To say "stored" before
 * announcing a completion, the loop watches the checkpointer's writes: it wraps `putWrites` once per
 * saver instance and remembers the promises still in flight.
 */
export function trackWrites(saver: BaseCheckpointSaver | undefined): WriteTracker {
  if (saver === undefined) return { flush: async () => {} };
  const existing = TRACKERS.get(saver);
  if (existing) return existing;
  const pending = new Set<Promise<unknown>>();
  const original = saver.putWrites.bind(saver);
  saver.putWrites = (...args: Parameters<BaseCheckpointSaver['putWrites']>) => {
    const write = original(...args);
    pending.add(write);
    const done = (): void => {
      pending.delete(write);
    };
    write.then(done, done);
    return write;
  };
  const tracker: WriteTracker = {
    async flush() {
      // Let the runner commit the call that just settled: its putWrites is issued on a later microtask.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await Promise.all([...pending]);
    },
  };
  TRACKERS.set(saver, tracker);
  return tracker;
}

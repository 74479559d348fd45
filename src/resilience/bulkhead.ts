import { NoError } from '../contracts/errors.js';
import { abortError } from './abort.js';
import { invoke, neverAbortedSignal, requireNumber, type Policy, type PolicyContext } from './policy.js';

/** @see BulkheadOptions.maxQueue */
export const DEFAULT_MAX_QUEUE = 0;

export interface BulkheadOptions {
  /** Calls that may run at once. */
  maxConcurrent: number;
  /** Calls that may wait for a slot; beyond it calls are refused. @default 0 */
  maxQueue?: number;
}

export interface Bulkhead extends Policy {
  /** Calls running now. */
  readonly executing: number;
  /** Calls waiting for a slot. */
  readonly queued: number;
}

interface Waiter {
  start(): void;
}

/**
 * Caps concurrent calls. A call beyond `maxConcurrent` waits in a FIFO queue of `maxQueue`; beyond
 * that it is refused at once with `NoError('BULKHEAD_FULL')`, so an overloaded agent pushes back
 * instead of piling up work. A queued call whose signal aborts leaves the queue and rejects with
 * `NoError('ABORTED')` without ever running.
 *
 * @example
 * const perAgent = bulkhead({ maxConcurrent: 2, maxQueue: 10 });
 * await perAgent.execute(({ signal }) => agent.run(task, signal), runSignal);
 */
export function bulkhead(options: BulkheadOptions): Bulkhead {
  const maxConcurrent = requireNumber('maxConcurrent', options.maxConcurrent, { min: 1, integer: true });
  const maxQueue = requireNumber('maxQueue', options.maxQueue ?? DEFAULT_MAX_QUEUE, { min: 0, integer: true });
  const queue: Waiter[] = [];
  let executing = 0;

  function release(): void {
    executing--;
    queue.shift()?.start();
  }

  function run<T>(fn: (ctx: PolicyContext) => Promise<T>, signal: AbortSignal): Promise<T> {
    executing++;
    const result = invoke(fn, { signal, attempt: 1 });
    result.then(release, release);
    return result;
  }

  return {
    get executing() {
      return executing;
    },
    get queued() {
      return queue.length;
    },
    execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal: AbortSignal = neverAbortedSignal()): Promise<T> {
      if (signal.aborted) return Promise.reject(abortError(signal));
      if (executing < maxConcurrent) return run(fn, signal);
      if (queue.length >= maxQueue) {
        return Promise.reject(
          new NoError('BULKHEAD_FULL', `bulkhead full: ${executing} running, ${queue.length} queued`, {
            details: { maxConcurrent, maxQueue, executing, queued: queue.length },
          }),
        );
      }
      return new Promise<T>((resolve, reject) => {
        const waiter: Waiter = {
          start() {
            signal.removeEventListener('abort', onAbort);
            run(fn, signal).then(resolve, reject);
          },
        };
        const onAbort = (): void => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          reject(abortError(signal, 'aborted while queued in the bulkhead'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
      });
    },
  };
}

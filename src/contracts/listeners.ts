import { NoError } from './errors.js';

export type Listener<T> = (value: T) => void;
/** Removes one subscription; calling it again does nothing. */
export type Unsubscribe = () => void;

/** One typed event: what every `onX(listener) -> unsubscribe` in nO is built on. */
export interface Listeners<T> {
  /** Adds a subscription (the same function twice is two); returns its unsubscribe. */
  on(listener: Listener<T>): Unsubscribe;
  /** Calls the listeners subscribed when the call began and still subscribed, in subscription order. */
  emit(value: T): void;
  /** Subscriptions now: at 0 `emit` does nothing, so an emitter can skip building or measuring the value. */
  readonly size: number;
}

interface Subscription<T> {
  readonly listener: Listener<T>;
  live: boolean;
}

/**
 * A typed listener set with one rule for a listener that fails (throws, or returns a promise that
 * rejects): the error never reaches the code that emitted, and the other listeners still run; it is
 * rethrown on a microtask, as an uncaught exception, the way Node's EventTarget (and so every
 * AbortSignal) treats a throwing listener. Why: an emit happens in the middle of an operation (an
 * audit append, a breaker transition, a message send), which must neither fail after it took effect
 * nor stop halfway; and a listener's bug must not vanish either, so it surfaces where the process
 * already reports bugs (`process.on('uncaughtException')`, or a crash with a stack when nobody handles it).
 *
 * A listener added during an emit hears the next value, not this one; one removed during an emit
 * is not called again, even later in that same emit.
 *
 * @example
 * const changed = createListeners<{ from: string; to: string }>();
 * const off = changed.on(({ from, to }) => log(`${from} -> ${to}`));
 * if (changed.size > 0) changed.emit({ from: 'closed', to: 'open' });
 * off();
 */
export function createListeners<T = void>(): Listeners<T> {
  // Copy on write: subscribing is rare and emitting is hot, so emit walks the array it started with,
  // allocating nothing, while on/off replace it.
  let subscriptions: readonly Subscription<T>[] = [];
  return {
    get size() {
      return subscriptions.length;
    },
    on(listener) {
      if (typeof listener !== 'function') {
        throw new NoError('INVALID_INPUT', `a listener must be a function, got ${listener === null ? 'null' : typeof listener}`);
      }
      const subscription: Subscription<T> = { listener, live: true };
      subscriptions = [...subscriptions, subscription];
      return () => {
        if (!subscription.live) return;
        subscription.live = false;
        subscriptions = subscriptions.filter((s) => s !== subscription);
      };
    },
    emit(value) {
      const current = subscriptions;
      for (let i = 0; i < current.length; i++) {
        const subscription = current[i]!;
        if (subscription.live) notify(subscription.listener, value);
      }
    },
  };
}

function notify<T>(listener: Listener<T>, value: T): void {
  try {
    // A listener typed `=> void` may still be async; its rejection follows the same rule.
    const result: unknown = listener(value);
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') (result as PromiseLike<unknown>).then(undefined, report);
  } catch (error) {
    report(error);
  }
}

function report(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

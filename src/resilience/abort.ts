import { NoError } from '../contracts/errors.js';

/** The error every resilience API rejects with when its signal aborts; the abort reason is the cause. */
export function abortError(signal: AbortSignal, message = 'operation aborted'): NoError {
  return new NoError('ABORTED', message, { cause: signal.reason });
}

/**
 * Waits `ms` milliseconds. Rejects with `NoError('ABORTED')` as soon as `signal` aborts, and clears
 * its timer and listener either way, so an abandoned wait neither leaks nor keeps the process alive.
 *
 * @example
 * await sleep(250, controller.signal);
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A signal that follows several others, and the means to detach it. */
export interface LinkedSignal {
  signal: AbortSignal;
  /** Removes the listeners from the source signals; call it when the work is done. */
  dispose(): void;
}

/**
 * A signal that aborts when any of `signals` aborts, with that signal's reason. Unlike
 * `AbortSignal.any`, it hands back `dispose()` so long-lived parent signals (a whole run) do not
 * collect one listener per attempt. `undefined` entries are ignored, for optional signals.
 *
 * @example
 * const linked = anySignal([runSignal, attemptController.signal]);
 * try { await work(linked.signal); } finally { linked.dispose(); }
 */
export function anySignal(signals: ReadonlyArray<AbortSignal | undefined>): LinkedSignal {
  const controller = new AbortController();
  const sources = signals.filter((s): s is AbortSignal => s !== undefined);
  const already = sources.find((s) => s.aborted);
  if (already) {
    controller.abort(already.reason);
    return { signal: controller.signal, dispose: () => undefined };
  }
  const listeners = sources.map((source) => {
    const listener = (): void => {
      dispose();
      controller.abort(source.reason);
    };
    source.addEventListener('abort', listener, { once: true });
    return { source, listener };
  });
  function dispose(): void {
    for (const { source, listener } of listeners) source.removeEventListener('abort', listener);
    listeners.length = 0;
  }
  return { signal: controller.signal, dispose };
}

/** A signal for a long piece of work (a run) that hands out child signals for its parts (tasks). */
export interface AbortScope {
  /** Aborts when a parent aborts or `abort()` is called. */
  readonly signal: AbortSignal;
  /** Aborts the scope and every live child, with `reason`; later calls change nothing. */
  abort(reason?: unknown): void;
  /**
   * A signal that aborts with the scope (already aborted when the scope is). Dispose it when its part
   * of the work ends, so the scope forgets it.
   */
  child(): LinkedSignal;
  /** Detaches from the parents; call it when the work is done. */
  dispose(): void;
}

/**
 * A scope that listens once to each parent and fans an abort out to its children itself. Giving each
 * of N concurrent parts `anySignal([runSignal])` would put N listeners on the run's signal (Node warns
 * past 10, as a suspected leak); a scope keeps one, however many parts run at once.
 *
 * @example
 * const scope = abortScope([config.signal]);
 * const part = scope.child();
 * try { await work(part.signal); } finally { part.dispose(); }
 * scope.dispose();
 */
export function abortScope(parents: ReadonlyArray<AbortSignal | undefined> = []): AbortScope {
  const controller = new AbortController();
  const children = new Set<AbortController>();
  const link = anySignal(parents);
  const abort = (reason?: unknown): void => {
    if (controller.signal.aborted) return;
    link.dispose();
    controller.abort(reason);
    const live = [...children];
    children.clear();
    for (const child of live) child.abort(controller.signal.reason);
  };
  const onParentAbort = (): void => abort(link.signal.reason);
  if (link.signal.aborted) onParentAbort();
  else link.signal.addEventListener('abort', onParentAbort, { once: true });

  return {
    signal: controller.signal,
    abort,
    child() {
      const child = new AbortController();
      if (controller.signal.aborted) {
        child.abort(controller.signal.reason);
        return { signal: child.signal, dispose: () => undefined };
      }
      children.add(child);
      return { signal: child.signal, dispose: () => void children.delete(child) };
    },
    dispose() {
      link.dispose();
      link.signal.removeEventListener('abort', onParentAbort);
    },
  };
}

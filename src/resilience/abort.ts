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

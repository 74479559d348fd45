import { NoError } from '../contracts/errors.js';
import { abortError } from './abort.js';
import { invoke, requireNumber, type Policy, type PolicyContext } from './policy.js';

/**
 * setTimeout's largest delay (about 24.8 days): Node fires a longer one at once. Every timer setting
 * of nO is held to it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** No options yet; the parameter is kept so options can be added without a breaking change. */
export type TimeoutOptions = Record<string, never>;

/**
 * Bounds a call to `ms` milliseconds. On time-out it aborts the signal the function received (so
 * cooperative work stops) and rejects with `NoError('TIMEOUT')` at once, without waiting for the
 * function: a function that ignores its signal is abandoned, never awaited. An outer abort rejects
 * with `NoError('ABORTED')` the same way. The timer and listeners are cleared when the call settles.
 *
 * @example
 * const reply = await timeout(5_000).execute(({ signal }) => agent.invoke(input, { signal }), runSignal);
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function timeout(ms: number, _options: TimeoutOptions = {}): Policy {
  const timeoutMs = requireNumber('timeout ms', ms, { min: 1, max: MAX_TIMER_MS });

  return {
    execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (signal?.aborted) return Promise.reject(abortError(signal));
      // One controller for the call: the outer abort and the timer both abort it, with their reason.
      const own = new AbortController();

      return new Promise<T>((resolve, reject) => {
        let settled = false;
        const settle = (finish: () => void): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onOuterAbort);
          finish();
        };
        const onOuterAbort = (): void => {
          own.abort(signal?.reason);
          settle(() => reject(abortError(signal as AbortSignal)));
        };
        const timer = setTimeout(() => {
          const error = new NoError('TIMEOUT', `timed out after ${timeoutMs} ms`, { details: { timeoutMs } });
          own.abort(error);
          settle(() => reject(error));
        }, timeoutMs);
        signal?.addEventListener('abort', onOuterAbort, { once: true });

        invoke(fn, { signal: own.signal, attempt: 1 }).then(
          (value) => settle(() => resolve(value)),
          (error: unknown) => settle(() => reject(error)),
        );
      });
    },
  };
}

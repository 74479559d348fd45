import { abortError, sleep as abortableSleep } from './abort.js';
import { exponentialBackoff, type Backoff } from './backoff.js';
import { classifyFailure } from './classify.js';
import { neverAbortedSignal, requireNumber, type Policy, type PolicyContext } from './policy.js';

/** @see RetryOptions.maxAttempts */
export const DEFAULT_MAX_ATTEMPTS = 3;

export interface RetryInfo {
  error: unknown;
  /** The attempt that just failed (1-based). */
  attempt: number;
  /** How long the policy waits before the next attempt. */
  delayMs: number;
}

export interface RetryOptions {
  /**
   * Total attempts, the first one included. `Infinity` leaves the decision to `shouldRetry` alone,
   * for callers whose retry budget lives elsewhere (the loop's recovery strategies). @default 3
   */
  maxAttempts?: number;
  /** Delay before the next attempt, given the attempt that failed. @default exponentialBackoff() */
  backoff?: Backoff;
  /** Whether a failure is worth another attempt. @default classifyFailure(error) === 'transient' */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait (for logs, events, metrics). */
  onRetry?: (info: RetryInfo) => void;
  /** The wait itself; inject a fake to test without timers. It must reject when the signal aborts. @default sleep */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

function isTransient(error: unknown): boolean {
  return classifyFailure(error) === 'transient';
}

/**
 * Runs a function again after a failure that may pass (by default: transient failures), waiting a
 * backoff delay between attempts. It gives up with the last error after `maxAttempts`, at once on a
 * failure not worth retrying, and with `NoError('ABORTED')` as soon as the signal aborts (even
 * mid-wait).
 *
 * @example
 * const policy = retry({ maxAttempts: 5, backoff: exponentialBackoff({ initialDelayMs: 200 }) });
 * const page = await policy.execute(({ signal }) => fetch(url, { signal }), runSignal);
 */
export function retry(options: RetryOptions = {}): Policy {
  const requested = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const maxAttempts =
    requested === Number.POSITIVE_INFINITY ? requested : requireNumber('maxAttempts', requested, { min: 1, integer: true });
  const backoff = options.backoff ?? exponentialBackoff();
  const shouldRetry = options.shouldRetry ?? isTransient;
  const wait = options.sleep ?? abortableSleep;

  return {
    async execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal: AbortSignal = neverAbortedSignal()): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        if (signal.aborted) throw abortError(signal);
        try {
          return await fn({ signal, attempt });
        } catch (error) {
          // A cancelled run stops here: the failure is most likely the cancellation itself.
          if (signal.aborted) throw abortError(signal);
          if (attempt >= maxAttempts || !shouldRetry(error, attempt)) throw error;
          const delayMs = Math.max(0, backoff(attempt));
          options.onRetry?.({ error, attempt, delayMs });
          await wait(delayMs, signal);
        }
      }
    },
  };
}

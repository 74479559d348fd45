import { NoError } from '../contracts/errors.js';

/** What a policy hands to the function it runs. */
export interface PolicyContext {
  /** Aborts when the caller cancels or the policy gives up (timeout); pass it on to I/O. */
  signal: AbortSignal;
  /** 1-based count of calls to the function within this `execute` (retries raise it). */
  attempt: number;
}

/** A resilience policy: runs a function under some rule (retry, timeout, breaker, bulkhead). */
export interface Policy {
  execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** A signal that never aborts, for callers that pass none (each call gets its own, so nothing is shared). */
export function neverAbortedSignal(): AbortSignal {
  return new AbortController().signal;
}

/**
 * Checks a numeric option at construction time, so a bad setting fails where it is written rather
 * than as odd behaviour later.
 */
export function requireNumber(
  option: string,
  value: number,
  { min = -Infinity, max = Infinity, integer = false }: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    value >= min &&
    value <= max &&
    (!integer || Number.isInteger(value));
  if (!ok) {
    throw new NoError(
      'INVALID_NUMBER',
      `${option} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${String(value)}`,
      { details: { option, value, min, max } },
    );
  }
  return value;
}

/** Calls `fn` now and always returns a promise, so a synchronous throw becomes a rejection. */
export function invoke<T>(fn: (ctx: PolicyContext) => Promise<T>, ctx: PolicyContext): Promise<T> {
  try {
    return Promise.resolve(fn(ctx));
  } catch (error) {
    return Promise.reject(error);
  }
}

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

/** What {@link requireNumber} accepts. */
export interface NumberRule {
  /** Smallest value allowed. @default -Infinity */
  min?: number;
  /** A bound the value must exceed, for settings such as a rate that must be `> 0`. */
  above?: number;
  /** Largest value allowed. @default Infinity */
  max?: number;
  /** Whole numbers only, and safe ones (past 2^53 an integer is no longer exact). @default false */
  integer?: boolean;
}

function ruleText({ min = -Infinity, above, max = Infinity, integer = false }: NumberRule): string {
  const bounds: string[] = [];
  if (above !== undefined) bounds.push(`> ${above}`);
  if (min > -Infinity) bounds.push(`>= ${min}`);
  if (max < Infinity) bounds.push(`<= ${max}`);
  return `${integer ? 'an integer' : 'a number'}${bounds.length === 0 ? '' : ` ${bounds.join(' and ')}`}`;
}

/**
 * Checks a numeric option at construction time, so a bad setting fails where it is written rather
 * than as odd behaviour later. The options of the policies, the tool layers, the network and the loop
 * all go through it, so a bad one is a NoError INVALID_NUMBER naming the option, worded one way.
 *
 * @example
 * const maxParallel = requireNumber('maxParallel', options.maxParallel ?? DEFAULT_MAX_PARALLEL, { min: 1, integer: true });
 */
export function requireNumber(option: string, value: number, rule: NumberRule = {}): number {
  const { min = -Infinity, above, max = Infinity, integer = false } = rule;
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    value >= min &&
    (above === undefined || value > above) &&
    value <= max &&
    (!integer || Number.isSafeInteger(value));
  if (!ok) {
    throw new NoError('INVALID_NUMBER', `${option} must be ${ruleText(rule)}, got ${String(value)}`, {
      details: { option, value, min, max, ...(above === undefined ? {} : { above }) },
    });
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

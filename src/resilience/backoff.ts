import { NoError } from '../contracts/errors.js';
import { requireNumber } from './policy.js';

/** @see ExponentialBackoffOptions.initialDelayMs */
export const DEFAULT_INITIAL_DELAY_MS = 100;
/** @see ExponentialBackoffOptions.maxDelayMs */
export const DEFAULT_MAX_DELAY_MS = 30_000;
/** @see ExponentialBackoffOptions.factor */
export const DEFAULT_BACKOFF_FACTOR = 2;
/** @see ExponentialBackoffOptions.jitter */
export const DEFAULT_JITTER: JitterKind = 'full';

/**
 * - `full`: uniform in [0, capped exponential delay] (AWS "full jitter"; spreads retries best).
 * - `decorrelated`: uniform in [initialDelayMs, 3 × previous delay], capped (AWS "decorrelated jitter").
 * - `none`: the capped exponential delay itself.
 */
export type JitterKind = 'full' | 'decorrelated' | 'none';
const JITTER_KINDS: readonly JitterKind[] = ['full', 'decorrelated', 'none'];

export interface ExponentialBackoffOptions {
  /** Delay before the first retry, before jitter. @default 100 */
  initialDelayMs?: number;
  /** No delay exceeds this. @default 30000 */
  maxDelayMs?: number;
  /** Growth per attempt. @default 2 */
  factor?: number;
  /** @default 'full' */
  jitter?: JitterKind;
  /** Uniform [0, 1) source; inject a seeded one (`createRandom(seed)`) for reproducible delays. @default Math.random */
  random?: () => number;
}

/** Maps the number of the attempt that just failed (1-based) to the delay before the next one. */
export type Backoff = (attempt: number) => number;

/**
 * Exponential backoff with jitter: attempt n waits about `initialDelayMs × factor^(n-1)`, capped at
 * `maxDelayMs`. `decorrelated` jitter remembers the previous delay, so use one backoff per retry
 * sequence (it starts over whenever it is asked for attempt 1).
 *
 * @example
 * const delay = exponentialBackoff({ initialDelayMs: 50, jitter: 'none' });
 * delay(1); // 50
 * delay(3); // 200
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const initial = requireNumber('initialDelayMs', options.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS, { min: 0 });
  const max = requireNumber('maxDelayMs', options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS, { min: initial });
  const factor = requireNumber('factor', options.factor ?? DEFAULT_BACKOFF_FACTOR, { min: 1 });
  const jitter = options.jitter ?? DEFAULT_JITTER;
  if (!JITTER_KINDS.includes(jitter)) {
    throw new NoError('INVALID_INPUT', `jitter must be one of ${JITTER_KINDS.join(', ')}`, { details: { jitter } });
  }
  const random = options.random ?? Math.random;
  let previous = initial;

  return (attempt: number): number => {
    const n = Number.isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1;
    // factor^(n-1) overflows to Infinity for large n; Math.min keeps the cap exact.
    const capped = Math.min(max, initial * factor ** (n - 1));
    switch (jitter) {
      case 'none':
        return capped;
      case 'full':
        return random() * capped;
      case 'decorrelated': {
        if (n === 1) previous = initial;
        const upper = Math.max(initial, previous * 3);
        previous = Math.min(max, initial + random() * (upper - initial));
        return previous;
      }
    }
  };
}

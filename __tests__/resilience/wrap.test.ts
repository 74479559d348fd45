import { NoError, isNoError } from '../../src/contracts/errors.js';
import { circuitBreaker } from '../../src/resilience/circuit-breaker.js';
import type { Policy, PolicyContext } from '../../src/resilience/policy.js';
import { retry } from '../../src/resilience/retry.js';
import { timeout } from '../../src/resilience/timeout.js';
import { wrap } from '../../src/resilience/wrap.js';

const instantSleep = (_ms: number, signal: AbortSignal): Promise<void> =>
  signal.aborted ? Promise.reject(new NoError('ABORTED', 'aborted')) : Promise.resolve();

/** A policy that records when it is entered and left, to see the nesting order. */
function tracing(name: string, log: string[]): Policy {
  return {
    async execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal?: AbortSignal): Promise<T> {
      log.push(`enter ${name}`);
      try {
        return await fn({ signal: signal ?? new AbortController().signal, attempt: 1 });
      } finally {
        log.push(`leave ${name}`);
      }
    },
  };
}

describe('wrap', () => {
  it('applies policies outermost first', async () => {
    const log: string[] = [];
    await wrap(tracing('outer', log), tracing('inner', log)).execute(async () => void log.push('fn'));
    expect(log).toEqual(['enter outer', 'enter inner', 'fn', 'leave inner', 'leave outer']);
  });

  it('runs the function directly when given no policies', async () => {
    const controller = new AbortController();
    const seen: PolicyContext[] = [];
    await expect(wrap().execute(async (ctx) => (seen.push(ctx), 'ok'), controller.signal)).resolves.toBe('ok');
    expect(seen).toEqual([{ signal: controller.signal, attempt: 1 }]);
    await expect(wrap().execute(async ({ signal }) => signal.aborted)).resolves.toBe(false);
  });

  it('gives every retry its own timeout: retry(timeout) recovers from one slow attempt', async () => {
    jest.useFakeTimers();
    try {
      const policy = wrap(retry({ sleep: instantSleep }), timeout(100));
      const attempts: number[] = [];
      const result = policy.execute(({ attempt }) => {
        attempts.push(attempt);
        return attempt === 1 ? new Promise<string>(() => undefined) : Promise.resolve('second time');
      });
      await jest.advanceTimersByTimeAsync(100);
      await expect(result).resolves.toBe('second time');
      expect(attempts).toEqual([1, 2]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('counts calls of the function as its attempt, across nested retries', async () => {
    const attempts: number[] = [];
    const policy = wrap(retry({ maxAttempts: 2, sleep: instantSleep }), retry({ maxAttempts: 2, sleep: instantSleep }));
    await policy
      .execute(async ({ attempt }) => {
        attempts.push(attempt);
        throw new NoError('TIMEOUT', 'slow');
      })
      .catch(() => undefined);
    expect(attempts).toEqual([1, 2, 3, 4]);
  });

  it('an outer abort reaches the function through inner layers', async () => {
    const controller = new AbortController();
    const policy = wrap(retry({ sleep: instantSleep }), circuitBreaker(), timeout(10_000));
    let inner: AbortSignal | undefined;
    const result = policy.execute(({ signal }) => {
      inner = signal;
      return new Promise<never>(() => undefined);
    }, controller.signal);
    controller.abort();
    const error: unknown = await result.catch((e: unknown) => e);
    expect(isNoError(error, 'ABORTED')).toBe(true);
    expect(inner?.aborted).toBe(true);
  });

  it('retry outside a breaker stops once the breaker opens (CIRCUIT_OPEN is not retried)', async () => {
    const breaker = circuitBreaker({ failureThreshold: 2 });
    let calls = 0;
    const policy = wrap(retry({ maxAttempts: 5, sleep: instantSleep }), breaker);
    const error: unknown = await policy
      .execute(async () => {
        calls++;
        throw new NoError('TIMEOUT', 'slow');
      })
      .catch((e: unknown) => e);
    expect(calls).toBe(2);
    expect(isNoError(error, 'CIRCUIT_OPEN')).toBe(true);
  });
});

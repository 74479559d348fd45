import { NoError, isNoError } from '../../src/contracts/errors.js';
import { exponentialBackoff } from '../../src/resilience/backoff.js';
import { retry, type RetryInfo } from '../../src/resilience/retry.js';

/** A sleep that records the requested delays and resolves at once (still honouring abort). */
function recordingSleep(): { delays: number[]; sleep: (ms: number, signal: AbortSignal) => Promise<void> } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms, signal) => {
      delays.push(ms);
      return signal.aborted ? Promise.reject(new NoError('ABORTED', 'aborted')) : Promise.resolve();
    },
  };
}

/** A function failing with the given errors in turn, then returning 'ok'. */
function failing(errors: unknown[]): { fn: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    fn: () => {
      const error = errors[calls++];
      return error === undefined ? Promise.resolve('ok') : Promise.reject(error);
    },
  };
}

const transient = (): NoError => new NoError('TIMEOUT', 'slow');

describe('retry', () => {
  it('retries transient errors and returns the eventual result', async () => {
    const { sleep } = recordingSleep();
    const target = failing([transient(), Object.assign(new Error('reset'), { code: 'ECONNRESET' })]);
    await expect(retry({ sleep }).execute(target.fn)).resolves.toBe('ok');
    expect(target.calls()).toBe(3);
  });

  it('waits exponential, capped backoff delays between attempts', async () => {
    const { delays, sleep } = recordingSleep();
    const backoff = exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 300, jitter: 'none' });
    const target = failing([transient(), transient(), transient()]);
    await retry({ maxAttempts: 4, backoff, sleep }).execute(target.fn);
    expect(delays).toEqual([100, 200, 300]);
  });

  it('uses full-jitter exponential backoff by default, within [0, cap]', async () => {
    const { delays, sleep } = recordingSleep();
    const target = failing([transient(), transient()]);
    await retry({ sleep }).execute(target.fn);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(0);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  it.each([
    ['bad input', new NoError('INVALID_INPUT', 'no')],
    ['an agent fault', new Error('agent broke')],
    ['a thrown string', 'boom'],
    ['a fatal error', new NoError('ABORTED', 'cancelled')],
  ])('does not retry %s by default', async (_label, error) => {
    const { delays, sleep } = recordingSleep();
    const target = failing([error]);
    await expect(retry({ sleep }).execute(target.fn)).rejects.toBe(error);
    expect(target.calls()).toBe(1);
    expect(delays).toEqual([]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const { sleep } = recordingSleep();
    const errors = [transient(), transient(), transient()];
    const target = failing(errors);
    await expect(retry({ maxAttempts: 3, sleep }).execute(target.fn)).rejects.toBe(errors[2]);
    expect(target.calls()).toBe(3);
  });

  it('reports each retry to onRetry with the error, the failed attempt and the delay', async () => {
    const { sleep } = recordingSleep();
    const errors = [transient(), transient()];
    const seen: RetryInfo[] = [];
    const backoff = exponentialBackoff({ initialDelayMs: 10, jitter: 'none' });
    await retry({ backoff, sleep, onRetry: (info) => seen.push(info) }).execute(failing(errors).fn);
    expect(seen).toEqual([
      { error: errors[0], attempt: 1, delayMs: 10 },
      { error: errors[1], attempt: 2, delayMs: 20 },
    ]);
  });

  it('passes the attempt number and the signal to the function', async () => {
    const { sleep } = recordingSleep();
    const controller = new AbortController();
    const seen: Array<{ attempt: number; signal: AbortSignal }> = [];
    await retry({ sleep }).execute(async (ctx) => {
      seen.push(ctx);
      if (ctx.attempt < 3) throw transient();
    }, controller.signal);
    expect(seen.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(seen.every((c) => c.signal === controller.signal)).toBe(true);
  });

  it('follows a custom shouldRetry, which sees the attempt number', async () => {
    const { sleep } = recordingSleep();
    const asked: number[] = [];
    const error = new Error('agent fault, retried anyway');
    const target = failing([error, error]);
    const policy = retry({ sleep, shouldRetry: (_e, attempt) => (asked.push(attempt), true) });
    await expect(policy.execute(target.fn)).resolves.toBe('ok');
    expect(asked).toEqual([1, 2]);
  });

  it('never applies a negative backoff', async () => {
    const { delays, sleep } = recordingSleep();
    await retry({ sleep, backoff: () => -5 }).execute(failing([transient()]).fn);
    expect(delays).toEqual([0]);
  });

  it('stops with ABORTED when the signal aborts during an attempt, without retrying', async () => {
    const { delays, sleep } = recordingSleep();
    const controller = new AbortController();
    let calls = 0;
    const outcome = retry({ sleep }).execute(async () => {
      calls++;
      controller.abort();
      throw transient();
    }, controller.signal);
    await expect(outcome).rejects.toMatchObject({ code: 'ABORTED' });
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
  });

  it('stops with ABORTED when the signal aborts during the backoff wait (real timers)', async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = Date.now();
    const outcome = retry({ backoff: () => 60_000 }).execute(async () => {
      calls++;
      setTimeout(() => controller.abort(), 5);
      throw transient();
    }, controller.signal);
    const error: unknown = await outcome.catch((e: unknown) => e);
    expect(isNoError(error, 'ABORTED')).toBe(true);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops before the next attempt when an injected sleep ignores the abort', async () => {
    const controller = new AbortController();
    let calls = 0;
    const outcome = retry({ sleep: async () => controller.abort() }).execute(async () => {
      calls++;
      throw transient();
    }, controller.signal);
    await expect(outcome).rejects.toMatchObject({ code: 'ABORTED' });
    expect(calls).toBe(1);
  });

  it('does not call the function when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const fn = jest.fn(async () => 'never');
    await expect(retry().execute(fn, controller.signal)).rejects.toMatchObject({ code: 'ABORTED' });
    expect(fn).not.toHaveBeenCalled();
  });

  it('turns a synchronous throw into a handled failure', async () => {
    const { sleep } = recordingSleep();
    let calls = 0;
    const fn = (): Promise<string> => {
      if (calls++ === 0) throw transient();
      return Promise.resolve('ok');
    };
    await expect(retry({ sleep }).execute(fn)).resolves.toBe('ok');
  });

  it('leaves the decision to shouldRetry alone when maxAttempts is Infinity', async () => {
    const { delays, sleep } = recordingSleep();
    const backoff = exponentialBackoff({ initialDelayMs: 1, maxDelayMs: 1_000_000, jitter: 'none' });
    const error = new Error('agent fault, retried by a custom rule');
    const target = failing(Array.from({ length: 10 }, () => error));
    const policy = retry({ maxAttempts: Number.POSITIVE_INFINITY, backoff, sleep, shouldRetry: () => true });
    await expect(policy.execute(target.fn)).resolves.toBe('ok');
    expect(target.calls()).toBe(11);
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
  });

  it.each([0, 1.5, Number.NaN, Number.NEGATIVE_INFINITY])('rejects maxAttempts %p', (maxAttempts) => {
    expect(() => retry({ maxAttempts })).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER' }));
  });
});

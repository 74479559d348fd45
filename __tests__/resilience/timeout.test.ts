import { getEventListeners } from 'node:events';
import { isNoError } from '../../src/contracts/errors.js';
import { timeout } from '../../src/resilience/timeout.js';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** Settles a promise into a value for assertions, without an unhandled rejection in between. */
function outcome<T>(promise: Promise<T>): { current: () => { value?: T; error?: unknown } | undefined } {
  let result: { value?: T; error?: unknown } | undefined;
  promise.then(
    (value) => (result = { value }),
    (error: unknown) => (result = { error }),
  );
  return { current: () => result };
}

describe('timeout', () => {
  it('rejects with TIMEOUT after ms and aborts the signal the function got', async () => {
    let inner: AbortSignal | undefined;
    const result = outcome(
      timeout(1000).execute(({ signal }) => {
        inner = signal;
        return new Promise<string>(() => undefined);
      }),
    );
    await jest.advanceTimersByTimeAsync(999);
    expect(result.current()).toBeUndefined();
    expect(inner?.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    const error = result.current()?.error;
    expect(isNoError(error, 'TIMEOUT')).toBe(true);
    expect((error as { details: unknown }).details).toEqual({ timeoutMs: 1000 });
    expect(inner?.aborted).toBe(true);
    expect(inner?.reason).toBe(error);
  });

  it('does not hang on a function that never settles and ignores its signal', async () => {
    const result = outcome(timeout(50).execute(() => new Promise<never>(() => undefined)));
    await jest.advanceTimersByTimeAsync(50);
    expect(result.current()?.error).toMatchObject({ code: 'TIMEOUT' });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('resolves with the value and clears its timer when the function is faster', async () => {
    const controller = new AbortController();
    let inner: AbortSignal | undefined;
    const value = await timeout(1000).execute(async ({ signal }) => {
      inner = signal;
      return 42;
    }, controller.signal);
    expect(value).toBe(42);
    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(2000);
    expect(inner?.aborted).toBe(false);
  });

  it('passes the function failure through and clears its timer', async () => {
    const failure = new Error('agent broke');
    await expect(timeout(1000).execute(() => Promise.reject(failure))).rejects.toBe(failure);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('turns a synchronous throw into a rejection', async () => {
    const failure = new Error('sync');
    const fn = (): Promise<never> => {
      throw failure;
    };
    await expect(timeout(1000).execute(fn)).rejects.toBe(failure);
  });

  it('honours an outer abort: rejects with ABORTED at once and aborts the inner signal', async () => {
    const controller = new AbortController();
    let inner: AbortSignal | undefined;
    const result = outcome(
      timeout(10_000).execute(({ signal }) => {
        inner = signal;
        return new Promise<never>(() => undefined);
      }, controller.signal),
    );
    controller.abort('user cancelled');
    await jest.advanceTimersByTimeAsync(0);
    const error = result.current()?.error;
    expect(isNoError(error, 'ABORTED')).toBe(true);
    expect((error as Error).cause).toBe('user cancelled');
    expect(inner?.aborted).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('does not start the function when the outer signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const fn = jest.fn(async () => 1);
    await expect(timeout(100).execute(fn, controller.signal)).rejects.toMatchObject({ code: 'ABORTED' });
    expect(fn).not.toHaveBeenCalled();
  });

  it('ignores a late settlement after it timed out', async () => {
    let finish: (v: string) => void = () => undefined;
    const result = outcome(timeout(10).execute(() => new Promise<string>((resolve) => (finish = resolve))));
    await jest.advanceTimersByTimeAsync(10);
    finish('late');
    await jest.advanceTimersByTimeAsync(0);
    expect(result.current()?.error).toMatchObject({ code: 'TIMEOUT' });
  });

  it.each([0, -1, Number.NaN, 2 ** 31])('rejects an invalid duration %p', (ms) => {
    expect(() => timeout(ms)).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER' }));
  });
});

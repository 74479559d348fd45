import { getEventListeners } from 'node:events';
import { isNoError } from '../../src/contracts/errors.js';
import { anySignal, sleep } from '../../src/resilience/abort.js';

afterEach(() => jest.useRealTimers());

describe('sleep', () => {
  it('resolves after the delay and leaves no timer or listener behind', async () => {
    jest.useFakeTimers();
    const controller = new AbortController();
    let done = false;
    const waiting = sleep(100, controller.signal).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with ABORTED on abort and clears its timer', async () => {
    jest.useFakeTimers();
    const controller = new AbortController();
    const waiting = sleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    const error: unknown = await waiting.catch((e: unknown) => e);
    expect(isNoError(error, 'ABORTED')).toBe(true);
    expect((error as Error).cause).toEqual(new Error('stop'));
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(sleep(10, controller.signal)).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('works without a signal', async () => {
    jest.useFakeTimers();
    const waiting = sleep(5);
    await jest.advanceTimersByTimeAsync(5);
    await expect(waiting).resolves.toBeUndefined();
  });
});

describe('anySignal', () => {
  it('aborts with the reason of the first source that aborts and then detaches from all sources', () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = anySignal([a.signal, undefined, b.signal]);
    expect(linked.signal.aborted).toBe(false);
    b.abort('why');
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe('why');
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(b.signal, 'abort')).toHaveLength(0);
  });

  it('is aborted at once when a source already is, without adding listeners', () => {
    const a = new AbortController();
    const b = new AbortController();
    b.abort('early');
    const linked = anySignal([a.signal, b.signal]);
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe('early');
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(0);
    linked.dispose();
  });

  it('dispose removes every listener, so later aborts no longer reach it', () => {
    const a = new AbortController();
    const linked = anySignal([a.signal]);
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(1);
    linked.dispose();
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(0);
    a.abort();
    expect(linked.signal.aborted).toBe(false);
  });

  it('does not grow a long-lived parent signal over many linked uses', () => {
    const parent = new AbortController();
    for (let i = 0; i < 100; i++) anySignal([parent.signal]).dispose();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });
});

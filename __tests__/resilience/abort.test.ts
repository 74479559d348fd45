import { getEventListeners } from 'node:events';
import { isNoError } from '../../src/contracts/errors.js';
import { abortScope, anySignal, sleep } from '../../src/resilience/abort.js';

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

describe('abortScope', () => {
  it('keeps one listener on its parent however many children are live', () => {
    const parent = new AbortController();
    const scope = abortScope([parent.signal]);
    const children = Array.from({ length: 200 }, () => scope.child());
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    expect(getEventListeners(scope.signal, 'abort')).toHaveLength(0);
    expect(children.some((c) => c.signal.aborted)).toBe(false);
    for (const c of children) c.dispose();
    scope.dispose();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it("aborts every live child with the parent's reason, and not the children already disposed", () => {
    const parent = new AbortController();
    const scope = abortScope([parent.signal, undefined]);
    const live = scope.child();
    const done = scope.child();
    done.dispose();
    const reason = new Error('user stop');
    parent.abort(reason);
    expect(scope.signal.reason).toBe(reason);
    expect(live.signal.reason).toBe(reason);
    expect(done.signal.aborted).toBe(false);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('aborts from within, keeps the first reason, and hands out aborted children afterwards', () => {
    const scope = abortScope();
    const child = scope.child();
    scope.abort('deadline');
    scope.abort('later');
    expect([scope.signal.reason, child.signal.reason]).toEqual(['deadline', 'deadline']);
    const late = scope.child();
    expect(late.signal.reason).toBe('deadline');
    late.dispose();
  });

  it('starts aborted under a parent that already is', () => {
    const parent = new AbortController();
    parent.abort('gone');
    const scope = abortScope([parent.signal]);
    expect(scope.signal.reason).toBe('gone');
    expect(scope.child().signal.aborted).toBe(true);
  });

  it('gives children the default AbortError when aborted without a reason', () => {
    const scope = abortScope();
    const child = scope.child();
    scope.abort();
    expect(child.signal.reason).toMatchObject({ name: 'AbortError' });
  });
});

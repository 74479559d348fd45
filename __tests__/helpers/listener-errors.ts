/**
 * Catches what the listener rule rethrows on a microtask. Jest fails a suite on an uncaught
 * exception before any `process.on('uncaughtException')` handler of the test can see it, so the test
 * wraps `queueMicrotask` instead: a callback that throws has its error kept here, not thrown.
 * Call `restore()` when done (an `afterEach` does it for every test that used it).
 */
export interface ListenerErrors {
  /** Waits until queued microtasks have run, then returns every error they threw so far. */
  settled(): Promise<unknown[]>;
  restore(): void;
}

const active = new Set<ListenerErrors>();
afterEach(() => {
  for (const capture of active) capture.restore();
});

export function captureListenerErrors(): ListenerErrors {
  const errors: unknown[] = [];
  const spy = jest.spyOn(globalThis, 'queueMicrotask').mockImplementation((callback) => {
    Promise.resolve().then(() => {
      try {
        callback();
      } catch (error) {
        errors.push(error);
      }
    });
  });
  const capture: ListenerErrors = {
    async settled() {
      await new Promise((resolve) => setImmediate(resolve));
      return [...errors];
    },
    restore() {
      spy.mockRestore();
      active.delete(capture);
    },
  };
  active.add(capture);
  return capture;
}

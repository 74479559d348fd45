import fc from 'fast-check';
import { NoError, isNoError } from '../../src/contracts/errors.js';
import type { CircuitState } from '../../src/contracts/loop.js';
import { circuitBreaker } from '../../src/resilience/circuit-breaker.js';
import type { CircuitBreaker, CircuitStateChange } from '../../src/resilience/circuit-types.js';

const fault = (): Error => new Error('agent fault');
const ok = (): Promise<string> => Promise.resolve('ok');
const fail = (): Promise<never> => Promise.reject(fault());

function clock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

async function failTimes(breaker: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await breaker.execute(fail).catch(() => undefined);
}

/** A call that stays pending until the test settles it. */
function pending(): { fn: () => Promise<string>; resolve: () => void; reject: () => void; started: () => boolean } {
  let started = false;
  let resolve: () => void = () => undefined;
  let reject: () => void = () => undefined;
  return {
    started: () => started,
    resolve: () => resolve(),
    reject: () => reject(),
    fn: () => {
      started = true;
      return new Promise<string>((res, rej) => {
        resolve = () => res('done');
        reject = () => rej(fault());
      });
    },
  };
}

describe('circuitBreaker state machine', () => {
  it('stays closed below the threshold and opens on the threshold-th consecutive failure', async () => {
    const breaker = circuitBreaker({ failureThreshold: 3 });
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(2);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('a success resets the consecutive failure count', async () => {
    const breaker = circuitBreaker({ failureThreshold: 3 });
    await failTimes(breaker, 2);
    await breaker.execute(ok);
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(2);
  });

  it('fails fast with CIRCUIT_OPEN while open, without calling the function', async () => {
    const time = clock();
    const breaker = circuitBreaker({ failureThreshold: 1, recoveryTimeoutMs: 1000, now: time.now });
    await failTimes(breaker, 1);
    time.advance(400);
    const fn = jest.fn(ok);
    const error: unknown = await breaker.execute(fn).catch((e: unknown) => e);
    expect(isNoError(error, 'CIRCUIT_OPEN')).toBe(true);
    expect((error as NoError).details).toMatchObject({ state: 'open', retryAfterMs: 600, isolated: false });
    expect(fn).not.toHaveBeenCalled();
  });

  it('becomes half-open after recoveryTimeoutMs and a successful trial closes it', async () => {
    const time = clock();
    const breaker = circuitBreaker({ failureThreshold: 2, recoveryTimeoutMs: 1000, now: time.now });
    await failTimes(breaker, 2);
    time.advance(999);
    expect(breaker.state).toBe('open');
    time.advance(1);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(0);
  });

  it('a failed trial reopens it for another full recovery period', async () => {
    const time = clock();
    const breaker = circuitBreaker({ failureThreshold: 1, recoveryTimeoutMs: 1000, now: time.now });
    await failTimes(breaker, 1);
    time.advance(1000);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    time.advance(999);
    expect(breaker.state).toBe('open');
    time.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('lets only one trial call through at a time in half-open', async () => {
    const time = clock();
    const breaker = circuitBreaker({ failureThreshold: 1, recoveryTimeoutMs: 10, now: time.now });
    await failTimes(breaker, 1);
    time.advance(10);
    const trial = pending();
    const first = breaker.execute(trial.fn);
    const second: unknown = await breaker.execute(ok).catch((e: unknown) => e);
    expect(trial.started()).toBe(true);
    expect(isNoError(second, 'CIRCUIT_OPEN')).toBe(true);
    expect((second as NoError).details).toMatchObject({ state: 'half-open' });
    trial.resolve();
    await first;
    expect(breaker.state).toBe('closed');
  });

  it('needs successThreshold successful trials to close', async () => {
    const time = clock();
    const breaker = circuitBreaker({ failureThreshold: 1, recoveryTimeoutMs: 10, successThreshold: 3, now: time.now });
    await failTimes(breaker, 1);
    time.advance(10);
    await breaker.execute(ok);
    await breaker.execute(ok);
    expect(breaker.state).toBe('half-open');
    await breaker.execute(ok);
    expect(breaker.state).toBe('closed');
  });

  it('does not count bad input or cancellation as failures by default', async () => {
    const breaker = circuitBreaker({ failureThreshold: 1 });
    await breaker.execute(() => Promise.reject(new NoError('INVALID_INPUT', 'bad'))).catch(() => undefined);
    await breaker.execute(() => Promise.reject(new NoError('ABORTED', 'stop'))).catch(() => undefined);
    expect(breaker.state).toBe('closed');
    await breaker.execute(() => Promise.reject(new NoError('TIMEOUT', 'slow'))).catch(() => undefined);
    expect(breaker.state).toBe('open');
  });

  it('a trial that ends in a non-failure frees the trial slot without changing state', async () => {
    const time = clock();
    const breaker = circuitBreaker({ failureThreshold: 1, recoveryTimeoutMs: 10, now: time.now });
    await failTimes(breaker, 1);
    time.advance(10);
    await breaker.execute(() => Promise.reject(new NoError('INVALID_INPUT', 'bad'))).catch(() => undefined);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('follows a custom isFailure', async () => {
    const breaker = circuitBreaker({ failureThreshold: 1, isFailure: (e) => e === 'count me' });
    await breaker.execute(fail).catch(() => undefined);
    expect(breaker.state).toBe('closed');
    await breaker.execute(() => Promise.reject('count me')).catch(() => undefined);
    expect(breaker.state).toBe('open');
  });

  it('ignores the outcome of a call that started before the last state change', async () => {
    const time = clock();
    const breaker = circuitBreaker({ failureThreshold: 1, recoveryTimeoutMs: 10, now: time.now });
    const slow = pending();
    const slowCall = breaker.execute(slow.fn);
    await failTimes(breaker, 1); // opens while the slow call is still running
    time.advance(10);
    expect(breaker.state).toBe('half-open');
    slow.resolve();
    await slowCall;
    expect(breaker.state).toBe('half-open'); // the old success did not close it
  });

  it('passes the caller signal through and rejects at once if it is already aborted', async () => {
    const breaker = circuitBreaker();
    const controller = new AbortController();
    await breaker.execute(async ({ signal, attempt }) => {
      expect(signal).toBe(controller.signal);
      expect(attempt).toBe(1);
    }, controller.signal);
    controller.abort();
    await expect(breaker.execute(ok, controller.signal)).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('counts a synchronous throw as a failure', async () => {
    const breaker = circuitBreaker({ failureThreshold: 1 });
    const fn = (): Promise<never> => {
      throw fault();
    };
    await expect(breaker.execute(fn)).rejects.toThrow('agent fault');
    expect(breaker.state).toBe('open');
  });
});

describe('circuitBreaker isolate and reset', () => {
  it('isolate forces it open past the recovery time until reset', async () => {
    const time = clock();
    const breaker = circuitBreaker({ recoveryTimeoutMs: 10, now: time.now });
    breaker.isolate();
    time.advance(1_000_000);
    expect(breaker.state).toBe('open');
    const error: unknown = await breaker.execute(ok).catch((e: unknown) => e);
    expect((error as NoError).details).toMatchObject({ isolated: true });
    expect((error as NoError).details).not.toHaveProperty('retryAfterMs');
    breaker.reset();
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
  });

  it('reset forgets failures', async () => {
    const breaker = circuitBreaker({ failureThreshold: 3 });
    await failTimes(breaker, 2);
    breaker.reset();
    expect(breaker.consecutiveFailures).toBe(0);
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
  });
});

describe('circuitBreaker adaptive threshold', () => {
  it.each([
    [0, 10],
    [0.5, 7],
    [1, 5],
    [-3, 10], // clamped to 0
    [7, 5], // clamped to 1
    [Number.NaN, 5], // unknown load is treated as full load
  ])('under load %p opens after %p failures (failureThreshold 5)', async (load, expected) => {
    const breaker = circuitBreaker({ failureThreshold: 5, adaptiveThreshold: true, load: () => load });
    expect(breaker.threshold).toBe(expected);
    await failTimes(breaker, expected - 1);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('never goes below 1', () => {
    expect(circuitBreaker({ failureThreshold: 1, adaptiveThreshold: true, load: () => 1 }).threshold).toBe(1);
  });

  it('reads load at each failure, so rising load opens it sooner', async () => {
    let load = 0;
    const breaker = circuitBreaker({ failureThreshold: 4, adaptiveThreshold: true, load: () => load });
    await failTimes(breaker, 5);
    expect(breaker.state).toBe('closed'); // threshold 8
    load = 1;
    await failTimes(breaker, 1); // 6 >= 4
    expect(breaker.state).toBe('open');
  });

  it('ignores load when not adaptive', () => {
    expect(circuitBreaker({ failureThreshold: 5, load: () => 0 }).threshold).toBe(5);
  });

  it('refuses adaptiveThreshold without a load function', () => {
    expect(() => circuitBreaker({ adaptiveThreshold: true })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('circuitBreaker events', () => {
  it('reports each state change once, with the reason, and stops after unsubscribe', async () => {
    const time = clock();
    const breaker = circuitBreaker({ failureThreshold: 1, recoveryTimeoutMs: 10, now: time.now });
    const changes: CircuitStateChange[] = [];
    const unsubscribe = breaker.onStateChange((c) => changes.push(c));
    await failTimes(breaker, 1);
    time.advance(10);
    await failTimes(breaker, 1);
    time.advance(10);
    await breaker.execute(ok);
    breaker.isolate();
    breaker.reset();
    breaker.reset(); // already closed: no event
    expect(changes).toEqual([
      { from: 'closed', to: 'open', reason: 'failures' },
      { from: 'open', to: 'half-open', reason: 'recovery-timeout' },
      { from: 'half-open', to: 'open', reason: 'trial-failed' },
      { from: 'open', to: 'half-open', reason: 'recovery-timeout' },
      { from: 'half-open', to: 'closed', reason: 'trial-succeeded' },
      { from: 'closed', to: 'open', reason: 'isolated' },
      { from: 'open', to: 'closed', reason: 'reset' },
    ]);
    unsubscribe();
    breaker.isolate();
    expect(changes).toHaveLength(7);
  });
});

describe('circuitBreaker snapshot and restore', () => {
  it('snapshots to JSON and a new breaker restored from it behaves the same', async () => {
    const time = clock();
    const breaker = circuitBreaker({ failureThreshold: 2, recoveryTimeoutMs: 100, now: time.now });
    await failTimes(breaker, 2);
    const saved: unknown = JSON.parse(JSON.stringify(breaker));
    expect(saved).toEqual({ version: 1, state: 'open', consecutiveFailures: 2, halfOpenSuccesses: 0, openedAt: 1000, isolated: false });

    const revived = circuitBreaker({ failureThreshold: 2, recoveryTimeoutMs: 100, now: time.now, initial: saved });
    expect(revived.state).toBe('open');
    await expect(revived.execute(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    time.advance(100);
    expect(revived.state).toBe('half-open');
    await revived.execute(ok);
    expect(revived.snapshot()).toEqual({ version: 1, state: 'closed', consecutiveFailures: 0, halfOpenSuccesses: 0, openedAt: 1000, isolated: false });
  });

  it('keeps the failure count of a closed breaker across restore', async () => {
    const first = circuitBreaker({ failureThreshold: 3 });
    await failTimes(first, 2);
    const second = circuitBreaker({ failureThreshold: 3 });
    second.restore(first.snapshot());
    await failTimes(second, 1);
    expect(second.state).toBe('open');
  });

  it('keeps an isolation across restore and emits a restored event', () => {
    const first = circuitBreaker();
    first.isolate();
    const second = circuitBreaker();
    const changes: CircuitStateChange[] = [];
    second.onStateChange((c) => changes.push(c));
    second.restore(first.toJSON());
    expect(second.snapshot().isolated).toBe(true);
    expect(changes).toEqual([{ from: 'closed', to: 'open', reason: 'restored' }]);
  });

  it('starts the recovery clock now for an open snapshot without openedAt', () => {
    const time = clock(5000);
    const breaker = circuitBreaker({ recoveryTimeoutMs: 100, now: time.now });
    breaker.restore({ version: 1, state: 'open', consecutiveFailures: 5, halfOpenSuccesses: 0, isolated: false });
    time.advance(99);
    expect(breaker.state).toBe('open');
    time.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it.each([[null], [{ version: 2, state: 'open' }], [{ version: 1, state: 'ajar', consecutiveFailures: 0, halfOpenSuccesses: 0, isolated: false }]])(
    'refuses a malformed snapshot %p with INVALID_INPUT and keeps its state',
    (bad) => {
      const breaker = circuitBreaker();
      expect(() => breaker.restore(bad)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
      expect(breaker.state).toBe('closed');
    },
  );

  it.each([{ failureThreshold: 0 }, { successThreshold: 1.5 }, { recoveryTimeoutMs: -1 }])('rejects invalid option %p', (options) => {
    expect(() => circuitBreaker(options)).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER' }));
  });
});

describe('circuitBreaker properties', () => {
  type Step = { kind: 'fail' } | { kind: 'succeed' } | { kind: 'wait'; ms: number };
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    fc.constant<Step>({ kind: 'fail' }),
    fc.constant<Step>({ kind: 'succeed' }),
    fc.integer({ min: 0, max: 200 }).map<Step>((ms) => ({ kind: 'wait', ms })),
  );

  it('is never closed while it has seen >= threshold consecutive failures', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(0, 0.5, 1),
        fc.array(stepArb, { maxLength: 60 }),
        async (failureThreshold, successThreshold, load, steps) => {
          const time = clock();
          const breaker = circuitBreaker({ failureThreshold, successThreshold, recoveryTimeoutMs: 100, adaptiveThreshold: true, load: () => load, now: time.now });
          const threshold = Math.max(1, Math.floor(failureThreshold * (2 - load)));
          // Our own count of consecutive failed calls that actually ran; closing starts it over.
          let observed = 0;
          breaker.onStateChange(({ to }) => {
            if (to === 'closed') observed = 0;
          });
          for (const step of steps) {
            if (step.kind === 'wait') time.advance(step.ms);
            else {
              let ran = false;
              const fn = (): Promise<string> => ((ran = true), step.kind === 'fail' ? fail() : ok());
              await breaker.execute(fn).catch(() => undefined);
              if (ran) observed = step.kind === 'fail' ? observed + 1 : 0;
            }
            if (breaker.state === 'closed' && observed >= threshold) return false;
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });

  type Op = { kind: 'start' } | { kind: 'settle'; index: number; ok: boolean } | { kind: 'wait'; ms: number } | { kind: 'fail' };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.constant<Op>({ kind: 'start' }),
    fc.constant<Op>({ kind: 'fail' }),
    fc.record({ kind: fc.constant('settle' as const), index: fc.nat(), ok: fc.boolean() }),
    fc.integer({ min: 0, max: 150 }).map<Op>((ms) => ({ kind: 'wait', ms })),
  );

  it('never lets more than one trial run at once in half-open', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.array(opArb, { maxLength: 80 }), async (failureThreshold, successThreshold, ops) => {
        const time = clock();
        const breaker = circuitBreaker({ failureThreshold, successThreshold, recoveryTimeoutMs: 100, now: time.now });
        const running: Array<{ call: ReturnType<typeof pending>; trial: boolean; done: Promise<unknown> }> = [];
        let maxTrials = 0;
        for (const op of ops) {
          if (op.kind === 'wait') time.advance(op.ms);
          else if (op.kind === 'fail') await breaker.execute(fail).catch(() => undefined);
          else if (op.kind === 'start') {
            const call = pending();
            const before: CircuitState = breaker.state;
            const done = breaker.execute(call.fn).catch(() => undefined);
            if (call.started()) running.push({ call, trial: before === 'half-open', done });
          } else if (running.length > 0) {
            const [entry] = running.splice(op.index % running.length, 1);
            if (entry) {
              if (op.ok) entry.call.resolve();
              else entry.call.reject();
              await entry.done;
            }
          }
          maxTrials = Math.max(maxTrials, running.filter((r) => r.trial).length);
        }
        return maxTrials <= 1;
      }),
      { numRuns: 300 },
    );
  });
});

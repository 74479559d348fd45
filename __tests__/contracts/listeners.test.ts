import fc from 'fast-check';
import { createListeners, type Unsubscribe } from '../../src/contracts/listeners';
import { thrown } from '../helpers/errors';
import { captureListenerErrors } from '../helpers/listener-errors';

/** What one listener does when it hears a value. */
type Behaviour = { kind: 'ok' } | { kind: 'throw' } | { kind: 'reject' } | { kind: 'off'; target: number } | { kind: 'add' };

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.constant({ kind: 'ok' as const }),
  fc.constant({ kind: 'throw' as const }),
  fc.constant({ kind: 'reject' as const }),
  fc.record({ kind: fc.constant('off' as const), target: fc.nat({ max: 7 }) }),
  fc.constant({ kind: 'add' as const }),
);

/**
 * The rule as a plain model: each emit calls the subscriptions live when it began, skipping any
 * unsubscribed since; a subscription added meanwhile is called from the next emit on; every failure is
 * reported once and stops nothing.
 */
function model(behaviours: Behaviour[], emits: number): { calls: string[]; failures: number } {
  let live = behaviours.map((b, i) => ({ id: `L${i}`, b }));
  const calls: string[] = [];
  let failures = 0;
  let added = 0;
  for (let e = 0; e < emits; e++) {
    const snapshot = live;
    for (const sub of snapshot) {
      if (!live.includes(sub)) continue;
      calls.push(`${e}:${sub.id}`);
      if (sub.b.kind === 'throw' || sub.b.kind === 'reject') failures++;
      if (sub.b.kind === 'off') {
        const target = `L${sub.b.target}`;
        live = live.filter((s) => s.id !== target);
      }
      if (sub.b.kind === 'add') live = [...live, { id: `A${added++}`, b: { kind: 'ok' } }];
    }
  }
  return { calls, failures };
}

describe('createListeners', () => {
  it('follows the model for any mix of throwing, rejecting, unsubscribing and subscribing listeners', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(behaviour, { maxLength: 8 }), fc.integer({ min: 1, max: 3 }), async (behaviours, emits) => {
        const errors = captureListenerErrors();
        try {
          const listeners = createListeners<number>();
          const calls: string[] = [];
          const offs: Unsubscribe[] = [];
          let added = 0;
          behaviours.forEach((b, i) => {
            offs.push(
              listeners.on((e) => {
                calls.push(`${e}:L${i}`);
                if (b.kind === 'throw') throw new Error(`L${i}`);
                if (b.kind === 'reject') return Promise.reject(new Error(`L${i}`)) as unknown as void;
                if (b.kind === 'off') offs[b.target]?.();
                if (b.kind === 'add') {
                  const id = `A${added++}`;
                  listeners.on((e2) => void calls.push(`${e2}:${id}`));
                }
              }),
            );
          });
          for (let e = 0; e < emits; e++) expect(() => listeners.emit(e)).not.toThrow();
          const expected = model(behaviours, emits);
          expect(calls).toEqual(expected.calls);
          expect(await errors.settled()).toHaveLength(expected.failures);
        } finally {
          errors.restore();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reports a throwing listener once, with its own error, after the emit has returned', async () => {
    const errors = captureListenerErrors();
    const listeners = createListeners<string>();
    const bug = new Error('listener bug');
    const heard: string[] = [];
    listeners.on(() => {
      throw bug;
    });
    listeners.on((v) => heard.push(v));
    listeners.emit('x');
    expect(heard).toEqual(['x']);
    expect(await errors.settled()).toEqual([bug]);
  });

  it('counts subscriptions, treats the same function twice as two, and unsubscribes each once', () => {
    const listeners = createListeners();
    let calls = 0;
    const listener = (): void => void calls++;
    const offA = listeners.on(listener);
    const offB = listeners.on(listener);
    expect(listeners.size).toBe(2);
    listeners.emit();
    offA();
    offA();
    expect(listeners.size).toBe(1);
    listeners.emit();
    offB();
    listeners.emit();
    expect([calls, listeners.size]).toEqual([3, 0]);
  });

  it('refuses a listener that is not a function when it subscribes, not when it is called', () => {
    const listeners = createListeners<number>();
    expect(thrown(() => listeners.on(null as unknown as () => void))).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('null') });
    expect(listeners.size).toBe(0);
  });
});

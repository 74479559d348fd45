import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { isNoError, type NoError } from '../../src/contracts/errors.js';
import { bulkhead } from '../../src/resilience/bulkhead.js';

function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('bulkhead', () => {
  it('runs up to maxConcurrent calls at once and refuses the next with BULKHEAD_FULL when there is no queue', async () => {
    const limiter = bulkhead({ maxConcurrent: 2 });
    const g = gate();
    const a = limiter.execute(() => g.promise);
    const b = limiter.execute(() => g.promise);
    expect(limiter.executing).toBe(2);
    const error: unknown = await limiter.execute(async () => undefined).catch((e: unknown) => e);
    expect(isNoError(error, 'BULKHEAD_FULL')).toBe(true);
    expect((error as NoError).details).toEqual({ maxConcurrent: 2, maxQueue: 0, executing: 2, queued: 0 });
    g.open();
    await Promise.all([a, b]);
    expect(limiter.executing).toBe(0);
  });

  it('queues up to maxQueue calls and starts them in order as slots free up', async () => {
    const limiter = bulkhead({ maxConcurrent: 1, maxQueue: 2 });
    const order: string[] = [];
    const first = gate();
    const a = limiter.execute(async () => {
      await first.promise;
      order.push('a');
    });
    const b = limiter.execute(async () => void order.push('b'));
    const c = limiter.execute(async () => void order.push('c'));
    expect(limiter.queued).toBe(2);
    await expect(limiter.execute(async () => undefined)).rejects.toMatchObject({ code: 'BULKHEAD_FULL' });
    first.open();
    await Promise.all([a, b, c]);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(limiter.queued).toBe(0);
  });

  it('frees the slot when a call fails, and passes the failure on', async () => {
    const limiter = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const failure = new Error('boom');
    const a = limiter.execute(() => Promise.reject(failure));
    const b = limiter.execute(async () => 'next');
    await expect(a).rejects.toBe(failure);
    await expect(b).resolves.toBe('next');
    expect(limiter.executing).toBe(0);
  });

  it('treats a synchronous throw as a failed call that frees its slot', async () => {
    const limiter = bulkhead({ maxConcurrent: 1 });
    const fn = (): Promise<never> => {
      throw new Error('sync');
    };
    await expect(limiter.execute(fn)).rejects.toThrow('sync');
    expect(limiter.executing).toBe(0);
  });

  it('a queued call whose signal aborts leaves the queue with ABORTED and never runs', async () => {
    const limiter = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const g = gate();
    const running = limiter.execute(() => g.promise);
    const controller = new AbortController();
    const fn = jest.fn(async () => undefined);
    const queued = limiter.execute(fn, controller.signal);
    expect(limiter.queued).toBe(1);
    controller.abort('changed my mind');
    const error: unknown = await queued.catch((e: unknown) => e);
    expect(isNoError(error, 'ABORTED')).toBe(true);
    expect(limiter.queued).toBe(0);
    // the freed queue place can be used again
    const next = limiter.execute(async () => 'later');
    g.open();
    await running;
    await expect(next).resolves.toBe('later');
    expect(fn).not.toHaveBeenCalled();
  });

  it('removes its abort listener once a queued call starts', async () => {
    const limiter = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const g = gate();
    const running = limiter.execute(() => g.promise);
    const controller = new AbortController();
    const queued = limiter.execute(async ({ signal }) => getEventListeners(signal, 'abort').length, controller.signal);
    g.open();
    await running;
    await expect(queued).resolves.toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(bulkhead({ maxConcurrent: 1 }).execute(async () => 1, controller.signal)).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it.each([{ maxConcurrent: 0 }, { maxConcurrent: 1.5 }, { maxConcurrent: 1, maxQueue: -1 }])('rejects invalid option %p', (options) => {
    expect(() => bulkhead(options)).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER' }));
  });

  it('never runs more than maxConcurrent calls nor queues more than maxQueue, under random durations and aborts (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.record({ steps: fc.integer({ min: 0, max: 5 }), abort: fc.boolean(), fails: fc.boolean() }), { maxLength: 25 }),
        async (s, maxConcurrent, maxQueue, calls) => {
          const limiter = bulkhead({ maxConcurrent, maxQueue });
          let running = 0;
          let maxRunning = 0;
          let maxQueued = 0;
          const outcomes = calls.map((call, i) => {
            const controller = new AbortController();
            if (call.abort) void s.schedule(Promise.resolve(`abort ${i}`)).then(() => controller.abort());
            const result = limiter.execute(async () => {
              running++;
              maxRunning = Math.max(maxRunning, running);
              try {
                for (let k = 0; k < call.steps; k++) await s.schedule(Promise.resolve(`call ${i} step ${k}`));
                if (call.fails) throw new Error('failed');
              } finally {
                running--;
              }
            }, controller.signal);
            maxQueued = Math.max(maxQueued, limiter.queued);
            return result.then(
              () => 'ok',
              (e: unknown) => (isNoError(e) ? e.code : 'failed'),
            );
          });
          // Calls leave the queue a few microtasks after a slot frees, so drain until everything settled.
          let settled: string[] | undefined;
          void Promise.all(outcomes).then((all) => (settled = all));
          for (let round = 0; settled === undefined && round < 1000; round++) {
            await s.waitAll();
            await new Promise((resolve) => setImmediate(resolve));
          }
          if (settled === undefined) return false; // a call was stranded in the queue
          return (
            maxRunning <= maxConcurrent &&
            maxQueued <= maxQueue &&
            limiter.executing === 0 &&
            limiter.queued === 0 &&
            settled.every((o) => ['ok', 'failed', 'BULKHEAD_FULL', 'ABORTED'].includes(o))
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

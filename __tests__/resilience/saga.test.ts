import { isNoError } from '../../src/contracts/errors.js';
import { compensateInReverse, saga, type SagaStep } from '../../src/resilience/saga.js';

interface Log {
  events: string[];
}

function step(name: string, opts: { fails?: boolean; compensationFails?: boolean; noCompensation?: boolean } = {}): SagaStep<Log> {
  return {
    name,
    async execute(ctx) {
      ctx.events.push(`do ${name}`);
      if (opts.fails) throw new Error(`${name} failed`);
    },
    ...(opts.noCompensation
      ? {}
      : {
          async compensate(ctx: Log) {
            ctx.events.push(`undo ${name}`);
            if (opts.compensationFails) throw `cannot undo ${name}`; // a non-Error, on purpose
          },
        }),
  };
}

describe('saga', () => {
  it('runs every step in order and compensates nothing when all succeed', async () => {
    const log: Log = { events: [] };
    const result = await saga([step('a'), step('b')]).run(log);
    expect(result).toEqual({ ok: true, compensated: [], compensationErrors: [] });
    expect(log.events).toEqual(['do a', 'do b']);
  });

  it('on a failure compensates the completed steps in reverse order, not the failed one', async () => {
    const log: Log = { events: [] };
    const result = await saga([step('a'), step('b'), step('c', { fails: true }), step('d')]).run(log);
    expect(log.events).toEqual(['do a', 'do b', 'do c', 'undo b', 'undo a']);
    expect(result.ok).toBe(false);
    expect(result.failedStep).toBe('c');
    expect(result.error?.message).toBe('c failed');
    expect(result.compensated).toEqual(['b', 'a']);
    expect(result.compensationErrors).toEqual([]);
  });

  it('continues past a failing compensation and records it', async () => {
    const log: Log = { events: [] };
    const result = await saga([step('a'), step('b', { compensationFails: true }), step('c'), step('d', { fails: true })]).run(log);
    expect(log.events).toEqual(['do a', 'do b', 'do c', 'do d', 'undo c', 'undo b', 'undo a']);
    expect(result.compensated).toEqual(['c', 'a']);
    expect(result.compensationErrors).toHaveLength(1);
    expect(result.compensationErrors[0]?.step).toBe('b');
    expect(result.compensationErrors[0]?.error).toBeInstanceOf(Error);
    expect(result.compensationErrors[0]?.error.message).toBe('cannot undo b');
  });

  it('skips steps that have nothing to compensate', async () => {
    const log: Log = { events: [] };
    const result = await saga([step('a'), step('b', { noCompensation: true }), step('c', { fails: true })]).run(log);
    expect(result.compensated).toEqual(['a']);
  });

  it('stops before the next step when the signal aborts, and still compensates', async () => {
    const log: Log = { events: [] };
    const controller = new AbortController();
    const stopper: SagaStep<Log> = { name: 'stopper', execute: async () => controller.abort('user') };
    const result = await saga([step('a'), stopper, step('b')]).run(log, controller.signal);
    expect(log.events).toEqual(['do a', 'undo a']);
    expect(result.failedStep).toBe('b');
    expect(isNoError(result.error, 'ABORTED')).toBe(true);
  });

  it('reports each compensation of a failed saga to onCompensation, in the order they ran', async () => {
    const seen: Array<[string, boolean]> = [];
    const result = await saga([step('a'), step('b', { compensationFails: true }), step('c', { fails: true })]).run(
      { events: [] },
      undefined,
      { onCompensation: ({ name, ok }) => void seen.push([name, ok]) },
    );
    expect(seen).toEqual([['b', false], ['a', true]]);
    expect(result.compensated).toEqual(['a']);
  });

  it('passes the run signal to steps and the separate compensation signal to compensations', async () => {
    const run = new AbortController();
    const undo = new AbortController();
    const seen: AbortSignal[] = [];
    const steps: SagaStep<null>[] = [
      { name: 'a', execute: async (_c, s) => void seen.push(s), compensate: async (_c, s) => void seen.push(s) },
      { name: 'b', execute: () => Promise.reject(new Error('no')) },
    ];
    await saga(steps).run(null, run.signal, { compensationSignal: undo.signal });
    expect(seen).toEqual([run.signal, undo.signal]);
  });
});

describe('compensateInReverse', () => {
  it('runs compensations last first and records failures as Errors', async () => {
    const order: string[] = [];
    const report = await compensateInReverse([
      { name: 'a', compensate: async () => void order.push('a') },
      { name: 'b', compensate: () => Promise.reject(new Error('b broke')) },
      { name: 'c', compensate: async () => void order.push('c') },
    ]);
    expect(order).toEqual(['c', 'a']);
    expect(report.compensated).toEqual(['c', 'a']);
    expect(report.errors.map((e) => [e.name, e.error.message])).toEqual([['b', 'b broke']]);
  });

  it('does not start the rest once aborted, and records each one as ABORTED', async () => {
    const controller = new AbortController();
    const ran: string[] = [];
    const report = await compensateInReverse(
      [
        { name: 'a', compensate: async () => void ran.push('a') },
        { name: 'b', compensate: async () => (ran.push('b'), controller.abort()) },
      ],
      controller.signal,
    );
    expect(ran).toEqual(['b']);
    expect(report.compensated).toEqual(['b']);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]?.name).toBe('a');
    expect(isNoError(report.errors[0]?.error, 'ABORTED')).toBe(true);
  });

  it('reports each compensation as it ends, before the next one starts', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const report = await compensateInReverse(
      [
        { name: 'a', compensate: async () => void log.push('run a') },
        { name: 'b', compensate: async () => (log.push('run b'), controller.abort()) },
        { name: 'c', compensate: () => (log.push('run c'), Promise.reject(new Error('c broke'))) },
      ],
      controller.signal,
      { onCompensation: ({ name, ok, error }) => void log.push(`${name} ${ok ? 'ok' : `failed: ${error?.message ?? ''}`}`) },
    );
    expect(log).toEqual(['run c', 'c failed: c broke', 'run b', 'b ok', 'a failed: compensation of a not run: aborted']);
    expect(report.compensated).toEqual(['b']);
  });

  it('does not reorder the caller array', async () => {
    const done = [
      { name: 'a', compensate: async () => undefined },
      { name: 'b', compensate: async () => undefined },
    ];
    await compensateInReverse(done);
    expect(done.map((d) => d.name)).toEqual(['a', 'b']);
  });
});

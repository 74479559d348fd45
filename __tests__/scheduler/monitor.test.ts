import fc from 'fast-check';
import { isNoError, type NoError } from '../../src/contracts/errors';
import {
  ExecutionPlanSchema,
  ExecutionStatusSchema,
  type ExecutionEvent,
  type ExecutionPlan,
} from '../../src/contracts/scheduler';
import { DEFAULT_MONITOR_TOLERANCE_MS, monitorExecution } from '../../src/scheduler/monitor';
import { thrown } from '../helpers/errors';

// a: 0-100, b: 0-50, c (after a): 100-200.
const plan: ExecutionPlan = ExecutionPlanSchema.parse({
  id: 'plan-1',
  requestedStrategy: 'parallel',
  strategy: 'parallel',
  strategyReason: 'test',
  tasks: [
    { id: 'a', estimatedDurationMs: 100 },
    { id: 'b', estimatedDurationMs: 50 },
    { id: 'c', dependsOn: ['a'], estimatedDurationMs: 100 },
  ],
  order: ['a', 'b', 'c'],
  criticalPath: ['a', 'c'],
  criticalPathMs: 200,
  schedule: [
    { taskId: 'a', startMs: 0, endMs: 100 },
    { taskId: 'b', startMs: 0, endMs: 50 },
    { taskId: 'c', startMs: 100, endMs: 200 },
  ],
  makespanMs: 200,
  lowerBoundMs: 200,
  resources: {},
  constraints: {},
});

const ev = (taskId: string, type: ExecutionEvent['type'], atMs: number): ExecutionEvent => ({ taskId, type, atMs });


describe('monitorExecution', () => {
  it('reports a run with no events as pending and on schedule', () => {
    const status = monitorExecution(plan, []);
    expect(ExecutionStatusSchema.parse(status)).toEqual(status);
    expect(status).toEqual({
      planId: 'plan-1',
      state: 'pending',
      pending: ['a', 'b', 'c'],
      running: [],
      completed: [],
      failed: [],
      progress: 0,
      elapsedMs: 0,
      predictedMakespanMs: 200,
      projectedMakespanMs: 200,
      delayed: [],
      onSchedule: true,
    });
    expect(DEFAULT_MONITOR_TOLERANCE_MS).toBe(0);
  });

  it('tracks running and completed tasks and the progress of a run going to plan', () => {
    const status = monitorExecution(plan, [ev('a', 'started', 0), ev('b', 'started', 0), ev('b', 'completed', 40)], { nowMs: 60 });
    expect(status).toMatchObject({
      state: 'running',
      pending: ['c'],
      running: ['a'],
      completed: ['b'],
      progress: 1 / 3,
      elapsedMs: 60,
      projectedMakespanMs: 200,
      delayed: [],
      onSchedule: true,
    });
  });

  it('completes when every task completed', () => {
    const events = [ev('a', 'started', 0), ev('b', 'started', 0), ev('b', 'completed', 50), ev('a', 'completed', 90), ev('c', 'started', 90), ev('c', 'completed', 180)];
    const status = monitorExecution(plan, events);
    expect(status).toMatchObject({ state: 'completed', completed: ['a', 'b', 'c'], progress: 1, elapsedMs: 180, onSchedule: true });
    // Finishing early never projects below the plan.
    expect(status.projectedMakespanMs).toBe(200);
  });

  it('flags a task that started later than planned and shifts its dependents in the projection', () => {
    const status = monitorExecution(plan, [ev('b', 'started', 0), ev('a', 'started', 30)], { nowMs: 40 });
    expect(status.delayed).toEqual([{ taskId: 'a', delayMs: 30 }]);
    // a ends at 130 at the earliest, so c ends at 230.
    expect(status.projectedMakespanMs).toBe(230);
    expect(status.onSchedule).toBe(false);
  });

  it('ignores lateness within the tolerance', () => {
    const status = monitorExecution(plan, [ev('b', 'started', 0), ev('a', 'started', 30)], { nowMs: 40, toleranceMs: 30 });
    expect(status.delayed).toEqual([]);
    // The projection is 30 ms past the plan too, which the same tolerance covers.
    expect(status.onSchedule).toBe(true);
    expect(monitorExecution(plan, [ev('b', 'started', 0), ev('a', 'started', 30)], { nowMs: 40, toleranceMs: 29 }).onSchedule).toBe(false);
  });

  it('flags a task running past its planned end and projects at least the elapsed time', () => {
    const status = monitorExecution(plan, [ev('a', 'started', 0), ev('b', 'started', 0)], { nowMs: 80 });
    expect(status.delayed).toEqual([{ taskId: 'b', delayMs: 30 }]);
    expect(status.projectedMakespanMs).toBe(200);
    const late = monitorExecution(plan, [ev('a', 'started', 0), ev('b', 'started', 0)], { nowMs: 150 });
    expect(late.delayed).toEqual([
      { taskId: 'a', delayMs: 50 },
      { taskId: 'b', delayMs: 100 },
      { taskId: 'c', delayMs: 50 },
    ]);
    // a is still running at 150, so c cannot start before then.
    expect(late.projectedMakespanMs).toBe(250);
  });

  it('flags a task that completed later than planned', () => {
    const status = monitorExecution(plan, [ev('a', 'started', 0), ev('b', 'started', 0), ev('b', 'completed', 70)]);
    expect(status.delayed).toEqual([{ taskId: 'b', delayMs: 20 }]);
  });

  it('fails the run when a task fails, and runs it again on a later start (a retry)', () => {
    const failed = monitorExecution(plan, [ev('a', 'started', 0), ev('a', 'failed', 20)]);
    expect(failed).toMatchObject({ state: 'failed', failed: ['a'], running: [], onSchedule: false });
    const retried = monitorExecution(plan, [ev('b', 'started', 0), ev('a', 'started', 0), ev('a', 'failed', 20), ev('a', 'started', 25)]);
    expect(retried).toMatchObject({ state: 'running', failed: [], running: ['a', 'b'] });
    // The retry's planned duration runs from its own start: 25 + 100, then c.
    expect(retried.projectedMakespanMs).toBe(225);
    expect(retried.delayed).toEqual([]);
  });

  it('handles a failure reported without a start', () => {
    const status = monitorExecution(plan, [ev('b', 'failed', 10)]);
    // b has no start to be late with and failed before its planned end; only a, still pending, is late.
    expect(status).toMatchObject({ state: 'failed', failed: ['b'], delayed: [{ taskId: 'a', delayMs: 10 }] });
  });

  it('folds events in time order whatever order they arrive in', () => {
    const status = monitorExecution(plan, [ev('a', 'completed', 100), ev('a', 'started', 0)]);
    expect(status.completed).toEqual(['a']);
  });

  it('treats a start after completion as a rerun', () => {
    const status = monitorExecution(plan, [ev('a', 'started', 0), ev('a', 'completed', 100), ev('a', 'started', 110)]);
    expect(status.running).toEqual(['a']);
  });

  it('counts a pending task past its planned start as delayed', () => {
    const status = monitorExecution(plan, [ev('a', 'started', 0)], { nowMs: 10 });
    expect(status.delayed).toEqual([{ taskId: 'b', delayMs: 10 }]);
    expect(status.pending).toEqual(['b', 'c']);
  });

  it('reports a plan with no tasks as completed', () => {
    const empty = { ...plan, tasks: [], order: [], schedule: [], makespanMs: 0 };
    expect(monitorExecution(empty, [])).toMatchObject({ state: 'completed', progress: 1, onSchedule: true });
  });

  it('never reports less elapsed time than the latest event', () => {
    expect(monitorExecution(plan, [ev('a', 'started', 50)], { nowMs: 10 }).elapsedMs).toBe(50);
  });

  it('rejects invalid events and events for tasks not in the plan', () => {
    const invalid = thrown(() => monitorExecution(plan, [{ taskId: 'a', type: 'paused', atMs: 0 } as unknown as ExecutionEvent]));
    expect(isNoError(invalid, 'INVALID_REQUEST')).toBe(true);
    expect(invalid.message).toContain('[0].type');
    const unknown = thrown(() => monitorExecution(plan, [ev('ghost', 'started', 0)]));
    expect(isNoError(unknown, 'INVALID_REQUEST')).toBe(true);
    expect(unknown.details).toEqual({ taskId: 'ghost', planId: 'plan-1' });
  });

  it.each([
    [{ nowMs: -1 }, 'nowMs'],
    [{ toleranceMs: Number.NaN }, 'toleranceMs'],
  ])('rejects the option %p', (options, field) => {
    const error = thrown(() => monitorExecution(plan, [], options));
    expect(isNoError(error, 'INVALID_NUMBER')).toBe(true);
    expect(error.message).toContain(field);
  });

  it('projects a task the schedule does not list from its estimate', () => {
    const partial = { ...plan, schedule: plan.schedule.filter((s) => s.taskId !== 'c') };
    const status = monitorExecution(partial, [ev('a', 'started', 0), ev('a', 'completed', 150)]);
    expect(status.projectedMakespanMs).toBe(250);
    expect(status.delayed).toEqual([{ taskId: 'a', delayMs: 50 }, { taskId: 'b', delayMs: 150 }]);
  });
});

describe('monitorExecution invariants', () => {
  const arbitraryEvents = fc.array(
    fc.record({
      taskId: fc.constantFrom('a', 'b', 'c'),
      type: fc.constantFrom('started', 'completed', 'failed' as const),
      atMs: fc.integer({ min: 0, max: 400 }),
    }),
    { maxLength: 12 },
  );

  it('projects no earlier than the plan, nor than now while running, and keeps every task in one set', () => {
    fc.assert(
      fc.property(arbitraryEvents, fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }), (events, nowMs) => {
        const status = monitorExecution(plan, events, nowMs === undefined ? {} : { nowMs });
        expect(ExecutionStatusSchema.safeParse(status).success).toBe(true);
        expect(status.projectedMakespanMs).toBeGreaterThanOrEqual(status.predictedMakespanMs);
        if (status.running.length > 0) expect(status.projectedMakespanMs).toBeGreaterThanOrEqual(status.elapsedMs);
        const all = [...status.pending, ...status.running, ...status.completed, ...status.failed].sort();
        expect(all).toEqual(['a', 'b', 'c']);
        expect(status.progress).toBe(status.completed.length / 3);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

import fc from 'fast-check';
import { ExecutionFeedbackSchema, type ExecutionFeedbackInput } from '../../src/contracts/scheduler';
import {
  DEFAULT_MAKESPAN_TOLERANCE,
  DEFAULT_SLOWDOWN_EXPONENT,
  rewardOf,
  speedOf,
} from '../../src/scheduler/reward';
import { feedback } from '../helpers/feedback';

const parse = (over: Partial<ExecutionFeedbackInput> = {}) => ExecutionFeedbackSchema.parse(feedback(over));

describe('rewardOf', () => {
  it('scores a run 4x slower than the DAG allows far below one at 1.1x, even when its own plan predicted the slowness', () => {
    // A serialised plan predicts 400 ms and takes 400 ms; the fastest candidate's bound is 100 ms.
    const slow = rewardOf(parse({ strategy: 'sequential-safe', predictedMakespanMs: 400, actualMakespanMs: 400, bestLowerBoundMs: 100 }));
    const fast = rewardOf(parse({ predictedMakespanMs: 105, actualMakespanMs: 110, bestLowerBoundMs: 100 }));
    expect(fast).toBe(1);
    expect(slow).toBeLessThan(0.15);
    expect(fast - slow).toBeGreaterThan(0.8);
  });

  it('counts a run within the makespan tolerance of its bound as on time, and decays as a power beyond it', () => {
    expect(DEFAULT_MAKESPAN_TOLERANCE).toBe(1.25);
    expect(DEFAULT_SLOWDOWN_EXPONENT).toBe(2);
    expect(speedOf(parse({ bestLowerBoundMs: 100, actualMakespanMs: 125 }))).toBe(1);
    expect(speedOf(parse({ bestLowerBoundMs: 100, actualMakespanMs: 250 }))).toBeCloseTo(0.25);
    expect(speedOf(parse({ bestLowerBoundMs: 100, actualMakespanMs: 400 }))).toBeCloseTo((1.25 / 4) ** 2);
  });

  it('falls back to the plan\'s own prediction when the feedback has no bound', () => {
    expect(speedOf(parse({ predictedMakespanMs: 100, actualMakespanMs: 400 }))).toBeCloseTo((1.25 / 4) ** 2);
    expect(speedOf(parse({ predictedMakespanMs: 100, actualMakespanMs: 400, bestLowerBoundMs: 0 }))).toBeCloseTo((1.25 / 4) ** 2);
  });

  it('is the share of work done times the speed factor', () => {
    expect(rewardOf(parse({ succeededTasks: 9, failedTasks: 1, actualMakespanMs: 2500 }))).toBeCloseTo(0.9 * 0.25);
  });

  it('counts compensated tasks as not done: their work was undone', () => {
    expect(rewardOf(parse({ succeededTasks: 8, failedTasks: 2, compensatedTasks: 8 }))).toBe(0);
    expect(rewardOf(parse({ succeededTasks: 8, failedTasks: 2, compensatedTasks: 3 }))).toBeCloseTo(0.5);
  });

  it('does not reward finishing earlier than the bound beyond 1', () => {
    expect(rewardOf(parse({ actualMakespanMs: 10 }))).toBe(1);
  });

  it('treats a missing prediction or an instant run as on time', () => {
    expect(rewardOf(parse({ predictedMakespanMs: 0, actualMakespanMs: 500 }))).toBe(1);
    expect(rewardOf(parse({ predictedMakespanMs: 500, actualMakespanMs: 0 }))).toBe(1);
  });

  it('takes a small, capped penalty for retries', () => {
    expect(rewardOf(parse({ retries: 2 }))).toBeCloseTo(1 - (0.05 * 2) / 10);
    expect(rewardOf(parse({ retries: 1000 }))).toBeCloseTo(0.8);
    expect(rewardOf(parse({ succeededTasks: 0, failedTasks: 10, retries: 5 }))).toBe(0);
  });

  it('takes its penalties, tolerance and exponent from the options', () => {
    expect(rewardOf(parse({ retries: 10 }), { retryPenalty: 0.01 })).toBeCloseTo(0.99);
    expect(rewardOf(parse({ retries: 100 }), { retryPenalty: 0.5, maxRetryPenalty: 0.6 })).toBeCloseTo(0.4);
    expect(rewardOf(parse({ bestLowerBoundMs: 100, actualMakespanMs: 200 }), { makespanTolerance: 1, slowdownExponent: 1 })).toBeCloseTo(0.5);
    expect(rewardOf(parse({ bestLowerBoundMs: 100, actualMakespanMs: 200 }), { makespanTolerance: 2 })).toBe(1);
  });

  it('never rises as a run gets slower, and stays within [0, 1] (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.integer({ min: 0, max: 10 }),
        (bound, ratio, more, retries) => {
          const at = (r: number) => rewardOf(parse({ bestLowerBoundMs: bound, actualMakespanMs: bound * r, retries }));
          expect(at(ratio * more)).toBeLessThanOrEqual(at(ratio));
          expect(at(ratio)).toBeGreaterThanOrEqual(0);
          expect(at(ratio)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});

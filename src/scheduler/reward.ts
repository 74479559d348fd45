/**
 * The reward the adaptive engine learns from: one number in [0, 1] that says how well a run went for
 * the user who ran it. What such a user cares about is that the work got done, and in about the time
 * the work allows: a run that took four times the time it needed is a bad run even if every task
 * succeeded, so speed is measured against the fastest the DAG could go, not against the run's own plan
 * (a serialised plan predicts its own slowness, and a run that matches it is still slow).
 */
import type { ExecutionFeedback } from '../contracts/scheduler.js';

/** Reward lost per retry per task. @default 0.05 */
export const DEFAULT_RETRY_PENALTY = 0.05;
/** The retry penalty never takes more than this. @default 0.2 */
export const DEFAULT_MAX_RETRY_PENALTY = 0.2;
/**
 * A run up to this many times its bound counts as on time: dispatch, timers and checkpoints keep real
 * runs 10-25 % above a bound that no schedule can beat, and that is not the strategy's fault.
 * @default 1.25
 */
export const DEFAULT_MAKESPAN_TOLERANCE = 1.25;
/**
 * How steeply the reward falls once a run is slower than the tolerance allows: speed is
 * (tolerance × bound / actual) to this power, so a run 4x its bound scores about 0.1, not 0.25.
 * @default 2
 */
export const DEFAULT_SLOWDOWN_EXPONENT = 2;

export interface RewardOptions {
  /** Reward lost per retry per task. @default DEFAULT_RETRY_PENALTY */
  retryPenalty?: number;
  /** Cap on the retry penalty. @default DEFAULT_MAX_RETRY_PENALTY */
  maxRetryPenalty?: number;
  /** Makespan / bound up to which a run counts as on time (>= 1). @default DEFAULT_MAKESPAN_TOLERANCE */
  makespanTolerance?: number;
  /** Power of the speed factor beyond the tolerance (> 0). @default DEFAULT_SLOWDOWN_EXPONENT */
  slowdownExponent?: number;
}

/** What the reward reads of a run's feedback; the fields added later are optional, so older callers still type-check. */
export type RewardInput = Pick<ExecutionFeedback, 'totalTasks' | 'succeededTasks' | 'retries' | 'predictedMakespanMs' | 'actualMakespanMs'> &
  Partial<Pick<ExecutionFeedback, 'compensatedTasks' | 'bestLowerBoundMs'>>;

function clip01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/**
 * The speed factor of a run, in [0, 1]: 1 up to `tolerance` × its bound, then
 * (tolerance × bound / actual) ^ exponent. The bound is `bestLowerBoundMs` when the feedback has one
 * (the fastest any candidate strategy could have been), else the plan's own prediction. A run with no
 * bound (0 ms) or that took 0 ms scores 1: there is nothing to compare.
 *
 * @example
 * speedOf({ ...feedback, bestLowerBoundMs: 100, actualMakespanMs: 400 }); // (1.25 / 4)^2 ≈ 0.098
 */
export function speedOf(feedback: RewardInput, options: RewardOptions = {}): number {
  const bound = feedback.bestLowerBoundMs !== undefined && feedback.bestLowerBoundMs > 0
    ? feedback.bestLowerBoundMs
    : feedback.predictedMakespanMs;
  const actual = feedback.actualMakespanMs;
  if (bound === 0 || actual === 0) return 1;
  const tolerance = options.makespanTolerance ?? DEFAULT_MAKESPAN_TOLERANCE;
  const exponent = options.slowdownExponent ?? DEFAULT_SLOWDOWN_EXPONENT;
  return clip01((tolerance * bound) / actual) ** exponent;
}

/**
 * The reward of one run, in [0, 1]: `done × speed − retryPenalty`, clipped, where
 * - done = (succeeded − compensated) / total: a compensated task's work was undone, so it counts as
 *   not done, like a failed one;
 * - speed = {@link speedOf}: 1 within the makespan tolerance of the bound, falling steeply beyond it;
 * - retryPenalty = min(maxRetryPenalty, retryPenalty × retries / total), by default min(0.2, 0.05 ×
 *   retries / total): retries cost time and load even when they succeed.
 *
 * @example
 * rewardOf({ ...feedback, totalTasks: 10, succeededTasks: 10, bestLowerBoundMs: 100, actualMakespanMs: 110 }); // 1
 * rewardOf({ ...feedback, totalTasks: 10, succeededTasks: 10, bestLowerBoundMs: 100, actualMakespanMs: 400 }); // ≈ 0.098
 */
export function rewardOf(feedback: RewardInput, options: RewardOptions = {}): number {
  const done = Math.max(0, feedback.succeededTasks - (feedback.compensatedTasks ?? 0)) / feedback.totalTasks;
  const perRetry = options.retryPenalty ?? DEFAULT_RETRY_PENALTY;
  const cap = options.maxRetryPenalty ?? DEFAULT_MAX_RETRY_PENALTY;
  const penalty = Math.min(cap, (perRetry * feedback.retries) / feedback.totalTasks);
  return clip01(done * speedOf(feedback, options) - penalty);
}

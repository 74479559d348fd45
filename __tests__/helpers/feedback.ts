import type { ExecutionFeedbackInput } from '../../src/contracts/scheduler';

/** A run's feedback for the adaptive engine's tests: ten tasks, all succeeded, on time. */
export const feedback = (over: Partial<ExecutionFeedbackInput> = {}): ExecutionFeedbackInput => ({
  planId: 'plan-1',
  strategy: 'parallel',
  taskClass: 'etl',
  totalTasks: 10,
  succeededTasks: 10,
  failedTasks: 0,
  predictedMakespanMs: 1000,
  actualMakespanMs: 1000,
  ...over,
});

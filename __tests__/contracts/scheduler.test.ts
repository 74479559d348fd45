import {
  AgentDescriptorSchema,
  AgentScheduleSchema,
  ExecutionEventSchema,
  ExecutionFeedbackSchema,
  ExecutionPlanSchema,
  ExecutionRequestSchema,
  ExecutionStatusSchema,
  StrategyAdjustmentSchema,
  TaskSchema,
} from '../../src/contracts/index';
import { expectRejected } from './helpers';

const task = { id: 'fetch', dependsOn: [], estimatedDurationMs: 30, resources: { cpu: 2, memoryMb: 256 }, priority: 5, capability: 'http', input: { url: 'https://example.org' } };

describe('scheduler contracts', () => {
  it('accepts the issue example request and fills defaults', () => {
    const parsed = ExecutionRequestSchema.parse({ tasks: [task], resources: { cpu: 8, memoryMb: 4096 }, constraints: { maxConcurrentAgents: 4 } });
    expect(parsed.strategy).toBe('adaptive');
    expect(parsed.tasks[0]).toMatchObject({ risk: 'low', sideEffects: 'none' });
    expect(TaskSchema.parse({ id: 'x' })).toMatchObject({ dependsOn: [], estimatedDurationMs: 0, priority: 5, resources: {} });
  });

  it.each([
    ['an empty task list', { tasks: [] }, 'tasks'],
    ['an empty id', { tasks: [{ ...task, id: '' }] }, 'tasks[0].id'],
    ['a negative duration', { tasks: [{ ...task, estimatedDurationMs: -1 }] }, 'tasks[0].estimatedDurationMs'],
    ['a NaN duration', { tasks: [{ ...task, estimatedDurationMs: NaN }] }, 'tasks[0].estimatedDurationMs'],
    ['an infinite resource demand', { tasks: [{ ...task, resources: { cpu: Infinity } }] }, 'tasks[0].resources.cpu'],
    ['a priority out of range', { tasks: [{ ...task, priority: 11 }] }, 'tasks[0].priority'],
    ['an unknown strategy', { tasks: [task], strategy: 'yolo' }, 'strategy'],
    ['a zero concurrency limit', { tasks: [task], constraints: { maxConcurrentAgents: 0 } }, 'constraints.maxConcurrentAgents'],
    ['a negative capacity', { tasks: [task], resources: { cpu: -2 } }, 'resources.cpu'],
    ['a dependency that is not a string', { tasks: [{ ...task, dependsOn: [3] }] }, 'tasks[0].dependsOn[0]'],
    ['a misspelt field (dependencies for dependsOn)', { tasks: [{ ...task, dependencies: ['a'] }] }, 'tasks[0]'],
  ])('rejects %s, naming the field', (_what, value, field) => {
    expectRejected(ExecutionRequestSchema, value, field);
  });

  it('validates plans, schedules and statuses', () => {
    const plan = {
      id: 'p1', requestedStrategy: 'adaptive', strategy: 'parallel', strategyReason: 'wide DAG', tasks: [TaskSchema.parse(task)],
      order: ['fetch'], criticalPath: ['fetch'], criticalPathMs: 30, schedule: [{ taskId: 'fetch', startMs: 0, endMs: 30 }],
      makespanMs: 30, lowerBoundMs: 30, resources: {}, constraints: {},
    };
    expect(ExecutionPlanSchema.parse(plan).strategy).toBe('parallel');
    expectRejected(ExecutionPlanSchema, { ...plan, strategy: 'adaptive' }, 'strategy');
    expectRejected(ExecutionPlanSchema, { ...plan, schedule: [{ taskId: 'fetch', startMs: -1, endMs: 3 }] }, 'schedule[0].startMs');
    expect(AgentScheduleSchema.parse({ planId: 'p', assignments: [], unassigned: [], makespanMs: 0, utilization: 0 })).toBeDefined();
    expectRejected(AgentScheduleSchema, { planId: 'p', assignments: [], unassigned: [], makespanMs: 0, utilization: 2 }, 'utilization');
    expectRejected(ExecutionEventSchema, { taskId: 't', type: 'paused', atMs: 0 }, 'type');
    expectRejected(ExecutionStatusSchema, { planId: 'p', state: 'running', pending: [], running: [], completed: [], failed: [], progress: 1.5, elapsedMs: 0, predictedMakespanMs: 0, projectedMakespanMs: 0, delayed: [], onSchedule: true }, 'progress');
  });

  it('validates agents, feedback and adjustments', () => {
    expect(AgentDescriptorSchema.parse({ id: 'a' })).toMatchObject({ capabilities: [], maxConcurrency: 1, health: 'healthy', successRate: 1 });
    expectRejected(AgentDescriptorSchema, { id: 'a', health: 'zombie' }, 'health');
    const feedback = { planId: 'p', strategy: 'parallel', totalTasks: 3, succeededTasks: 3, failedTasks: 0, predictedMakespanMs: 10, actualMakespanMs: 12 };
    expect(ExecutionFeedbackSchema.parse(feedback).taskClass).toBe('default');
    expectRejected(ExecutionFeedbackSchema, { ...feedback, totalTasks: 0 }, 'totalTasks');
    expectRejected(StrategyAdjustmentSchema, { taskClass: 'x', previousStrategy: 'parallel', recommendedStrategy: 'parallel', changed: false, confidence: 2, reward: 0, expectedRewards: {}, reason: '' }, 'confidence');
  });
});

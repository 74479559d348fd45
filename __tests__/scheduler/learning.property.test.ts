/**
 * Invariants of learning a user relies on: whatever feedback the engine was given (slow runs, failed
 * runs, glowing reports about sequential-safe), a DAG that declares no risk gets the plan the rules
 * give it, never a serialised one.
 */
import fc from 'fast-check';
import {
  CONCRETE_STRATEGIES,
  ExecutionRequestSchema,
  TaskSchema,
  type ExecutionFeedbackInput,
  type ExecutionRequestInput,
} from '../../src/contracts/scheduler';
import { strategyBounds, strategyCandidates } from '../../src/scheduler/candidates';
import { buildDag } from '../../src/scheduler/dag';
import { createIntelligenceScheduler } from '../../src/scheduler/intelligence-scheduler';
import { analyzeShape, DEFAULT_REGRET_CAP, needsCoordination, selectStrategy } from '../../src/scheduler/strategy';

// Small search and confidence budgets: neither the schedule's quality nor the confidence is under test.
const solve = { maxIterations: 20 };
const adaptive = { samples: 50 };

/** Random risk-free requests: edges only from lower to higher index, so always a DAG. */
const riskFreeRequest = fc
  .record({
    n: fc.integer({ min: 2, max: 30 }),
    edges: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 40 }),
    durations: fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 30, maxLength: 30 }),
    limit: fc.integer({ min: 2, max: 6 }),
    idempotent: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
  })
  .map(({ n, edges, durations, limit, idempotent }): ExecutionRequestInput => ({
    tasks: Array.from({ length: n }, (_, i) => ({
      id: `t${i}`,
      dependsOn: [...new Set(edges.filter(([a, b]) => a % n < b % n && b % n === i).map(([a]) => `t${a % n}`))],
      estimatedDurationMs: durations[i]!,
      // Idempotent side effects are safe to repeat: they declare no risk.
      ...(idempotent[i] ? { sideEffects: 'idempotent' as const } : {}),
    })),
    constraints: { maxConcurrentAgents: limit },
    metadata: { taskClass: 'etl' },
  }));

/** The same requests with some tasks that declare risk or external side effects. */
const riskyRequest = fc
  .tuple(riskFreeRequest, fc.array(fc.constantFrom('none', 'medium', 'high', 'external'), { minLength: 30, maxLength: 30 }))
  .map(([request, risks]): ExecutionRequestInput => ({
    ...request,
    tasks: request.tasks.map((t, i) => ({
      ...t,
      ...(risks[i] === 'medium' || risks[i] === 'high' ? { risk: risks[i] } : {}),
      ...(risks[i] === 'external' ? { sideEffects: 'external' as const } : {}),
    })),
  }));

/** Any feedback at all, slow and failed runs included, for any strategy. */
const feedbackSequence = fc.array(
  fc
    .record({
      strategy: fc.constantFrom(...CONCRETE_STRATEGIES),
      total: fc.integer({ min: 1, max: 50 }),
      succeededShare: fc.double({ min: 0, max: 1, noNaN: true }),
      predicted: fc.integer({ min: 0, max: 10_000 }),
      slowdown: fc.constantFrom(0.5, 1, 1.1, 4, 20),
      retries: fc.integer({ min: 0, max: 10 }),
    })
    .map(({ strategy, total, succeededShare, predicted, slowdown, retries }): ExecutionFeedbackInput => {
      const succeededTasks = Math.round(total * succeededShare);
      return {
        planId: 'p', strategy, taskClass: 'etl', totalTasks: total, succeededTasks, failedTasks: total - succeededTasks,
        retries, predictedMakespanMs: predicted, actualMakespanMs: predicted * slowdown,
      };
    }),
  { maxLength: 40 },
);

describe('learning never slows a risk-free DAG (property)', () => {
  it('plans a risk-free DAG with the rules\' strategy whatever the feedback, and never serialises one that can run in parallel', () => {
    fc.assert(
      fc.property(riskFreeRequest, feedbackSequence, (request, feedback) => {
        const scheduler = createIntelligenceScheduler({ solve, adaptive });
        const tasks = request.tasks.map((t) => TaskSchema.parse(t));
        const rule = selectStrategy(analyzeShape(buildDag(tasks), tasks));
        for (const f of feedback) scheduler.adaptStrategy(f);
        for (let i = 0; i < 3; i++) {
          const plan = scheduler.planExecution(request);
          expect(plan.strategy).toBe(rule.strategy);
          if (rule.strategy !== 'sequential-safe') expect(plan.strategy).not.toBe('sequential-safe');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps every plan within the regret cap of the fastest candidate, and risky tasks under their mutex, whatever the feedback', () => {
    fc.assert(
      fc.property(riskyRequest, feedbackSequence, (input, feedback) => {
        const scheduler = createIntelligenceScheduler({ solve, adaptive });
        const request = ExecutionRequestSchema.parse(input);
        const dag = buildDag(request.tasks);
        const { rule, candidates } = strategyCandidates(request, dag);
        const bounds = strategyBounds(request, dag);
        const fastest = Math.min(...candidates.map((c) => bounds[c]));
        for (const f of feedback) scheduler.adaptStrategy(f);
        for (let i = 0; i < 5; i++) {
          const { strategy } = scheduler.planExecution(input);
          expect(candidates).toContain(strategy);
          if (strategy !== rule.strategy) expect(bounds[strategy]).toBeLessThanOrEqual(DEFAULT_REGRET_CAP * fastest);
          if (request.tasks.some(needsCoordination)) expect(strategy).not.toBe('parallel');
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('learning: false (property)', () => {
  it('plans every request with the rules\' strategy whatever the feedback, and learns nothing from it', () => {
    fc.assert(
      fc.property(riskyRequest, feedbackSequence, (request, feedback) => {
        const scheduler = createIntelligenceScheduler({ learning: false, solve, adaptive });
        const tasks = request.tasks.map((t) => TaskSchema.parse(t));
        const rule = selectStrategy(analyzeShape(buildDag(tasks), tasks));
        const before = scheduler.getAdaptiveState();
        for (const f of feedback) expect(scheduler.adaptStrategy(f).changed).toBe(false);
        expect(scheduler.getAdaptiveState()).toEqual(before);
        for (let i = 0; i < 3; i++) expect(scheduler.planExecution(request).strategy).toBe(rule.strategy);
      }),
      { numRuns: 150 },
    );
  });
});

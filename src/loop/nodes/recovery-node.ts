import { task as durableTask, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { toError } from '../../contracts/errors.js';
import type { RecoveryAction } from '../../contracts/loop.js';
import type { RunStatus } from '../../contracts/status.js';
import { ExecutionRequestSchema, type ExecutionFeedback, type ExecutionPlan, type Task } from '../../contracts/scheduler.js';
import { compensateInReverse, sleep } from '../../resilience/index.js';
import { loopClosedError } from '../shutdown.js';
import { createAdaptiveEngine, runBaseline, taskClassOf, type AdaptiveState } from '../../scheduler/index.js';
import { createRunEmitter, type RunEmitter } from '../emitter.js';
import {
  DEFAULT_MAX_REPLAN_WAIT_MS,
  DEFAULT_MAX_ROUNDS,
  learningOf,
  STORE_NAMESPACES,
  threadIdOf,
  type LoopRuntime,
} from '../runtime.js';
import { idempotencyKeyOf } from '../coordinator-run.js';
import { createReplanStep, replanRun, replanTriggerOf } from '../replan.js';
import type { ReplanRecord } from '../../contracts/planning.js';
import type { MasterLoopState, MasterLoopUpdate, TaskRecord } from '../state.js';

/** Monte Carlo samples for the adaptive engine's confidence after each run. @default 500 */
export const LOOP_CONFIDENCE_SAMPLES = 500;

/**
 * When another pass is worth it: every failed task failed because of its agents (not its input, not
 * a fatal error) and every agent that could run it has an open circuit that recovers within the wait
 * budget. Returns how long to wait, or undefined when re-planning would not help.
 */
export function replanDelay(state: MasterLoopState, runtime: LoopRuntime, maxWaitMs: number, now = Date.now()): number | undefined {
  const failed = Object.values(state.tasks).filter((r) => r.status === 'failed');
  if (failed.length === 0) return undefined;
  let latest = now;
  for (const record of failed) {
    // A task a re-plan dropped is not the plan's any more.
    const task = state.plan!.tasks.find((t) => t.id === record.taskId);
    if (task === undefined) continue;
    if (record.error?.classification !== 'agent-fault' && record.error?.classification !== 'transient') return undefined;
    for (const agentId of runtime.pool.capable(task.capability)) {
      const at = runtime.pool.recoversAt(agentId);
      if (at === undefined) return undefined;
      latest = Math.max(latest, at);
    }
  }
  return latest - now <= maxWaitMs ? latest - now : undefined;
}

/**
 * What the adaptive engine learns from a run. Speed is judged against the fastest bound the DAG's
 * candidate strategies allow over the durations the tasks really took, not against the run's own
 * plan: a plan that serialised the run predicts its own slowness, and matching it is no success.
 */
function feedbackOf(state: MasterLoopState, plan: ExecutionPlan, compensated: number, runtime: LoopRuntime): ExecutionFeedback {
  const records = Object.values(state.tasks);
  const completed = records.filter((r) => r.status === 'completed');
  const starts = completed.map((r) => r.startedAt).filter((t): t is number => t !== undefined);
  const ends = completed.map((r) => r.finishedAt).filter((t): t is number => t !== undefined);
  const request = ExecutionRequestSchema.safeParse(state.request);
  const durations = new Map(completed.map((r) => [r.taskId, r.durationMs]));
  const { candidates, bestLowerBoundMs } = runBaseline(plan, durations, runtime.options.scheduler?.strategy);
  return {
    planId: plan.id,
    strategy: plan.strategy,
    taskClass: request.success ? taskClassOf(request.data) : 'default',
    totalTasks: plan.tasks.length,
    succeededTasks: completed.length,
    failedTasks: plan.tasks.length - completed.length,
    retries: state.recoveries.filter((a) => a.type === 'retry-with-backoff').length,
    compensatedTasks: compensated,
    predictedMakespanMs: plan.makespanMs,
    actualMakespanMs: starts.length === 0 ? 0 : Math.max(...ends) - Math.min(...starts),
    bestLowerBoundMs,
    candidates,
  };
}

async function learn(runtime: LoopRuntime, config: LangGraphRunnableConfig, feedback: ExecutionFeedback, emitter: RunEmitter) {
  const store = config.store;
  // Everyone's learning merged; this run's step is added to this loop's own share only.
  const before: AdaptiveState | undefined = (store ? await runtime.ledger.adaptiveState(store) : undefined) ?? runtime.adaptiveState;
  // The confidence estimate runs after every run: 500 samples (±2 %) instead of the engine's 2,000.
  const engine = createAdaptiveEngine({ samples: LOOP_CONFIDENCE_SAMPLES, ...runtime.options.scheduler?.adaptive }, before);
  // Without learning the run is only assessed, and nothing is written back: another loop sharing the
  // Store may be learning, and a stale copy must not overwrite what it learned.
  if (!learningOf(runtime.options)) return engine.assess(feedback);
  const adjustment = engine.adaptStrategy(feedback);
  const learned = engine.getState();
  runtime.adaptiveState = learned;
  if (store) await runtime.ledger.recordAdaptive(store, before, learned);
  if (adjustment.changed) {
    emitter.emit('no.schedule.adjusted', {
      taskClass: adjustment.taskClass,
      previousStrategy: adjustment.previousStrategy,
      newStrategy: adjustment.recommendedStrategy,
      reason: adjustment.reason,
      confidence: adjustment.confidence,
    });
  }
  return adjustment;
}

/**
 * Handles what the coordinator could not: re-plans once agents recover, compensates completed tasks
 * in reverse order when the run failed (each compensation a durable step, so a resume never repeats
 * one), and feeds the run's result to the adaptive engine.
 */
export function createRecoveryNode(runtime: LoopRuntime) {
  // One durable step per compensation: after a crash, finished compensations are not run again. A
  // failure is stored as a result, not thrown, so a resume does not repeat a failed one either.
  const compensateStep = durableTask(
    'no.compensate',
    async (input: { task: Task; agentId: string; idempotencyKey: string; output: unknown }): Promise<{ ok: boolean; error?: string }> => {
      try {
        // Compensations get a signal of their own: a cancelled run must still be able to undo its work.
        await runtime.pool.definition(input.agentId).compensate!(input.output, {
          task: input.task, agentId: input.agentId, idempotencyKey: input.idempotencyKey, signal: new AbortController().signal,
        });
        return { ok: true };
      } catch (caught) {
        return { ok: false, error: toError(caught).message };
      }
    },
  );
  const replanStep = createReplanStep(runtime);
  return async function recovery(rawState: Record<string, unknown>, config: LangGraphRunnableConfig): Promise<MasterLoopUpdate> {
    const state = rawState as MasterLoopState;
    const plan = state.plan!;
    const runId = state.runId!;
    const emitter = createRunEmitter({ writer: config.writer, listeners: runtime.listeners, correlationId: runId, threadId: threadIdOf(config), source: runtime.options.eventSource });
    const record = (action: RecoveryAction): RecoveryAction => {
      runtime.audit.append({ actor: 'recovery', action: `recovery.${action.type}`, outcome: 'success', details: { ...action, runId } });
      emitter.emit('no.recovery.action.taken', {
        taskId: action.taskId, action: action.type, level: action.level, reason: action.reason,
        ...(action.agentId === undefined ? {} : { agentId: action.agentId }),
      });
      return action;
    };

    const status: RunStatus = state.status;
    const maxRounds = runtime.options.maxRounds ?? DEFAULT_MAX_ROUNDS;
    // A run the loop stopped itself is over; so is one whose next round could only start past its deadline.
    const deadlineAt = state.runDeadline?.at ?? Number.POSITIVE_INFINITY;
    const waitBudget = Math.min(runtime.options.maxReplanWaitMs ?? DEFAULT_MAX_REPLAN_WAIT_MS, deadlineAt - Date.now() - 1);
    const delay = status === 'failed' && state.runError == null && !state.replanRequest && state.round + 1 < maxRounds && waitBudget >= 0
      ? replanDelay(state, runtime, waitBudget)
      : undefined;
    if (delay !== undefined) {
      // A closing loop starts no new pass: the run stops here, and a resume re-plans.
      const { draining } = runtime.shutdown;
      if (draining.aborted) throw loopClosedError('the run was stopped before re-planning');
      await sleep(delay, config.signal ? AbortSignal.any([config.signal, draining]) : draining).catch((error: unknown) => {
        throw draining.aborted && !config.signal?.aborted ? loopClosedError('the run was stopped before re-planning') : error;
      });
      const blocked = Object.values(state.tasks).filter((r) => r.status !== 'completed');
      const actions = blocked.map((r) => record({ type: 'replan', level: 'scheduler', taskId: r.taskId, reason: 'its agents were broken; re-planning once their circuits recover' }));
      emitter.emit('orchestration.plan.updated', { planId: plan.id, changes: blocked.map((r) => ({ taskId: r.taskId, change: 'rescheduled' })) });
      return { round: state.round + 1, status: 'running', recoveries: actions };
    }

    // Tasks failed for good, or someone asked: the planner revises the work left, and the run goes on.
    const why = replanTriggerOf(state, runtime);
    let replans: ReplanRecord[] = [];
    if (why !== undefined) {
      const { update, record } = await replanRun(runtime, state, config, emitter, why, replanStep);
      if (update) return update;
      replans = [record];
    }

    let compensated: string[] = [];
    if (status === 'failed') {
      // Completed tasks that can be undone, in the order they finished: the saga undoes the last first.
      const done = Object.values(state.tasks)
        .filter((r) => r.status === 'completed' && r.agentId !== undefined && runtime.pool.definition(r.agentId).compensate !== undefined)
        .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || plan.order.indexOf(a.taskId) - plan.order.indexOf(b.taskId));
      const threadId = threadIdOf(config);
      const report = await compensateInReverse(
        done.map((r) => ({
          name: r.taskId,
          compensate: async () => {
            const task = plan.tasks.find((t) => t.id === r.taskId)!;
            const result = await compensateStep({
              task, agentId: r.agentId!, idempotencyKey: idempotencyKeyOf(threadId, runId, r.taskId), output: state.results[r.taskId],
            });
            if (!result.ok) throw new Error(result.error);
          },
        })),
        undefined,
        {
          onCompensation: ({ name, ok, error }) => {
            runtime.audit.append({ actor: 'recovery', action: 'recovery.compensate', outcome: ok ? 'success' : 'failure', details: { taskId: name, runId, error: error?.message } });
            emitter.emit('no.task.compensated', { taskId: name, success: ok, ...(error === undefined ? {} : { error: error.message }) });
          },
        },
      );
      compensated = report.compensated;
    }

    const feedback = feedbackOf(state, plan, compensated.length, runtime);
    const adjustment = await learn(runtime, config, feedback, emitter);
    if (config.store) {
      await runtime.ledger.recordHealth(config.store, runtime.pool);
      for (const [agentId, agentState] of Object.entries(runtime.pool.states())) {
        await config.store.put([...STORE_NAMESPACES.agents], agentId, agentState as unknown as Record<string, unknown>);
      }
    }
    // Tasks a re-plan dropped are history, not this plan's tasks.
    const inPlan = new Set(plan.tasks.map((t) => t.id));
    const finished = Object.values(state.tasks).filter((r) => inPlan.has(r.taskId));
    emitter.emit('no.run.completed', {
      runId, planId: plan.id, status: status === 'completed' ? 'completed' : status === 'cancelled' ? 'cancelled' : 'failed',
      durationMs: feedback.actualMakespanMs, completedTasks: finished.filter((r) => r.status === 'completed').length,
      failedTasks: finished.filter((r) => r.status !== 'completed').length,
      ...(state.runError == null ? {} : { error: { code: state.runError.code, message: state.runError.message } }),
    });
    return { feedback, adjustment, compensated, status, agents: runtime.pool.states(), replans, replanRequest: null };
  };
}

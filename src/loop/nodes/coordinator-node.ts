import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import { isNoError, NoError } from '../../contracts/errors.js';
import type { ExecutionPlan } from '../../contracts/scheduler.js';
import { recordAgentUtilization, recordCoordinationEfficiency, trackRun } from '../../telemetry/metrics.js';
import { COORDINATION_ATTRIBUTES, SPAN_NAMES } from '../../telemetry/names.js';
import { withSpan } from '../../telemetry/tracer.js';
import { CoordinatorRun } from '../coordinator-run.js';
import { replansLeft } from '../replan.js';
import type { TaskOutcome } from '../run-task.js';
import { assertDurable, threadIdOf, type LoopRuntime } from '../runtime.js';
import type { MasterLoopState, MasterLoopUpdate, TaskRecord } from '../state.js';


function recordOf(outcome: TaskOutcome): TaskRecord {
  const { output: _output, messages: _messages, ...record } = outcome;
  return record;
}

function recordMetrics(runtime: LoopRuntime, plan: ExecutionPlan, outcomes: TaskOutcome[], wallMs: number): number {
  const attempts = outcomes.reduce((n, o) => n + o.attempts, 0);
  const succeeded = outcomes.filter((o) => o.status === 'completed' && o.attempts > 0).length;
  const efficiency = attempts === 0 ? 1 : succeeded / attempts;
  const agentIds = runtime.pool.ids();
  recordCoordinationEfficiency(efficiency, { coordination_type: plan.strategy, agent_count: agentIds.length });
  for (const agentId of agentIds) {
    const busy = outcomes.filter((o) => o.agentId === agentId && o.durationMs > 0).reduce((ms, o) => ms + o.durationMs, 0);
    const slots = runtime.pool.definition(agentId).maxConcurrency ?? 1;
    const ratio = wallMs <= 0 ? 0 : Math.min(1, busy / (wallMs * slots));
    recordAgentUtilization(ratio, { agent_id: agentId, capability_type: runtime.pool.definition(agentId).capabilities.join(',') });
  }
  return efficiency;
}

/** The graph update of a pass that ran to its end (its tasks may still have failed). */
function updateOf(runtime: LoopRuntime, run: CoordinatorRun, config: LangGraphRunnableConfig): MasterLoopUpdate {
  const { plan, outcomes, session } = run;
  const results: Record<string, unknown> = {};
  const tasks: Record<string, TaskRecord> = {};
  for (const o of outcomes) {
    tasks[o.taskId] = recordOf(o);
    if (o.status === 'completed') results[o.taskId] = o.output;
  }
  const reason = run.stopReason;
  const status = run.completedCount() === plan.tasks.length ? 'completed' : reason !== undefined && config.signal?.aborted ? 'cancelled' : 'failed';
  // Stopped for a re-plan: the run did not fail, its plan is about to change.
  const replanning = status === 'failed' && run.replanReason !== undefined;
  return {
    results,
    tasks,
    errors: outcomes.flatMap((o) => o.errors),
    recoveries: outcomes.flatMap((o) => o.recoveries),
    agents: runtime.pool.states(),
    status,
    // The loop stopped the run itself (deadline, fatal failure): say why at the run's level.
    runError: status === 'failed' && !replanning && isNoError(reason) ? reason.toJSON() : null,
    ...(replanning ? { replanRequest: { reason: run.replanReason! } } : {}),
    ...(session && session.ops.length > 0 ? { mailboxes: session.ops, topics: session.ops } : {}),
  };
}

/**
 * The coordinator node: LangGraph glue around one {@link CoordinatorRun}, which dispatches the plan.
 * The node announces the pass, records its span and metrics, and always closes the run, so no agent
 * it started runs on after the node has returned or thrown.
 */
export function createCoordinatorNode(runtime: LoopRuntime) {
  const coordinate = coordinatePass(runtime);
  const { leadership } = runtime.options;
  if (!leadership) return coordinate;
  // The lease covers the whole pass, so no two processes dispatch the same thread's tasks at once.
  return async function coordinator(rawState: Record<string, unknown>, config: LangGraphRunnableConfig): Promise<MasterLoopUpdate> {
    assertDurable(config);
    const lease = await leadership.acquire(threadIdOf(config), config.signal);
    try {
      return await coordinate(rawState, config);
    } finally {
      await lease.release();
    }
  };
}

function coordinatePass(runtime: LoopRuntime) {
  return async function coordinator(rawState: Record<string, unknown>, config: LangGraphRunnableConfig): Promise<MasterLoopUpdate> {
    assertDurable(config);
    const run = new CoordinatorRun(runtime, rawState as MasterLoopState, config);
    const { plan, runId } = run;
    const threadId = threadIdOf(config);
    const canReplan = replansLeft(runtime, rawState as MasterLoopState);
    // The loop's requestReplan: the running tasks are aborted and stored as cancelled, finished ones
    // stay, and the recovery node asks the planner for the work left.
    const pass = {
      requestReplan: (reason: string): boolean => {
        if (!canReplan || run.stopReason !== undefined) return false;
        run.replanReason = reason;
        run.stop(new NoError('ABORTED', `stopped for a re-plan: ${reason}`));
        return true;
      },
    };
    runtime.passes.set(threadId, pass);
    const agentIds = runtime.pool.ids();
    run.emitter.emit('orchestration.coordination.started', { strategy: plan.strategy, runId, participants: agentIds });
    run.emitter.emit('no.agent.coordination.started', { runId, planId: plan.id, strategy: plan.strategy, agentIds, taskCount: run.taskCount });
    const attributes = {
      [COORDINATION_ATTRIBUTES.id]: runId,
      [COORDINATION_ATTRIBUTES.participantCount]: agentIds.length,
      [COORDINATION_ATTRIBUTES.participantIds]: agentIds.join(','),
    };
    // The pass's running tasks and backlog, read when a metric reader collects.
    const untrack = trackRun({ running: () => run.dispatcher.runningCount, backlog: () => run.dispatcher.backlog(),
      waitingByCapability: () => run.dispatcher.waitingByCapability() });
    return withSpan(SPAN_NAMES.coordinationExecute, attributes, async (span) => {
      let failure: unknown;
      try {
        await run.execute();
        const update = updateOf(runtime, run, config);
        const efficiency = recordMetrics(runtime, plan, run.outcomes, Date.now() - run.startedAt);
        span.setAttributes({
          [COORDINATION_ATTRIBUTES.successRate]: efficiency,
          [COORDINATION_ATTRIBUTES.messagesExchanged]: run.outcomes.reduce((n, o) => n + 2 * o.attempts, 0),
        });
        return update;
      } catch (error) {
        failure = error ?? new Error('coordinator failed');
        throw error;
      } finally {
        untrack();
        if (runtime.passes.get(threadId) === pass) runtime.passes.delete(threadId);
        run.close(failure);
      }
    });
  };
}

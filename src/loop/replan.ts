import { getConfig, task as durableTask, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { isNoError, NoError, toError } from '../contracts/errors.js';
import type { PlanRevision, PlanRevisionInput, ReplanRecord, ReplanTrigger, Replanner } from '../contracts/planning.js';
import type { ExecutionPlan } from '../contracts/scheduler.js';
import type { RunEmitter } from './emitter.js';
import { announcePlan, planRequest } from './nodes/scheduler-node.js';
import { capabilitiesOf, type LoopRuntime } from './runtime.js';
import type { MasterLoopState, MasterLoopUpdate } from './state.js';

/** Re-plans per run when MasterLoopOptions.replan does not say. @default 2 */
export const DEFAULT_MAX_REPLANS = 2;

export interface ReplanOptions {
  /** Revises the plan of the work left (`createLlmPlanner(...)` gives one). */
  planner: Replanner;
  /** Re-plans per run; after the last one, the run fails as it would without a planner. @default DEFAULT_MAX_REPLANS (2) */
  maxReplans?: number;
}

/** Checks the option when the loop is made, so a misspelt one fails before any run. */
export function checkReplanOptions(replan: ReplanOptions | undefined): void {
  if (replan === undefined) return;
  if (typeof replan?.planner?.revise !== 'function') {
    throw new NoError('INVALID_REQUEST', 'replan needs a planner: pass replan: { planner: createLlmPlanner({ model }) }', { details: {} });
  }
  const max = replan.maxReplans ?? DEFAULT_MAX_REPLANS;
  if (!Number.isInteger(max) || max < 0) {
    throw new NoError('INVALID_NUMBER', `replan.maxReplans must be a whole number of at least 0, got ${String(max)}`, { details: { maxReplans: max } });
  }
}

/** Whether the run may ask for another re-plan. */
export function replansLeft(runtime: LoopRuntime, state: Pick<MasterLoopState, 'replans'>): boolean {
  const replan = runtime.options.replan;
  return replan !== undefined && state.replans.length < (replan.maxReplans ?? DEFAULT_MAX_REPLANS);
}

/**
 * Why this run should be re-planned now, if it should: someone asked (and the run did not finish
 * anyway), or tasks failed for good in a run the loop did not stop itself (a deadline or a fatal
 * failure ends the run whatever the plan).
 */
export function replanTriggerOf(state: MasterLoopState, runtime: LoopRuntime): { trigger: ReplanTrigger; reason: string } | undefined {
  if (!replansLeft(runtime, state) || state.status === 'completed' || state.status === 'cancelled') return undefined;
  if (state.replanRequest) return { trigger: 'requested', reason: state.replanRequest.reason };
  if (state.status !== 'failed' || state.runError != null) return undefined;
  const inPlan = new Set(state.plan?.tasks.map((t) => t.id));
  const failed = Object.values(state.tasks).filter((r) => r.status === 'failed' && inPlan.has(r.taskId)).map((r) => r.taskId);
  return failed.length === 0 ? undefined : { trigger: 'tasks-failed', reason: `task${failed.length > 1 ? 's' : ''} ${failed.map((id) => `'${id}'`).join(', ')} failed for good` };
}

type StepResult = { ok: true; revision: PlanRevision } | { ok: false; error: { code: string; message: string } };

/**
 * The planner's call as a durable step: its answer is stored as soon as it comes, so a run resumed
 * after a crash never asks the planner again for a re-plan it already got.
 */
export function createReplanStep(runtime: LoopRuntime) {
  return durableTask('no.replan', async (input: Omit<PlanRevisionInput, 'signal'>): Promise<StepResult> => {
    const signal = getConfig()?.signal;
    try {
      const revision = await runtime.options.replan!.planner.revise({ ...input, ...(signal ? { signal } : {}) });
      return { ok: true, revision };
    } catch (caught) {
      const error = toError(caught);
      return { ok: false, error: { code: isNoError(error) ? error.code : error.name, message: error.message } };
    }
  });
}

/**
 * Asks the planner for the work left, plans the answer and returns the update that runs it: finished
 * tasks are kept (their records and results stay, so they never run again), the others make way for
 * the revision's tasks. A planner that fails gives `undefined` with the failed record: the run then
 * ends as it would have without re-planning. Either way, `no.plan.revised` says what happened.
 */
export async function replanRun(
  runtime: LoopRuntime,
  state: MasterLoopState,
  config: LangGraphRunnableConfig,
  emitter: RunEmitter,
  why: { trigger: ReplanTrigger; reason: string },
  step: ReturnType<typeof createReplanStep>,
): Promise<{ update?: MasterLoopUpdate; record: ReplanRecord }> {
  const plan = state.plan!;
  const inPlan = new Set(plan.tasks.map((t) => t.id));
  const records = Object.values(state.tasks).filter((r) => inPlan.has(r.taskId));
  const finished = records.filter((r) => r.status === 'completed').map((r) => ({ taskId: r.taskId, output: state.results[r.taskId] }));
  const failed = records
    .filter((r) => r.status !== 'completed')
    .map((r) => ({
      taskId: r.taskId,
      error: r.status === 'failed' ? (r.error?.message ?? 'failed') : `${r.status}${r.error ? `: ${r.error.message}` : ''}`,
      ...(r.error ? { classification: r.error.classification } : {}),
    }));
  const goal = state.request?.metadata?.['goal'];
  const result = await step({
    ...(typeof goal === 'string' ? { goal } : {}),
    request: state.request ?? { tasks: plan.tasks },
    finished,
    failed,
    trigger: why.trigger,
    reason: why.reason,
    capabilities: capabilitiesOf(runtime.pool),
  });
  const base = { replan: state.replans.length + 1, trigger: why.trigger, reason: why.reason, previousPlanId: plan.id, kept: finished.map((f) => f.taskId) };
  let revised: ExecutionPlan | undefined;
  let error = result.ok ? undefined : result.error;
  if (result.ok) {
    try {
      revised = await planRequest(runtime, result.revision.request, config);
    } catch (caught) {
      const e = toError(caught);
      error = { code: isNoError(e) ? e.code : e.name, message: e.message };
    }
  }
  const kept = new Set(base.kept);
  const added = revised ? revised.tasks.filter((t) => !kept.has(t.id)).map((t) => t.id) : [];
  const next = new Set(added);
  const record: ReplanRecord = {
    ...base,
    outcome: revised ? 'revised' : 'failed',
    ...(revised ? { planId: revised.id } : {}),
    added,
    dropped: revised ? plan.tasks.filter((t) => !kept.has(t.id) && !next.has(t.id)).map((t) => t.id) : [],
    attempts: result.ok ? result.revision.attempts : 0,
    ...(result.ok && result.revision.usage ? { usage: result.revision.usage } : {}),
    ...(error ? { error } : {}),
  };
  runtime.audit.append({ actor: 'recovery', action: 'recovery.replan', outcome: revised ? 'success' : 'failure', details: { ...record, runId: state.runId } });
  emitter.emit('no.plan.revised', { ...record, runId: state.runId! });
  if (!revised) return { record };
  // In the current package's words too: the previous plan changed into the revised one.
  emitter.emit('orchestration.plan.updated', {
    planId: plan.id,
    changes: [...record.added.map((taskId) => ({ taskId, change: 'added' })), ...record.dropped.map((taskId) => ({ taskId, change: 'dropped' }))],
  });
  announcePlan(emitter, revised, revised.tasks.filter((t) => next.has(t.id)));
  return {
    record,
    update: {
      request: result.ok ? result.revision.request : state.request,
      plan: revised,
      status: 'running',
      round: state.round + 1,
      replans: [record],
      replanRequest: null,
      runError: null,
    },
  };
}

import { createHash } from 'node:crypto';
import { task as durableTask, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { isNoError, NoError } from '../../contracts/errors.js';
import type { AgentError, RecoveryAction } from '../../contracts/loop.js';
import type { ExecutionPlan, Task } from '../../contracts/scheduler.js';
import { abortScope, exponentialBackoff } from '../../resilience/index.js';
import { buildDag, criticalPath, needsCoordination } from '../../scheduler/index.js';
import { recordAgentUtilization, recordCoordinationEfficiency } from '../../telemetry/metrics.js';
import { COORDINATION_ATTRIBUTES, SPAN_NAMES } from '../../telemetry/names.js';
import { withSpan } from '../../telemetry/tracer.js';
import type { MessageOp } from '../message-channels.js';
import { createMessenger, openNetworkSession } from '../messaging.js';
import { Dispatcher, type DispatchTask } from '../dispatcher.js';
import { trackWrites } from '../durable-writes.js';
import { checkpointerOf } from '../langgraph-seam.js';
import { createRunEmitter, type RunEmitter } from '../emitter.js';
import { deadlineError } from '../run-deadline.js';
import { runTask, stopError, type TaskOutcome } from '../run-task.js';
import { withTaskSignal } from '../task-signal.js';
import {
  assertDurable,
  DEFAULT_ATTEMPT_TIMEOUT_MS,
  DEFAULT_TASK_RETRIES,
  threadIdOf,
  type LoopRuntime,
} from '../runtime.js';
import type { MasterLoopState, MasterLoopUpdate, TaskRecord } from '../state.js';

/** The same for every attempt of a task in a run, across crashes: agents deduplicate side effects with it. */
export function idempotencyKeyOf(threadId: string, runId: string, taskId: string): string {
  return createHash('sha256').update(`${threadId}\u0000${runId}\u0000${taskId}`).digest('hex').slice(0, 32);
}

function dispatchTasks(plan: ExecutionPlan): DispatchTask[] {
  const dag = buildDag(plan.tasks);
  const { tails } = criticalPath(dag, plan.tasks.map((t) => t.estimatedDurationMs));
  const coordinated = plan.strategy === 'parallel-coordinated';
  return plan.tasks.map((t, index) => ({
    id: t.id,
    index,
    priority: t.priority,
    tail: tails[index]!,
    resources: t.resources,
    ...(t.capability === undefined ? {} : { capability: t.capability }),
    dependsOn: t.dependsOn,
    exclusive: coordinated && needsCoordination(t),
  }));
}

/**
 * The order in which task() calls are made: the planned schedule's start order (a topological order
 * that follows priorities and resources). It is fixed by the plan in the checkpoint, so call N is the
 * same task in every process that runs or resumes this superstep.
 */
export function issueOrder(plan: ExecutionPlan, tasks: readonly DispatchTask[]): string[] {
  const rank = new Map(tasks.map((t) => [t.id, t]));
  const start = new Map(plan.schedule.map((s) => [s.taskId, s.startMs]));
  return plan.order
    .map((id) => rank.get(id)!)
    .sort((a, b) => start.get(a.id)! - start.get(b.id)! || b.priority - a.priority || b.tail - a.tail || a.index - b.index)
    .map((t) => t.id);
}

/** How many ready-or-running tasks to keep issued: enough to fill every slot twice over. */
function windowOf(plan: ExecutionPlan, runtime: LoopRuntime): number {
  const slots = runtime.pool.ids().reduce((n, id) => n + (runtime.pool.definition(id).maxConcurrency ?? 1), 0);
  const limit = plan.strategy === 'sequential-safe' ? 1 : Math.min(plan.constraints.maxConcurrentAgents ?? slots, slots);
  return Math.max(2, 2 * limit);
}

/**
 * Makes the task() calls in `order`, lazily: LangGraph's runner does work per pending call on every
 * completion, so N calls up front cost O(N²). Calls are issued in the fixed order (identity stays
 * stable) while fewer than `window` issued tasks are ready or running; tasks still waiting for
 * dependencies are issued as the order passes them, so a ready task is never held back by them.
 */
export function issueAll(
  order: readonly string[],
  byId: ReadonlyMap<string, Task>,
  done: ReadonlyMap<string, unknown>,
  window: number,
  call: (taskId: string) => Promise<TaskOutcome>,
  after: (taskId: string, outcome: TaskOutcome) => Promise<void>,
): Promise<void> {
  const finished = new Set<string>(done.keys());
  const open = new Set<string>();
  let next = 0;
  let remaining = order.length;
  return new Promise<void>((resolve, reject) => {
    if (remaining === 0) return resolve();
    const ready = (id: string): boolean => byId.get(id)!.dependsOn.every((d) => finished.has(d));
    const refill = (): void => {
      let active = 0;
      for (const id of open) if (ready(id)) active++;
      while (next < order.length && active < window) {
        const id = order[next++]!;
        open.add(id);
        if (ready(id)) active++;
        call(id)
          .then((outcome) => after(id, outcome).then(() => outcome))
          .then((outcome) => {
            open.delete(id);
            if (outcome.status === 'completed') finished.add(id);
            if (--remaining === 0) resolve();
            else refill();
          }, reject);
      }
    };
    refill();
  });
}

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

/**
 * Dispatches the plan. Every task not finished yet gets one LangGraph `task()` call, made up front in
 * plan order: the order of calls is what identifies them, so a resumed run lines each stored result
 * up with the same task, however differently the tasks finish. Each call's body waits in memory for
 * its dependencies, an agent and resources, so a task starts the moment it can (no superstep waves).
 */
export function createCoordinatorNode(runtime: LoopRuntime) {
  return async function coordinator(rawState: Record<string, unknown>, config: LangGraphRunnableConfig): Promise<MasterLoopUpdate> {
    assertDurable(config);
    const state = rawState as MasterLoopState;
    const plan = state.plan;
    const runId = state.runId;
    if (!plan || !runId) throw new NoError('INVALID_REQUEST', 'the coordinator needs a plan: run the scheduler node first', { details: {} });
    const threadId = threadIdOf(config);
    const emitter: RunEmitter = createRunEmitter({ writer: config.writer, listeners: runtime.listeners, correlationId: runId, source: runtime.options.eventSource });
    const tracker = trackWrites(checkpointerOf(config), threadId);
    const byId = new Map<string, Task>(plan.tasks.map((t) => [t.id, t]));
    const done = new Map<string, unknown>();
    for (const [id, record] of Object.entries(state.tasks)) if (record.status === 'completed') done.set(id, state.results[id]);
    const dispatchable = dispatchTasks(plan);
    const todo = issueOrder(plan, dispatchable).filter((id) => !done.has(id));
    const agentIds = runtime.pool.ids();

    // Each task gets child signals of its own, so the listeners of attempts, backoff waits and task()
    // calls never pile up on one signal. `scope` also aborts when the run stops itself (a fatal
    // failure); `graphScope` only with LangGraph's signal, so a run that stops itself still gets
    // every task's outcome back from its task() call and stored.
    const scope = abortScope([config.signal]);
    const graphScope = abortScope([config.signal]);
    const taskSignals = new Map<string, AbortSignal>();
    const dispatcher = new Dispatcher({
      tasks: dispatchable,
      pool: runtime.pool,
      capacities: plan.resources,
      maxConcurrent: plan.strategy === 'sequential-safe' ? 1 : plan.constraints.maxConcurrentAgents ?? Number.POSITIVE_INFINITY,
      completed: done,
    });
    // However the run stops (its deadline, a fatal failure, LangGraph's signal), nothing new starts
    // and every agent's signal aborts; the first reason is the one every task reports.
    const stopRun = (reason: NoError): void => {
      if (scope.signal.aborted) return;
      dispatcher.cancel(reason.message);
      scope.abort(reason);
    };
    const onScopeAbort = (): void => dispatcher.cancel(stopError(scope.signal.reason).message);
    scope.signal.addEventListener('abort', onScopeAbort, { once: true });
    if (scope.signal.aborted) onScopeAbort();
    const deadline = state.runDeadline ?? null;
    const deadlineTimer = deadline === null ? undefined : setTimeout(() => stopRun(deadlineError(deadline)), Math.max(0, deadline.at - Date.now()));
    const audit = (action: RecoveryAction): void => {
      runtime.audit.append({ actor: 'recovery', action: `recovery.${action.type}`, outcome: 'success', details: { ...action, runId } });
    };
    // A task settles once its outcome is in the checkpointer: only then may the run move on.
    const settled = new Set<string>();
    const settle = (outcome: TaskOutcome): void => {
      if (settled.has(outcome.taskId)) return;
      settled.add(outcome.taskId);
      if (outcome.status === 'completed') return dispatcher.complete(outcome.taskId, outcome.output);
      dispatcher.fail(outcome.taskId, outcome.error?.message ?? outcome.status);
      if (outcome.status === 'failed') dispatcher.cancel(`run failing: task '${outcome.taskId}' failed`);
    };
    const ranHere = new Set<string>();
    const network = runtime.options.network;
    const session = network ? openNetworkSession(network, runtime.pool, state.mailboxes) : undefined;
    const env = {
      dispatcher,
      pool: runtime.pool,
      emitter,
      threadId,
      idempotencyKey: (taskId: string) => idempotencyKeyOf(threadId, runId, taskId),
      signal: scope.signal,
      defaultTimeoutMs: runtime.options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
      defaultRetries: runtime.options.retries ?? DEFAULT_TASK_RETRIES,
      // Built here so a bad setting fails the run before any task starts; each task gets its own below.
      backoff: exponentialBackoff(runtime.options.backoff),
      ...(runtime.options.recoveryStrategies ? { strategies: runtime.options.recoveryStrategies } : {}),
      onError: (_error: AgentError) => {},
      onRecovery: audit,
      onFatal: (reason: string) => stopRun(new NoError('ABORTED', reason)),
      ...(network && session
        ? {
            messenger: (agentId: string, key: string, record: (op: MessageOp) => void) =>
              createMessenger(network, { agentId, correlationId: runId, causationId: key, record: (op) => (record(op), session.record(op)) }),
          }
        : {}),
    };
    const runOne = durableTask('no.task', async (input: { taskId: string }): Promise<TaskOutcome> => {
      ranHere.add(input.taskId);
      // One backoff per task, as retry() has one per retry sequence: a decorrelated backoff remembers
      // the last delay, and one shared by concurrent tasks would mix their sequences.
      return runTask(byId.get(input.taskId)!, {
        ...env, backoff: exponentialBackoff(runtime.options.backoff), signal: taskSignals.get(input.taskId) ?? scope.signal,
      });
    });

    emitter.emit('orchestration.coordination.started', { strategy: plan.strategy, runId, participants: agentIds });
    emitter.emit('no.agent.coordination.started', { runId, planId: plan.id, strategy: plan.strategy, agentIds, taskCount: todo.length });
    const started = Date.now();
    const attributes = {
      [COORDINATION_ATTRIBUTES.id]: runId,
      [COORDINATION_ATTRIBUTES.participantCount]: agentIds.length,
      [COORDINATION_ATTRIBUTES.participantIds]: agentIds.join(','),
    };
    const outcomes: TaskOutcome[] = [];
    // Runs after a task's outcome is known (fresh or replayed from the checkpointer).
    const afterTask = async (taskId: string, outcome: TaskOutcome): Promise<void> => {
      if (outcome.taskId !== taskId) {
        throw new NoError('INTERNAL_ERROR', `stored result of '${outcome.taskId}' came back for '${taskId}'`, { details: { taskId } });
      }
      outcomes.push(outcome);
      const replayed = !ranHere.has(taskId);
      if (replayed && outcome.messages) session?.replay(outcome.messages);
      // Dependents start, and the completion is announced, only once the result is stored.
      await tracker.flush();
      settle(outcome);
      if (outcome.status === 'completed') {
        emitter.emit('orchestration.task.completed', {
          taskId,
          result: outcome.output ?? null,
          durationMs: outcome.durationMs,
          metadata: { agentId: outcome.agentId, attempts: outcome.attempts, usedFallback: outcome.usedFallback, replayed },
        });
      } else if (outcome.attempts === 0) {
        // Tasks that never ran (blocked or cancelled) get their failure announced here; attempts did so themselves.
        emitter.emit('orchestration.task.failed', {
          taskId,
          error: outcome.error?.message ?? outcome.status,
          retryable: false,
          metadata: { status: outcome.status, replayed },
        });
      }
    };
    return withSpan(SPAN_NAMES.coordinationExecute, attributes, async (span) => {
      try {
        // task() is typed as returning a promise of the body's return type (itself a promise); it resolves once.
        const call = async (taskId: string): Promise<TaskOutcome> => {
          const part = scope.child();
          const graphPart = graphScope.child();
          taskSignals.set(taskId, part.signal);
          try {
            return await withTaskSignal(graphPart.signal, () => runOne({ taskId }) as unknown as Promise<TaskOutcome>);
          } finally {
            taskSignals.delete(taskId);
            part.dispose();
            graphPart.dispose();
          }
        };
        await issueAll(todo, byId, done, windowOf(plan, runtime), call, afterTask);
      } catch (error) {
        // Whatever broke the run (a result that could not be stored, a hook that threw), agents still
        // running have nobody waiting for them any more: stop them, and start nothing new.
        stopRun(isNoError(error) ? error : new NoError('ABORTED', `run stopped: ${error instanceof Error ? error.message : String(error)}`));
        // LangGraph's signal aborted (the caller's signal, a step timeout, a failing sibling node): it
        // stops the graph here, so the recovery node will not run to announce the end of the run.
        if (config.signal?.aborted) {
          emitter.emit('no.run.completed', {
            runId, planId: plan.id, status: 'cancelled', durationMs: Date.now() - started,
            completedTasks: done.size + outcomes.filter((o) => o.status === 'completed').length,
            failedTasks: outcomes.filter((o) => o.status !== 'completed').length,
            error: stopError(config.signal.reason),
          });
        }
        throw error;
      } finally {
        clearTimeout(deadlineTimer);
        scope.signal.removeEventListener('abort', onScopeAbort);
        scope.dispose();
        graphScope.dispose();
        session?.close();
        tracker.close();
      }
      const results: Record<string, unknown> = {};
      const tasks: Record<string, TaskRecord> = {};
      for (const o of outcomes) {
        tasks[o.taskId] = recordOf(o);
        if (o.status === 'completed') results[o.taskId] = o.output;
      }
      const completed = done.size + outcomes.filter((o) => o.status === 'completed').length;
      const status = completed === plan.tasks.length ? 'completed' : scope.signal.aborted && config.signal?.aborted ? 'cancelled' : 'failed';
      // The loop stopped the run itself (deadline, fatal failure): say why at the run's level.
      const reason: unknown = scope.signal.reason;
      const runError = status === 'failed' && isNoError(reason) ? reason.toJSON() : null;
      const efficiency = recordMetrics(runtime, plan, outcomes, Date.now() - started);
      span.setAttributes({
        [COORDINATION_ATTRIBUTES.successRate]: efficiency,
        [COORDINATION_ATTRIBUTES.messagesExchanged]: outcomes.reduce((n, o) => n + 2 * o.attempts, 0),
      });
      return {
        results,
        tasks,
        errors: outcomes.flatMap((o) => o.errors),
        recoveries: outcomes.flatMap((o) => o.recoveries),
        agents: runtime.pool.states(),
        status,
        runError,
        ...(session && session.ops.length > 0 ? { mailboxes: session.ops, topics: session.ops } : {}),
      };
    });
  };
}

import { isNoError, toError, type NoErrorCode } from '../contracts/errors.js';
import type { AgentError, FailureClass, RecoveryAction } from '../contracts/loop.js';
import type { Task } from '../contracts/scheduler.js';
import { classifyFailure, retry, timeout, wrap, type PolicyContext } from '../resilience/index.js';
import type { AgentStep } from './agent-nesting.js';
import { invokeAgent } from './agents.js';
import type { MessageOp } from './message-channels.js';
import { preemptedAction, trackAttempt } from './preemption.js';
import { decideRecovery } from './recovery-handler.js';
import type { TaskOutcome, TaskRunEnv } from './task-run-env.js';

export type { TaskOutcome, TaskRunEnv } from './task-run-env.js';

/**
 * What the tasks of a stopped run report: the loop's own reason (its deadline, a fatal failure) as
 * it is, anything else (the caller's signal) as a cancellation.
 */
export function stopError(reason: unknown): { message: string; code: NoErrorCode } {
  if (isNoError(reason)) return { message: reason.message, code: reason.code };
  const text = reason === undefined ? '' : toError(reason).message;
  return { message: text === '' ? 'run cancelled' : `run cancelled: ${text}`, code: 'ABORTED' };
}

interface AttemptState {
  attempts: number;
  retriesUsed: number;
  exclude: Set<string>;
  capability: string | undefined;
  input: unknown;
  usedFallback: boolean;
}

/**
 * Why an attempt gave no output: the dispatcher had no agent for it, or the agent failed and the
 * recovery handler decided what comes next. Thrown so that `retry` sees the failure, and caught in
 * runTask again: it never leaves it.
 */
class AttemptEnded extends Error {
  constructor(
    readonly end:
      | { kind: 'no-agent'; reason: string }
      | { kind: 'cancelled'; reason: string }
      | { kind: 'preempted'; agentId: string; elsewhere: boolean }
      | { kind: 'failed'; agentId: string; action: RecoveryAction; classification: FailureClass; code: string | undefined },
    message: string,
  ) {
    super(message);
    this.name = 'AttemptEnded';
  }
}

/** Recovery actions after which the task goes on; any other one ends it. */
const CONTINUING: ReadonlySet<RecoveryAction['type']> = new Set(['retry-with-backoff', 'restart-and-redistribute', 'redistribute', 'fallback']);

const retriesWithBackoff = (error: unknown): boolean =>
  error instanceof AttemptEnded && error.end.kind === 'failed' && error.end.action.type === 'retry-with-backoff';

/**
 * Runs one planned task to an outcome: waits for its dependencies, takes an agent and resources from
 * the dispatcher, runs each attempt through the agent's circuit breaker under a timeout and the run's
 * AbortSignal, and on failure asks the hierarchical handler what to do. Retries with backoff are the
 * `retry` policy's; moving to another agent, restarting it and falling back are the loop's own, around
 * it. It never throws: every failure ends as an outcome, so one task cannot take the others down.
 */
export async function runTask(task: Task, env: TaskRunEnv): Promise<TaskOutcome> {
  const now = env.now ?? Date.now;
  const key = env.idempotencyKey(task.id);
  const errors: AgentError[] = [];
  const recoveries: RecoveryAction[] = [];
  const messages: MessageOp[] = [];
  // `messages` fills as attempts run; the outcome holds the same array.
  const base = { taskId: task.id, idempotencyKey: key, errors, recoveries, ...(env.messenger ? { messages } : {}) };
  const deps = await env.dispatcher.waitForDependencies(task.id);
  if (!deps.ok) {
    const cancelled = env.signal.aborted;
    return { ...base, status: cancelled ? 'cancelled' : 'skipped', attempts: 0, durationMs: 0, usedFallback: false,
      error: { message: deps.reason, classification: cancelled ? 'fatal' : 'agent-fault', ...(cancelled ? { code: stopError(env.signal.reason).code } : {}) } };
  }
  const st: AttemptState = { attempts: 0, retriesUsed: 0, exclude: new Set(env.exclude), capability: task.capability, input: task.input, usedFallback: false };
  const maxRetries = task.retries ?? env.defaultRetries;
  const record = (action: RecoveryAction): RecoveryAction => {
    recoveries.push(action);
    env.onRecovery(action);
    env.emitter.emit('no.recovery.action.taken', {
      taskId: task.id, action: action.type, level: action.level, reason: action.reason,
      ...(action.agentId === undefined ? {} : { agentId: action.agentId }),
      ...(action.targetAgentId === undefined ? {} : { targetAgentId: action.targetAgentId }),
    });
    return action;
  };
  // Applies a fallback action; returns an outcome when the fallback is a fixed value.
  const fallBack = (): TaskOutcome | undefined => {
    st.usedFallback = true;
    const fb = task.fallback!;
    if (fb.value !== undefined || (fb.capability === undefined && fb.input === undefined)) {
      return { ...base, status: 'completed', output: fb.value, attempts: st.attempts, durationMs: 0, usedFallback: true };
    }
    st.capability = fb.capability ?? st.capability;
    st.input = fb.input ?? st.input;
    st.exclude = new Set(env.exclude);
    return undefined;
  };
  /**
   * Agents this task was moved off that are well again (a crashed agent back, its circuit closed),
   * let back in for one retry of its budget; none when the budget is spent. Never the task's pinned
   * exclusions (a consensus voter's), never `except` (the agent that just failed it).
   */
  const readmit = (except?: string): string[] => {
    if (st.retriesUsed >= maxRetries) return [];
    const back = [...st.exclude].filter((id) => id !== except && !env.exclude?.has(id) && env.pool.capable(st.capability).includes(id)
      && env.pool.health(id) !== 'unhealthy' && env.pool.breaker(id).state !== 'open');
    if (back.length === 0) return [];
    st.retriesUsed++;
    for (const id of back) st.exclude.delete(id);
    return back;
  };
  const failed = (message: string, classification: FailureClass, code?: string): TaskOutcome => ({
    ...base, status: env.signal.aborted ? 'cancelled' : 'failed', attempts: st.attempts, durationMs: 0, usedFallback: st.usedFallback,
    error: { message, classification, ...(code === undefined ? {} : { code }) },
  });

  // One attempt: an agent, its breaker and a timeout. A failure is recorded and decided on here, at
  // once (events, the agent's health, a fatal stop), then thrown for `retry` and the loop below.
  const attempt = async ({ signal }: PolicyContext): Promise<TaskOutcome> => {
    const grant = await env.dispatcher.acquire(task.id, { capability: st.capability, exclude: st.exclude });
    if (grant.kind !== 'granted') throw new AttemptEnded(grant, grant.reason);
    const { agentId } = grant;
    st.attempts++;
    env.emitter.emit('orchestration.agent.assigned', { agentId, taskId: task.id, capabilities: env.pool.definition(agentId).capabilities });
    for (const [resourceId, amount] of Object.entries(task.resources)) {
      if (amount > 0) env.emitter.emit('orchestration.resource.allocated', { resourceId, taskId: task.id, amount });
    }
    env.emitter.emit('orchestration.task.started', { taskId: task.id, agentId, attempt: st.attempts, metadata: { idempotencyKey: key } });
    const startedAt = now();
    const breaker = env.pool.breaker(agentId);
    const wasClosed = breaker.state !== 'open';
    const limitMs = task.timeoutMs ?? env.pool.definition(agentId).timeoutMs ?? env.defaultTimeoutMs;
    const ctx = { task, dependencies: deps.outputs, attempt: st.attempts, idempotencyKey: key, agentId, threadId: env.threadId,
      // Messaging stays in this process: an agent run by a distribution gets no `ctx.network`.
      ...(env.messenger && !env.distribution ? { network: env.messenger(agentId, key, (op) => messages.push(op)) } : {}),
      ...(env.knowledge && !env.distribution ? { knowledge: env.knowledge(agentId, task.id) } : {}) };
    const onStep = (step: AgentStep): void => {
      env.emitter.emit('no.agent.step', { taskId: task.id, agentId, attempt: ctx.attempt, ...step });
    };
    let output: unknown;
    let error: unknown;
    // Self-healing may stop the attempt through the pool (`preempt`) when the agent holding it is stuck.
    const tracked = trackAttempt(env.pool, agentId, signal);
    try {
      // The timeout inside the breaker: an attempt that times out counts against the agent.
      output = await wrap(breaker, timeout(limitMs)).execute(
        ({ signal: attemptSignal }) =>
          env.distribution
            ? env.distribution.invoke(
                { agentId, task, input: st.input, dependencies: deps.outputs, attempt: ctx.attempt, idempotencyKey: key, threadId: env.threadId,
                  timeoutMs: limitMs, maxConcurrency: env.pool.definition(agentId).maxConcurrency ?? 1 },
                { signal: attemptSignal, onStep },
              )
            : invokeAgent(env.pool.runner(agentId), st.input, { ...ctx, signal: attemptSignal }, { onStep }),
        tracked.signal,
      );
    } catch (caught) {
      error = caught ?? new Error('agent rejected with undefined');
    } finally {
      tracked.dispose();
      grant.release();
    }
    const finishedAt = now();
    if (error === undefined) {
      env.pool.recordSuccess(agentId, finishedAt - startedAt);
      env.emitter.emit('orchestration.agent.freed', { agentId, taskId: task.id, reason: 'completed' });
      return { ...base, status: 'completed', output, agentId, attempts: st.attempts, durationMs: finishedAt - startedAt,
        startedAt, finishedAt, usedFallback: st.usedFallback };
    }

    // An attempt that ended because the run stopped reports why the run stopped, not the abort it saw.
    const stopped = env.signal.aborted ? stopError(env.signal.reason) : undefined;
    // A pre-empted attempt was stuck on its agent: the agent's fault, never the task's.
    const preempted = stopped ? undefined : tracked.preempted(env.signal);
    const err = stopped ? new Error(stopped.message) : (preempted ?? toError(error));
    const classification = stopped ? 'fatal' : preempted ? 'agent-fault' : classifyFailure(error);
    const code = stopped ? stopped.code : isNoError(err) ? err.code : isNoError(error) ? error.code : undefined;
    if (classification === 'transient' || classification === 'agent-fault') env.pool.recordFailure(agentId);
    const agentError: AgentError = { taskId: task.id, agentId, classification, message: err.message, attempt: st.attempts, at: finishedAt,
      ...(code === undefined ? {} : { code }) };
    errors.push(agentError);
    env.onError(agentError);
    env.emitter.emit('orchestration.task.failed', { taskId: task.id, error: err.message, retryable: classification === 'transient' || preempted !== undefined,
      metadata: { agentId, attempt: st.attempts, classification, ...(preempted ? { code: preempted.code } : {}) } });
    env.emitter.emit('orchestration.agent.freed', { agentId, taskId: task.id, reason: classification });

    const circuitOpened = wasClosed && (breaker.state as string) === 'open';
    const others = env.pool.capable(st.capability).filter((id) => id !== agentId && !st.exclude.has(id) && env.pool.health(id) !== 'unhealthy');
    if (preempted) {
      record(preemptedAction(task.id, agentId, preempted, others.length > 0));
      throw new AttemptEnded({ kind: 'preempted', agentId, elsewhere: others.length > 0 }, err.message);
    }
    const decide = (alternatives: number): RecoveryAction => decideRecovery({
      task, agentId, classification, message: err.message, retriesUsed: st.retriesUsed, maxRetries, alternatives,
      circuitOpened, canRestart: env.pool.definition(agentId).factory !== undefined,
      fallbackAvailable: task.fallback !== undefined && !st.usedFallback,
    }, env.strategies);
    let decided = decide(others.length);
    if (!CONTINUING.has(decided.type) && others.length === 0 && (classification === 'agent-fault' || classification === 'transient')) {
      // It would end here because every other agent has failed it already: one that is well again
      // may have it back, for a retry of its budget.
      const back = readmit(agentId);
      if (back.length > 0) decided = decide(back.length);
    }
    const action = record(decided);
    if (!CONTINUING.has(action.type) && action.level === 'system') env.onFatal(action.reason);
    throw new AttemptEnded({ kind: 'failed', agentId, action, classification, code }, err.message);
  };

  for (;;) {
    // The task's retry budget and its backoff sequence run on across moves to other agents.
    const retriesBefore = st.retriesUsed;
    const attempts = retry({
      // The recovery handler decides (task.retries is its budget), so retry sets no limit of its own.
      maxAttempts: Number.POSITIVE_INFINITY,
      backoff: (n) => env.backoff(retriesBefore + n),
      shouldRetry: retriesWithBackoff,
      onRetry: () => void st.retriesUsed++,
    });
    let ended: unknown;
    try {
      return await attempts.execute(attempt, env.signal);
    } catch (caught) {
      ended = caught;
    }
    if (!(ended instanceof AttemptEnded)) {
      // `retry` stops when the run does (before an attempt, or during a backoff wait); anything else is a bug.
      if (!env.signal.aborted) throw ended;
      const stop = stopError(env.signal.reason);
      return failed(stop.message, 'fatal', stop.code);
    }
    const { end } = ended;
    if (end.kind === 'cancelled') {
      return { ...failed(end.reason, 'fatal', env.signal.aborted ? stopError(env.signal.reason).code : undefined), status: 'cancelled' };
    }
    if (end.kind === 'preempted') {
      // At once, and outside the retry budget: a new `retry` starts from the retries used so far.
      if (end.elsewhere) st.exclude.add(end.agentId);
      continue;
    }
    if (end.kind === 'no-agent') {
      if (readmit().length > 0) continue;
      const action = record(decideRecovery({
        task, classification: 'agent-fault', message: end.reason, retriesUsed: st.retriesUsed, maxRetries,
        alternatives: 0, circuitOpened: false, canRestart: false, fallbackAvailable: task.fallback !== undefined && !st.usedFallback,
      }, env.strategies));
      if (action.type === 'fallback') {
        const done = fallBack();
        if (done) return done;
        continue;
      }
      return failed(end.reason, 'agent-fault');
    }
    switch (end.action.type) {
      case 'restart-and-redistribute':
        void env.pool.restart(end.agentId).then(() => env.dispatcher.pump(), () => env.dispatcher.pump());
        st.exclude.add(end.agentId);
        break;
      case 'redistribute':
        st.exclude.add(end.agentId);
        break;
      case 'fallback': {
        const done = fallBack();
        if (done) return { ...done, agentId: end.agentId };
        break;
      }
      default:
        return failed(ended.message, end.classification, end.code);
    }
  }
}

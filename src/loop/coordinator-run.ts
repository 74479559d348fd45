import { createHash } from 'node:crypto';
import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import { isNoError, NoError } from '../contracts/errors.js';
import type { RecoveryAction } from '../contracts/loop.js';
import type { ExecutionPlan, Task } from '../contracts/scheduler.js';
import { abortScope, exponentialBackoff, type AbortScope } from '../resilience/index.js';
import type { MessageOp } from './message-channels.js';
import { createMessenger, openNetworkSession, type NetworkSession } from './messaging.js';
import { Dispatcher } from './dispatcher.js';
import { createRunEmitter, type RunEmitter } from './emitter.js';
import { concurrencyLimit, dispatchTasks, issueOrder, issueReady, issueWindow } from './issue-window.js';
import { openOutcomeLog, type OutcomeLog } from './outcome-log.js';
import { recordTaskEnded } from '../telemetry/metrics.js';
import { deadlineError } from './run-deadline.js';
import { loopClosedError } from './shutdown.js';
import { ballotSigner, runConsensusTask, type ConsensusTaskEnv } from './consensus-task.js';
import { runTask, stopError, type TaskOutcome, type TaskRunEnv } from './run-task.js';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_TASK_RETRIES, threadIdOf, type LoopRuntime } from './runtime.js';
import type { MasterLoopState } from './state.js';

/** The same for every attempt of a task in a run, across crashes: agents deduplicate side effects with it. */
export function idempotencyKeyOf(threadId: string, runId: string, taskId: string): string {
  return createHash('sha256').update(`${threadId}\u0000${runId}\u0000${taskId}`).digest('hex').slice(0, 32);
}

/**
 * One coordinator pass over a plan: it owns everything that lives only while the pass runs (the
 * Dispatcher, the one record of what is done; the run's abort scope; the deadline; the network
 * session; the outcome log; the outcomes) and `close()` ends all of it. A task starts once its
 * dependencies have settled, waits in the Dispatcher for an agent and resources, and its outcome is
 * stored in the outcome log before its dependents start or its completion is announced. A pass
 * resumed after a crash reads the stored outcomes back and runs only the tasks that have none.
 */
export class CoordinatorRun {
  readonly plan: ExecutionPlan;
  readonly runId: string;
  readonly emitter: RunEmitter;
  readonly dispatcher: Dispatcher;
  /** Outcomes of this pass, in the order they became known (fresh or replayed). */
  readonly outcomes: TaskOutcome[] = [];
  /** Tasks completed before this pass (a resumed or re-planned run). */
  readonly done = new Map<string, unknown>();
  readonly session: NetworkSession | undefined;
  readonly startedAt = Date.now();
  private readonly byId: Map<string, Task>;
  private readonly todo: string[];
  private readonly threadId: string;
  // Each task gets a child signal of its own, so the listeners of attempts and backoff waits never
  // pile up on one signal. It aborts with LangGraph's signal and when the run stops itself.
  private readonly scope: AbortScope;
  private readonly settled = new Set<string>();
  /** Consensus votes and judge verdicts stored by an interrupted try of this superstep, by task. */
  private readonly votes = new Map<string, Map<string, TaskOutcome>>();
  private log: OutcomeLog | undefined;
  private readonly deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly onScopeAbort = (): void => this.dispatcher.cancel(stopError(this.scope.signal.reason).message);
  private closed = false;
  // Graceful shutdown (the loop's close()): while draining, no task gets its first agent; once
  // nothing started is left (or the grace is over) the pass is interrupted like LangGraph's signal
  // would: agents abort and no outcome is stored from then on.
  private draining = false;
  private executing = false;
  private interruptedBy: NoError | undefined;
  private readonly inFlight = new Set<string>();
  private quiet: (() => void) | undefined;
  private readonly onDrain = (): void => {
    this.draining = true;
    this.dispatcher.hold();
    this.checkIdle();
  };
  private readonly onStopped = (): void => this.interrupt(this.runtime.shutdown.stopped.reason as NoError);
  /** Why the pass was stopped for a re-plan (the loop's `requestReplan`), if it was. */
  replanReason: string | undefined;

  constructor(
    private readonly runtime: LoopRuntime,
    state: MasterLoopState,
    private readonly config: LangGraphRunnableConfig,
  ) {
    const { plan, runId } = state;
    if (!plan || !runId) throw new NoError('INVALID_REQUEST', 'the coordinator needs a plan: run the scheduler node first', { details: {} });
    this.plan = plan;
    this.runId = runId;

    this.threadId = threadIdOf(config);
    this.emitter = createRunEmitter({ writer: config.writer, listeners: runtime.listeners, correlationId: runId, threadId: threadIdOf(config), source: runtime.options.eventSource });
    this.byId = new Map(plan.tasks.map((t) => [t.id, t]));
    for (const [id, record] of Object.entries(state.tasks)) if (record.status === 'completed') this.done.set(id, state.results[id]);
    const dispatchable = dispatchTasks(plan);
    this.todo = issueOrder(plan, dispatchable).filter((id) => !this.done.has(id));
    // Built here so a bad setting fails the run before anything is opened.
    exponentialBackoff(runtime.options.backoff);
    this.dispatcher = new Dispatcher({
      tasks: dispatchable,
      pool: runtime.pool,
      capacities: plan.resources,
      maxConcurrent: concurrencyLimit(plan, runtime.pool),
      completed: this.done,
    });
    const network = runtime.options.network;
    this.session = network ? openNetworkSession(network, runtime.pool, state.mailboxes) : undefined;
    // Nothing below throws: from here on, close() releases what was opened.
    this.scope = abortScope([config.signal]);
    this.scope.signal.addEventListener('abort', this.onScopeAbort, { once: true });
    if (this.scope.signal.aborted) this.onScopeAbort();
    const { shutdown } = runtime;
    if (shutdown.draining.aborted) this.onDrain();
    else shutdown.draining.addEventListener('abort', this.onDrain, { once: true });
    if (shutdown.stopped.aborted) this.onStopped();
    else shutdown.stopped.addEventListener('abort', this.onStopped, { once: true });
    const deadline = state.runDeadline ?? null;
    this.deadlineTimer = deadline === null ? undefined : setTimeout(() => this.stop(deadlineError(deadline)), Math.max(0, deadline.at - Date.now()));
  }

  /** The reason the run stopped itself or was stopped, if it was. */
  get stopReason(): unknown {
    return this.scope.signal.aborted ? this.scope.signal.reason : undefined;
  }

  get taskCount(): number {
    return this.todo.length;
  }

  /**
   * However the run stops (its deadline, a fatal failure, LangGraph's signal, an error), nothing new
   * starts and every agent's signal aborts; the first reason is the one every task reports.
   */
  stop(reason: NoError): void {
    if (this.scope.signal.aborted) return;
    this.dispatcher.cancel(reason.message);
    this.scope.abort(reason);
  }

  /** Runs every task without an outcome yet; resolves once each outcome is stored and recorded. */
  async execute(): Promise<void> {
    const log = await openOutcomeLog(this.config);
    this.log = log;
    for (const outcome of log.stored) {
      if (outcome.vote !== undefined || outcome.verdict !== undefined) this.storeVoteInMemory(outcome);
      else if (this.byId.has(outcome.taskId) && !this.done.has(outcome.taskId)) await this.record(outcome, true);
    }
    const order = this.todo.filter((id) => !this.settled.has(id));
    const window = issueWindow(concurrencyLimit(this.plan, this.runtime.pool));
    this.executing = true;
    const issued = issueReady(order, (id) => this.byId.get(id)!.dependsOn, window, async (taskId) => {
      this.inFlight.add(taskId);
      try {
        const part = this.scope.child();
        let outcome: TaskOutcome;
        try {
          const task = this.byId.get(taskId)!;
          outcome = task.consensus ? await runConsensusTask(task, this.consensusEnvFor(task, part.signal)) : await runTask(task, this.envFor(part.signal));
        } finally {
          part.dispose();
        }
        await this.record(outcome, false);
      } finally {
        this.inFlight.delete(taskId);
        if (this.inFlight.size === 0) this.quiet?.();
        this.checkIdle();
      }
    });
    // issueReady starts the first ready tasks at once: a pass begun while draining holds them all.
    this.checkIdle();
    try {
      await issued;
    } catch (error) {
      if (this.interruptedBy === undefined) throw error;
      // Every outcome stored before the interruption is in the checkpointer before the run ends, so a
      // task that finished is never run again.
      if (this.inFlight.size > 0) await new Promise<void>((resolve) => (this.quiet = resolve));
      throw this.interruptedBy;
    }
  }

  /** While draining: interrupts the pass once no started task is left and some are not done. */
  private checkIdle(): void {
    if (!this.draining || !this.executing || this.interruptedBy !== undefined) return;
    if (this.settled.size >= this.todo.length) return;
    for (const id of this.inFlight) if (this.dispatcher.hasStarted(id)) return;
    this.interrupt(loopClosedError('the run was stopped before its next tasks'));
  }

  /** Stops the pass and stores no outcome from now on: a later invoke runs every task left. */
  private interrupt(reason: NoError): void {
    this.interruptedBy ??= reason;
    this.stop(reason);
  }

  /**
   * Ends the pass: stops every agent still running (with `error` as the reason when there is one),
   * refuses anything new, and releases timers, listeners and the network session. Safe to
   * call more than once; after a pass that finished, there is nothing left to abort.
   */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    if (error !== undefined) {
      // LangGraph's signal aborted (the caller's signal, a step timeout, a failing sibling node): it
      // stops the graph here, so the recovery node will not run to announce the end of the run.
      const halted = this.config.signal?.aborted ? this.config.signal.reason : this.interruptedBy;
      if (halted !== undefined) {
        this.emitter.emit('no.run.completed', {
          runId: this.runId, planId: this.plan.id, status: 'cancelled', durationMs: Date.now() - this.startedAt,
          completedTasks: this.completedCount(),
          failedTasks: this.outcomes.filter((o) => o.status !== 'completed').length,
          error: stopError(halted),
        });
      }
    }
    // Whatever ended the run (a result that could not be stored, a hook that threw), agents still
    // running have nobody waiting for them any more: stop them, and start nothing new.
    const reason = isNoError(error) ? error : new NoError('ABORTED', error === undefined ? 'run closed' : `run stopped: ${error instanceof Error ? error.message : String(error)}`);
    this.stop(reason);
    this.dispatcher.cancel(reason.message);
    clearTimeout(this.deadlineTimer);
    this.scope.signal.removeEventListener('abort', this.onScopeAbort);
    this.runtime.shutdown.draining.removeEventListener('abort', this.onDrain);
    this.runtime.shutdown.stopped.removeEventListener('abort', this.onStopped);
    this.scope.dispose();
    this.session?.close();
  }

  /** Tasks completed, before this pass and in it. */
  completedCount(): number {
    return this.done.size + this.outcomes.filter((o) => o.status === 'completed').length;
  }

  private storeVoteInMemory(vote: TaskOutcome): void {
    const votes = this.votes.get(vote.taskId) ?? new Map<string, TaskOutcome>();
    // A NUL no agent id holds keeps a verdict's key apart from every voter's.
    votes.set(vote.verdict ? `\u0000${vote.verdict.pair}` : vote.vote!.voter, vote);
    this.votes.set(vote.taskId, votes);
  }

  /** What a consensus task's run needs: a task's, the ballot signer, and its stored votes. */
  private consensusEnvFor(task: Task, signal: AbortSignal): ConsensusTaskEnv {
    const { runtime } = this;
    return {
      ...this.envFor(signal),
      signer: ballotSigner(runtime.options.network, runtime),
      storedVotes: this.votes.get(task.id) ?? new Map(),
      ...(runtime.options.consensus ? { equality: runtime.options.consensus } : {}),
      // Like an outcome: stored before the vote goes on, and never once LangGraph's signal stopped the run.
      storeVote: async (vote) => {
        const graphSignal = this.config.signal;
        if (graphSignal?.aborted) throw graphSignal.reason ?? new NoError('ABORTED', 'run cancelled');
        await this.log!.append(vote);
      },
    };
  }

  /** What one task's run needs; `signal` is the task's own (a child of the run's scope). */
  private envFor(signal: AbortSignal): TaskRunEnv {
    const { runtime, session } = this;
    const { network, knowledge } = runtime.options;
    return {
      dispatcher: this.dispatcher,
      pool: runtime.pool,
      emitter: this.emitter,
      threadId: this.threadId,
      idempotencyKey: (id: string) => idempotencyKeyOf(this.threadId, this.runId, id),
      signal,
      defaultTimeoutMs: runtime.options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
      defaultRetries: runtime.options.retries ?? DEFAULT_TASK_RETRIES,
      // One backoff per task, as retry() has one per retry sequence: a decorrelated backoff
      // remembers the last delay, and one shared by concurrent tasks would mix their sequences.
      backoff: exponentialBackoff(runtime.options.backoff),
      ...(runtime.options.recoveryStrategies ? { strategies: runtime.options.recoveryStrategies } : {}),
      ...(runtime.options.distribution ? { distribution: runtime.options.distribution } : {}),
      ...(knowledge
        ? { knowledge: (agentId: string, taskId: string) => knowledge.forAgent(agentId, { provenance: { taskId, runId: this.runId, threadId: this.threadId } }) }
        : {}),
      onError: () => {},
      onRecovery: (action: RecoveryAction) => {
        runtime.audit.append({ actor: 'recovery', action: `recovery.${action.type}`, outcome: 'success', details: { ...action, runId: this.runId } });
      },
      onFatal: (reason: string) => this.stop(new NoError('ABORTED', reason)),
      ...(network && session
        ? {
            messenger: (agentId: string, key: string, record: (op: MessageOp) => void) =>
              createMessenger(network, { agentId, correlationId: this.runId, causationId: key, record: (op) => (record(op), session.record(op)) }),
          }
        : {}),
    };
  }

  /** A task settles once its outcome is in the checkpointer: only then may the run move on. */
  private settle(outcome: TaskOutcome): void {
    this.settled.add(outcome.taskId);
    if (outcome.status === 'completed') return this.dispatcher.complete(outcome.taskId, outcome.output);
    this.dispatcher.fail(outcome.taskId, outcome.error?.message ?? outcome.status);
    if (outcome.status === 'failed') this.dispatcher.cancel(`run failing: task '${outcome.taskId}' failed`);
  }

  /**
   * Stores a fresh outcome, then records it: dependents may start and the completion is announced
   * only once it is stored. A replayed one (stored by an interrupted try of this superstep) puts its
   * messages back instead. An outcome that only says LangGraph's signal (or the loop's close())
   * stopped the task is not stored: the run did not end it, and a later invoke runs the task again.
   */
  private async record(outcome: TaskOutcome, replayed: boolean): Promise<void> {
    if (this.settled.has(outcome.taskId)) return;
    const graphSignal = this.config.signal;
    if (graphSignal?.aborted) throw graphSignal.reason ?? new NoError('ABORTED', 'run cancelled');
    if (this.interruptedBy) throw this.interruptedBy;
    if (replayed) {
      if (outcome.messages) this.session?.replay(outcome.messages);
    } else {
      await this.log!.append(outcome);
    }
    this.outcomes.push(outcome);
    if (!replayed) recordTaskEnded(outcome.status);
    this.settle(outcome);
    const taskId = outcome.taskId;
    if (outcome.status === 'completed') {
      this.emitter.emit('orchestration.task.completed', {
        taskId,
        result: outcome.output ?? null,
        durationMs: outcome.durationMs,
        metadata: { agentId: outcome.agentId, attempts: outcome.attempts, usedFallback: outcome.usedFallback, replayed },
      });
    } else if (outcome.attempts === 0) {
      // Tasks that never ran (blocked or cancelled) get their failure announced here; attempts did so themselves.
      this.emitter.emit('orchestration.task.failed', {
        taskId,
        error: outcome.error?.message ?? outcome.status,
        retryable: false,
        metadata: { status: outcome.status, replayed },
      });
    }
  }
}

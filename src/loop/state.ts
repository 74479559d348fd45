import { Annotation } from '@langchain/langgraph';
import type { NoErrorJSON } from '../contracts/errors.js';
import type { AgentError, AgentState, RecoveryAction } from '../contracts/loop.js';
import type { ReplanRecord } from '../contracts/planning.js';
import type { RunStatus } from '../contracts/status.js';
import type { ExecutionFeedback, ExecutionPlan, ExecutionRequestInput, StrategyAdjustment } from '../contracts/scheduler.js';
import { MailboxChannel, TopicLogChannel } from './message-channels.js';
import type { RunDeadline } from './run-deadline.js';
import type { TaskOutcome } from './run-task.js';

/**
 * A write of this value clears a keyed or appended channel. It is plain data (not a symbol or class)
 * because pending writes are serialized by the checkpointer and replayed through the reducer on resume.
 */
export const RESET = Object.freeze({ __noReset: true as const });
type Reset = typeof RESET;
const isReset = (value: unknown): value is Reset =>
  typeof value === 'object' && value !== null && (value as { __noReset?: unknown }).__noReset === true;

function merge<T>() {
  return (current: Record<string, T>, update: Record<string, T> | Reset): Record<string, T> =>
    isReset(update) ? {} : { ...current, ...update };
}
function append<T>() {
  return (current: T[], update: T[] | Reset): T[] => (isReset(update) ? [] : current.concat(update));
}

/** What one task of the current run came to (the checkpointer keeps it; getState shows it). */
export type TaskRecord = Omit<TaskOutcome, 'output' | 'messages'>;

/**
 * The master loop's channels. Add them to any graph: `createMasterAgentLoop` uses them as its state,
 * and `addMasterLoop` registers them beside the graph's own state without touching it.
 */
export const MasterLoopAnnotation = Annotation.Root({
  /** The request to plan and run. */
  request: Annotation<ExecutionRequestInput | undefined>(),
  /** Identifies this run: part of every idempotency key, the correlation id of every event. */
  runId: Annotation<string | undefined>(),
  plan: Annotation<ExecutionPlan | undefined>(),
  status: Annotation<RunStatus>({ reducer: (_, next) => next, default: () => 'pending' }),
  /** Output of each completed task, by task id. */
  results: Annotation<Record<string, unknown>, Record<string, unknown> | Reset>({ reducer: merge<unknown>(), default: () => ({}) }),
  tasks: Annotation<Record<string, TaskRecord>, Record<string, TaskRecord> | Reset>({ reducer: merge<TaskRecord>(), default: () => ({}) }),
  errors: Annotation<AgentError[], AgentError[] | Reset>({ reducer: append<AgentError>(), default: () => [] }),
  recoveries: Annotation<RecoveryAction[], RecoveryAction[] | Reset>({ reducer: append<RecoveryAction>(), default: () => [] }),
  /** Completed tasks whose compensation ran, in the order it ran. */
  compensated: Annotation<string[], string[] | Reset>({ reducer: append<string>(), default: () => [] }),
  /** Every agent's state after the run (versioned; see migrateAgentState). */
  agents: Annotation<Record<string, AgentState>, Record<string, AgentState> | Reset>({ reducer: merge<AgentState>(), default: () => ({}) }),
  /** When the run is stopped (MasterLoopOptions.runTimeoutMs); null when it has no deadline. */
  runDeadline: Annotation<RunDeadline | null>({ reducer: (_, next) => next, default: () => null }),
  /**
   * Why the loop stopped a failed run before its tasks ended, as a NoError's JSON: code 'TIMEOUT'
   * when its deadline passed, 'ABORTED' when a fatal failure stopped it; null otherwise. Each
   * task's own failure is in `tasks` and `errors`.
   */
  runError: Annotation<NoErrorJSON | null>({ reducer: (_, next) => next, default: () => null }),
  /** Every re-plan of this run by its planner (MasterLoopOptions.replan), in order. */
  replans: Annotation<ReplanRecord[], ReplanRecord[] | Reset>({ reducer: append<ReplanRecord>(), default: () => [] }),
  /** A re-plan asked for while the run was going (the loop's `requestReplan`), until the recovery node takes it. */
  replanRequest: Annotation<{ reason: string } | null>({ reducer: (_, next) => next, default: () => null }),
  /** Coordinator passes so far in this run (re-planning adds one). */
  round: Annotation<number>({ reducer: (_, next) => next, default: () => 0 }),
  feedback: Annotation<ExecutionFeedback | undefined>(),
  adjustment: Annotation<StrategyAdjustment | undefined>(),
  /**
   * Direct messages the run's agents sent that are not delivered yet, per recipient (with a network;
   * see MasterLoopOptions.network). Kept across runs of a thread until delivered.
   */
  mailboxes: new MailboxChannel(),
  /** The latest messages the run's agents published, per topic. */
  topics: new TopicLogChannel(),
});

export type MasterLoopState = typeof MasterLoopAnnotation.State;
export type MasterLoopUpdate = typeof MasterLoopAnnotation.Update;

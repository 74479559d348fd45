/**
 * What running one task takes (`TaskRunEnv`: the pool, the dispatcher, the emitter, the policies)
 * and what it gives (`TaskOutcome`, the record the checkpointer keeps). `runTask` in
 * `run-task.ts` is the one function between them.
 */
import type { TaskDistribution } from '../contracts/distribution.js';
import type { AgentKnowledge } from '../coordination/knowledge.js';
import type { AgentError, FailureClass, RecoveryAction } from '../contracts/loop.js';
import type { ConsensusDecision } from '../contracts/consensus.js';
import type { DeliveredMessage } from '../contracts/network.js';
import type { TaskStatus } from '../contracts/status.js';
import type { Backoff } from '../resilience/index.js';
import type { AgentPool } from './agent-pool.js';
import type { Dispatcher } from './dispatcher.js';
import type { RunEmitter } from './emitter.js';
import type { MessageOp } from './message-channels.js';
import type { AgentMessenger } from './messaging.js';
import type { RecoveryStrategy } from './recovery-handler.js';

/** How one task ended; this is what the checkpointer keeps for it. */
export interface TaskOutcome {
  taskId: string;
  /** Only the statuses a task ends in. */
  status: Exclude<TaskStatus, 'pending' | 'running'>;
  output?: unknown;
  agentId?: string;
  attempts: number;
  durationMs: number;
  /** Wall-clock start and end of the successful attempt (epoch ms). */
  startedAt?: number;
  finishedAt?: number;
  usedFallback: boolean;
  idempotencyKey: string;
  error?: { message: string; classification: FailureClass; code?: string };
  /** Every failed attempt and every recovery decision, kept with the outcome so a resume has them. */
  errors: AgentError[];
  recoveries: RecoveryAction[];
  /** What the task's agents sent and pulled over the network, so a resume can put it back. */
  messages?: MessageOp[];
  /**
   * One voter's part of a consensus task, stored as it ends so a resume does not ask the voter
   * again: the signed ballot of its answer, or none when it failed (an abstention).
   */
  vote?: { voter: string; ballot?: DeliveredMessage };
  /**
   * A consensus task's judge verdict on a pair of answers (`pair` names the pair, see
   * judgePairOf), stored as it is known so a resume does not ask the judge again.
   */
  verdict?: { pair: string; same: boolean };
  /** A consensus task's decision, with the ballots it was decided from. */
  consensus?: ConsensusDecision;
}

export interface TaskRunEnv {
  dispatcher: Dispatcher;
  pool: AgentPool;
  emitter: RunEmitter;
  threadId: string;
  idempotencyKey: (taskId: string) => string;
  /** Aborts every attempt (run cancelled or failed fatally). */
  signal: AbortSignal;
  defaultTimeoutMs: number;
  defaultRetries: number;
  /**
   * Delay before the task's n-th retry. Give each task its own: a decorrelated backoff remembers the
   * delay before, and one shared by concurrent tasks would mix their sequences.
   */
  backoff: Backoff;
  strategies?: readonly RecoveryStrategy[];
  onError(error: AgentError): void;
  onRecovery(action: RecoveryAction): void;
  /** A fatal failure: the run stops. */
  onFatal(reason: string): void;
  /** The agent's messenger for one attempt (when the loop has a network); ops go to `record`. */
  messenger?: (agentId: string, idempotencyKey: string, record: (op: MessageOp) => void) => AgentMessenger;
  now?: () => number;
  /** Runs each attempt's agent elsewhere (MasterLoopOptions.distribution); absent, in this process. */
  distribution?: TaskDistribution;
  /** Agents the task never runs on (a consensus voter is pinned to its agent this way). @default none */
  exclude?: ReadonlySet<string>;
  /** The shared knowledge as the agent sees it (MasterLoopOptions.knowledge). */
  knowledge?: (agentId: string, taskId: string) => AgentKnowledge;
}

import type { BaseCheckpointSaver, BaseStore, LangGraphRunnableConfig } from '@langchain/langgraph';
import type { ResourceMap } from '../contracts/common.js';
import { randomUUID } from 'node:crypto';
import { NoError } from '../contracts/errors.js';
import type { RunLeadership, TaskDistribution } from '../contracts/distribution.js';
import type { EventEnvelope } from '../contracts/events.js';
import { createListeners, type Listeners } from '../contracts/listeners.js';
import type { ExecutionRequestInput } from '../contracts/scheduler.js';
import type { SharedKnowledge } from '../coordination/knowledge.js';
import type { AgentNetwork } from '../network/index.js';
import type { ExponentialBackoffOptions } from '../resilience/index.js';
import type { AdaptiveState, IntelligenceSchedulerOptions } from '../scheduler/index.js';
import { createAuditTrail, type AuditTrail } from '../telemetry/audit.js';
import type { Logger } from '../telemetry/logger.js';
import type { EqualityOptions } from '../coordination/index.js';
import { createAgentPool, type AgentPool, type AgentPoolOptions } from './agent-pool.js';
import type { AgentDefinition } from './agents.js';
import { createLearningLedger, FEDERATED_NAMESPACES, type LearningLedger } from './federated-learning.js';
import type { EventListener } from './emitter.js';
import { logEvents } from './event-log.js';
import type { RecoveryStrategy } from './recovery-handler.js';
import { checkReplanOptions, type ReplanOptions } from './replan.js';
import { checkRunTimeout } from './run-deadline.js';
import { createLoopShutdown, type LoopShutdown } from './shutdown.js';
import type { MasterLoopState } from './state.js';

/**
 * Per-attempt timeout when neither the task nor the agent sets one. @default 60_000 (1 min)
 *
 * One model call or HTTP request that has said nothing for a minute is far more often stuck than
 * slow; with the default retries a hanging agent then holds its task about 3 minutes (3 attempts
 * plus backoff) instead of 15. Agents that legitimately work longer say so with their `timeoutMs`
 * (or the task's).
 */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 60_000;
/** Retries of transient failures per task when the task does not say (3 attempts in all). @default 2 */
export const DEFAULT_TASK_RETRIES = 2;

/** Coordinator passes per run: the first plus re-plans after agents recover. @default 2 */
export const DEFAULT_MAX_ROUNDS = 2;
/** Longest the recovery node waits for a broken agent's circuit before re-planning. @default 30_000 */
export const DEFAULT_MAX_REPLAN_WAIT_MS = 30_000;
/**
 * Store namespaces the loop reads and writes. `adaptive` (key ADAPTIVE_STATE_KEY) is the single
 * learning state older versions wrote: it is read as a base and no longer written. What each loop
 * learns goes to `adaptiveContributions` and `agentHealth` under its own `learningId`, and readers
 * sum every loop's share; `agents` keeps each agent's latest state (circuit, latency, memory).
 */
export const STORE_NAMESPACES = {
  adaptive: ['langgraph-no', 'adaptive'],
  agents: ['langgraph-no', 'agents'],
  adaptiveContributions: FEDERATED_NAMESPACES.adaptive,
  agentHealth: FEDERATED_NAMESPACES.agentHealth,
} as const;
export const ADAPTIVE_STATE_KEY = 'engine';

export interface MasterLoopLimits {
  /** Hard limit on tasks running at once, over the whole pool. */
  maxConcurrentAgents?: number;
  /** Hard capacity of each renewable resource (a request may only lower it). */
  resources?: ResourceMap;
}

export interface MasterLoopOptions {
  agents: AgentDefinition[];
  /** Any LangGraph checkpointer. @default new MemorySaver() */
  checkpointer?: BaseCheckpointSaver;
  /** A LangGraph Store: keeps what the adaptive engine learned and agent state across threads. */
  store?: BaseStore;
  limits?: MasterLoopLimits;
  /** Options of the intelligence scheduler used by the scheduler node. */
  scheduler?: Omit<IntelligenceSchedulerOptions, 'adaptiveState'>;
  /**
   * Whether each run's feedback trains the adaptive engine, which then picks the next run's strategy
   * among those its DAG's declared risk allows (a DAG that declares no risk always gets the rules'
   * strategy; see `strategyCandidates`). With `false` every run of an `adaptive` request gets the
   * deterministic strategy for its DAG's shape and risk, the loop writes nothing to the Store's
   * adaptive namespace, and `adjustment` only reports the run's reward. Overrides `scheduler.learning`.
   * @default scheduler.learning, else true
   */
  learning?: boolean;
  /** Per-agent circuit breakers and health. */
  pool?: AgentPoolOptions;
  /** Per-attempt timeout when neither the task nor the agent sets one. @default DEFAULT_ATTEMPT_TIMEOUT_MS (60 s) */
  attemptTimeoutMs?: number;
  /** Retries of transient failures when the task does not say. @default DEFAULT_TASK_RETRIES (2) */
  retries?: number;
  /**
   * Longest a run may take, from planning to its last task; `configurable.runTimeoutMs` on one
   * invoke overrides it. When it passes, every agent's signal aborts, no task starts any more, the run
   * ends `failed` with `runError` a NoError 'TIMEOUT', and completed tasks are compensated. The
   * deadline is stored with the run, so a resumed run keeps it. @default undefined (no deadline)
   */
  runTimeoutMs?: number;
  backoff?: ExponentialBackoffOptions;
  /** @default DEFAULT_MAX_ROUNDS */
  maxRounds?: number;
  /** @default DEFAULT_MAX_REPLAN_WAIT_MS */
  maxReplanWaitMs?: number;
  /** The hierarchical recovery levels. @default DEFAULT_RECOVERY_STRATEGIES */
  recoveryStrategies?: readonly RecoveryStrategy[];
  /**
   * Receives every event of every run (the custom stream mode shows the same events). A listener that
   * throws never breaks a run: its error is rethrown on a microtask.
   */
  onEvent?: EventListener;
  /** Where recoveries and compensations are recorded. @default a new hash-chained trail */
  audit?: AuditTrail;
  /** CloudEvents `source` of the loop's events. @default 'urn:cortex:orchestration' */
  eventSource?: string;
  /**
   * Lets agents message each other (`ctx.network`). What they send is written to the `mailboxes` and
   * `topics` channels, so checkpoints hold it and a resumed run gets its undelivered messages back;
   * the loop keeps its agents registered and heartbeating while it runs. For a resume in another
   * process, give the network a keyring with a `secret`, so stored signatures still verify.
   */
  network?: AgentNetwork;
  /**
   * Logs every event as a structured line with its run id and trace id (pino's shape:
   * `{ debug, info, warn, error }(obj, msg)`; `jsonLogger(process.stdout)` writes JSON lines). Run
   * ends log at info, failures and recoveries at warn, task steps at debug; task results are left out.
   * @default undefined (silent)
   */
  logger?: Logger;
  /**
   * Runs each attempt's agent in other processes (`jobQueue(...)` from `langgraph-no/workers`)
   * instead of this one. Only the agent call moves: limits, retries, timeouts, breakers, fallbacks
   * and compensation stay here, and each result is checkpointed here as before. Agents run this way
   * get no `ctx.network`. The loop does not close it: call its `close()` when done.
   * @default undefined (every agent runs in this process)
   */
  distribution?: TaskDistribution;
  /**
   * Makes one process at a time coordinate a thread (`postgresLeadership(...)` from
   * `langgraph-no/workers`): a coordinator pass holds the thread's lease while it runs, and a second
   * process invoking the same thread meanwhile fails with a NoError 'RUN_LOCKED'.
   * @default undefined (no lease: the caller makes sure one process runs a thread)
   */
  leadership?: RunLeadership;
  /**
   * How the answers of a task with `consensus` are compared: `normalize`, `equals`, or a `judge`
   * (an agent or model call deciding whether two answers say the same). A task's
   * `consensus.equality: 'text'` normalizes text when no `normalize` is given here.
   * @default answers are the same when their canonical JSON is
   */
  consensus?: EqualityOptions;
  /**
   * This loop's key for what it learns in the Store (the adaptive engine's evidence and its agents'
   * counters). Each loop writes only its own key and reads the sum of all of them, so loops in many
   * processes on one PostgresStore learn together and a new process starts from what the others
   * learned. Give a process the same id across restarts to carry on its own share; never give two
   * live loops the same id (they would overwrite each other's share).
   * @default a random UUID per loop
   */
  learningId?: string;
  /**
   * Shared knowledge (`createSharedKnowledge(...)`), handed to each agent as `ctx.knowledge`: share,
   * confirm and read signed items as that agent, with the task and thread as provenance. Agents run
   * by a `distribution` get none. @default undefined
   */
  knowledge?: SharedKnowledge;
  /**
   * Re-plans a run whose tasks failed for good (out of retries, agents and fallbacks), or that
   * `requestReplan` stopped: the planner (`createLlmPlanner(...)`) gets the goal, the finished tasks
   * with their outputs, the failed ones with their errors and the pool's capabilities, and its revised
   * plan of the work left runs in the same run. Finished tasks are kept and never run again; a new task
   * may not take a finished task's id. Each re-plan is a `no.plan.revised` event and a `replans` entry,
   * stored with the run, so a resumed run does not ask again. After `maxReplans`, or when the planner
   * gives no valid plan, the run fails as it would have without one (and compensates).
   * @default undefined (no re-planning)
   */
  replan?: ReplanOptions;
}

/** Everything the three nodes share for the life of one compiled loop. */
export interface LoopRuntime {
  options: MasterLoopOptions;
  pool: AgentPool;
  audit: AuditTrail;
  /** Every run's `onEvent` listeners. */
  listeners: Listeners<EventEnvelope>;
  /** Learning state when no Store is given: kept for the life of the loop. */
  adaptiveState: AdaptiveState | undefined;
  /** Maps the graph's state to a request (addMasterLoop); the `request` channel by default. */
  toRequest(state: Record<string, unknown>): ExecutionRequestInput | undefined;
  /** The runs in flight and the signals of a graceful `close()`. */
  shutdown: LoopShutdown;
  /** Signs consensus ballots when the loop has no `network`: made on first use, kept for the loop's life. */
  ballotNetwork?: AgentNetwork;
  /** This loop's share of federated learning in the Store. */
  ledger: LearningLedger;
  /** The coordinator pass running in this process, by thread: what `requestReplan` stops. */
  passes: Map<string, { requestReplan(reason: string): boolean }>;
}

/** Whether the loop learns: its own `learning`, else the scheduler's, else on. */
export function learningOf(options: MasterLoopOptions): boolean {
  return options.learning ?? options.scheduler?.learning ?? true;
}

export function createLoopRuntime(
  options: MasterLoopOptions,
  toRequest: (state: Record<string, unknown>) => ExecutionRequestInput | undefined = (s) => (s as MasterLoopState).request,
): LoopRuntime {
  if (!Array.isArray(options.agents) || options.agents.length === 0) {
    throw new NoError(
      'INVALID_REQUEST',
      "a master loop needs at least one agent: pass agents: [{ id: 'worker', capabilities: ['work'], run: async (input, ctx) => ... }]",
      { details: { agents: Array.isArray(options.agents) ? 0 : typeof options.agents } },
    );
  }
  checkRunTimeout(options.runTimeoutMs);
  checkReplanOptions(options.replan);
  const pool = createAgentPool(options.pool).add(options.agents);
  const listeners = createListeners<EventEnvelope>();
  if (options.onEvent) listeners.on(options.onEvent);
  if (options.logger) listeners.on(logEvents(options.logger));
  if (options.learningId !== undefined && (typeof options.learningId !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(options.learningId))) {
    throw new NoError('INVALID_REQUEST', `learningId must be 1-128 letters, digits and . _ : - (one per process, e.g. the host name), got ${JSON.stringify(options.learningId)}`, {
      details: { learningId: options.learningId },
    });
  }
  const adaptive = options.scheduler?.adaptive;
  const audit = options.audit ?? createAuditTrail();
  const ledger = createLearningLedger({
    audit,
    contributor: options.learningId ?? randomUUID(),
    ...(adaptive?.prior ? { prior: adaptive.prior } : {}),
    ...(adaptive?.seed === undefined ? {} : { seed: adaptive.seed }),
  });
  return { options, pool, audit, listeners, adaptiveState: undefined, toRequest, shutdown: createLoopShutdown(), ledger, passes: new Map() };
}

/**
 * The loop promises that a finished task is stored before it is announced. LangGraph's `exit`
 * durability stores nothing until the run ends, so under it that promise cannot hold: refuse it.
 */
export function assertDurable(config: LangGraphRunnableConfig): void {
  const { durability, checkpointDuring } = config as { durability?: string; checkpointDuring?: boolean };
  if (durability === 'exit' || checkpointDuring === false) {
    throw new NoError(
      'INVALID_REQUEST',
      "durability 'exit' stores nothing until the run ends, so finished tasks could not survive a crash: use 'async' (the default) or 'sync'",
      { details: { durability: durability ?? 'exit' } },
    );
  }
}

/** Every capability some agent of the pool offers, each once, in the order the agents were added. */
export function capabilitiesOf(pool: AgentPool): string[] {
  return [...new Set(pool.ids().flatMap((id) => pool.definition(id).capabilities))];
}

export function threadIdOf(config: LangGraphRunnableConfig): string {
  const id = config.configurable?.['thread_id'];
  return typeof id === 'string' || typeof id === 'number' ? String(id) : 'default';
}

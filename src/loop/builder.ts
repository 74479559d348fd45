import { END, MemorySaver, START, StateGraph, type BaseCheckpointSaver, type BaseStore, type CompiledStateGraph } from '@langchain/langgraph';
import { NoError } from '../contracts/errors.js';
import type { AuditTrail } from '../telemetry/audit.js';
import { trackCircuits } from '../telemetry/metrics.js';
import type { AgentPool } from './agent-pool.js';
import type { EventListener } from './emitter.js';
import { trackRuns } from './langgraph-seam.js';
import { createCoordinatorNode } from './nodes/coordinator-node.js';
import { createRecoveryNode } from './nodes/recovery-node.js';
import { checkReadiness, type Readiness, type ReadinessOptions } from './readiness.js';
import { createSchedulerNode } from './nodes/scheduler-node.js';
import { createLoopRuntime, type LoopRuntime, type MasterLoopOptions } from './runtime.js';
import type { LoopCloseOptions } from './shutdown.js';
import { MasterLoopAnnotation, type MasterLoopState } from './state.js';

/** The node names the loop adds. */
export const MASTER_LOOP_NODES = { scheduler: 'scheduler', coordinator: 'coordinator', recovery: 'recovery' } as const;

/** What a compiled loop offers besides LangGraph's own API. */
export interface MasterLoopHandle {
  /** The agents, their health and circuit breakers. */
  readonly pool: AgentPool;
  /** Every recovery and compensation, hash-chained. */
  readonly audit: AuditTrail;
  /**
   * Receives every event of every run; returns an unsubscribe function. A listener that throws never
   * breaks a run: its error is rethrown on a microtask.
   */
  onEvent(listener: EventListener): () => void;
  /**
   * Whether the loop can take work: its checkpointer and Store answer a read within the timeout, and
   * every capability its agents offer has an agent whose circuit is not open. A loop added to a
   * graph with addMasterLoop uses its parent's checkpointer, which it cannot see: only its agents count.
   * From `close()` on it answers not ready with the reason DRAINING_REASON.
   *
   * @example
   * const { ready, reasons } = await loop.readiness({ timeoutMs: 1_000 });
   */
  readiness(options?: ReadinessOptions): Promise<Readiness>;
  /**
   * Shuts the loop down gracefully. From the call on, a new run (an invoke or stream with a request,
   * or with `null` to resume) is refused with a NoError 'LOOP_CLOSED', `readiness()` answers not
   * ready ('draining'), and runs in flight start no new task. Tasks already running get `graceMs` to
   * finish, and their outcomes are stored as usual; then the ones left are aborted and nothing of
   * them is stored, so invoking their thread with `null` on a new loop over the same checkpointer
   * runs each of them once more and no finished task again. A run cut this way rejects with
   * 'LOOP_CLOSED'. Resolves when no run is in flight; a second call returns the same promise.
   * Compensations of a failing run are never cut.
   *
   * @example
   * process.once('SIGTERM', () => void loop.close({ graceMs: 20_000 }).then(() => process.exit(0)));
   */
  close(options?: LoopCloseOptions): Promise<void>;
  /**
   * Re-plans a running thread now (a stalled run, say): its coordinator pass in this process stops,
   * its running tasks are aborted and stored as cancelled, and the loop's `replan.planner` revises the
   * work left, keeping finished tasks; the run goes on with the revision (`no.plan.revised`, trigger
   * 'requested'). Returns false, changing nothing, when the loop has no `replan` option, the run has
   * no re-plan left, or no pass of that thread runs in this process.
   *
   * @example
   * const replanned = loop.requestReplan('run-1', "task 'fetch' has made no progress for 5 minutes");
   */
  requestReplan(threadId: string, reason: string): boolean;
}

function routeAfterRecovery(state: MasterLoopState): string {
  return state.status === 'running' ? MASTER_LOOP_NODES.coordinator : 'done';
}

export function handle(runtime: LoopRuntime, persistence: { checkpointer?: BaseCheckpointSaver | undefined; store?: BaseStore | undefined } = {}): MasterLoopHandle {
  trackCircuits(runtime.pool);
  return {
    pool: runtime.pool,
    audit: runtime.audit,
    onEvent: runtime.listeners.on,
    readiness: (options) => checkReadiness({ pool: runtime.pool, draining: runtime.shutdown.draining, ...persistence }, options),
    close: (options) => runtime.shutdown.close(options),
    requestReplan: (threadId, reason) => {
      if (typeof reason !== 'string' || reason.length === 0) {
        throw new NoError('INVALID_REQUEST', "requestReplan needs a reason for the planner: requestReplan(threadId, 'the run stalled on fetch')", { details: {} });
      }
      return runtime.passes.get(String(threadId))?.requestReplan(reason) ?? false;
    },
  };
}

type StreamMethod = (input: unknown, options?: { signal?: AbortSignal }, ...rest: unknown[]) => unknown;

/**
 * LangGraph's `stream()` and `streamEvents()` (and `invoke()`, which streams) each put a listener on
 * the caller's signal and never remove it: a process that passes one long-lived signal (a shutdown
 * signal) to every run collects one listener per run, and Node warns after ten. Each call hands
 * LangGraph a signal of its own that follows the caller's instead; LangGraph's listener goes away
 * with it, and `AbortSignal.any` puts no listener on the caller's signal.
 */
function followCallerSignal(graph: object): void {
  const methods = graph as Record<'stream' | 'streamEvents', StreamMethod>;
  for (const name of ['stream', 'streamEvents'] as const) {
    const original = methods[name];
    methods[name] = function (this: unknown, input, options, ...rest) {
      const own = options?.signal ? { ...options, signal: AbortSignal.any([options.signal]) } : options;
      return original.call(this, input, own, ...rest);
    };
  }
}

/**
 * A compiled LangGraph graph that plans a request, runs it on the agent pool and recovers from
 * failures: `invoke`, `stream` (the `custom` mode shows every event live) and `getState` work as usual.
 * Invoke it with `{ request }`; invoke the same thread with `null` to resume after a crash.
 *
 * @example
 * const loop = createMasterAgentLoop({ agents: [{ id: 'w1', capabilities: ['http'], run: async (input) => fetchIt(input) }] });
 * const out = await loop.invoke({ request: { tasks: [{ id: 'a', capability: 'http', input: 'x' }] } }, { configurable: { thread_id: 'run-1' } });
 * out.status; // 'completed'
 */
export function createMasterAgentLoop(options: MasterLoopOptions) {
  const loop = compileLoop(createLoopRuntime(options), options.checkpointer ?? new MemorySaver(), options.store);
  followCallerSignal(loop);
  return loop;
}

/** The loop's own graph; `checkpointer: undefined` makes it a subgraph that uses its parent's. */
export function compileLoop(runtime: LoopRuntime, checkpointer: BaseCheckpointSaver | undefined, store: BaseStore | undefined) {
  const graph = new StateGraph(MasterLoopAnnotation)
    .addNode(MASTER_LOOP_NODES.scheduler, createSchedulerNode(runtime))
    .addNode(MASTER_LOOP_NODES.coordinator, createCoordinatorNode(runtime))
    .addNode(MASTER_LOOP_NODES.recovery, createRecoveryNode(runtime))
    .addEdge(START, MASTER_LOOP_NODES.scheduler)
    .addEdge(MASTER_LOOP_NODES.scheduler, MASTER_LOOP_NODES.coordinator)
    .addEdge(MASTER_LOOP_NODES.coordinator, MASTER_LOOP_NODES.recovery)
    .addConditionalEdges(MASTER_LOOP_NODES.recovery, routeAfterRecovery, { [MASTER_LOOP_NODES.coordinator]: MASTER_LOOP_NODES.coordinator, done: END })
    .compile({ ...(checkpointer ? { checkpointer } : {}), ...(store ? { store } : {}) });
  trackRuns(graph, (signal) => runtime.shutdown.begin(signal));
  return Object.assign(graph, handle(runtime, { checkpointer, store }));
}

export type MasterAgentLoop = ReturnType<typeof createMasterAgentLoop>;

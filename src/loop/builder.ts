import { END, MemorySaver, START, StateGraph, type CompiledStateGraph } from '@langchain/langgraph';
import { NoError } from '../contracts/errors.js';
import type { ExecutionRequestInput } from '../contracts/scheduler.js';
import type { AuditTrail } from '../telemetry/audit.js';
import type { AgentPool } from './agent-pool.js';
import type { EventListener } from './emitter.js';
import { createCoordinatorNode } from './nodes/coordinator-node.js';
import { createRecoveryNode } from './nodes/recovery-node.js';
import { createSchedulerNode } from './nodes/scheduler-node.js';
import { createLoopRuntime, type LoopRuntime, type MasterLoopOptions } from './runtime.js';
import { MasterLoopAnnotation, type MasterLoopState } from './state.js';

/** The node names the loop adds. */
export const MASTER_LOOP_NODES = { scheduler: 'scheduler', coordinator: 'coordinator', recovery: 'recovery' } as const;

/** What a compiled loop offers besides LangGraph's own API. */
export interface MasterLoopHandle {
  /** The agents, their health and circuit breakers. */
  readonly pool: AgentPool;
  /** Every recovery and compensation, hash-chained. */
  readonly audit: AuditTrail;
  /** Receives every event of every run; returns an unsubscribe function. */
  onEvent(listener: EventListener): () => void;
}

function routeAfterRecovery(state: MasterLoopState): string {
  return state.status === 'running' ? MASTER_LOOP_NODES.coordinator : 'done';
}

function handle(runtime: LoopRuntime): MasterLoopHandle {
  return {
    pool: runtime.pool,
    audit: runtime.audit,
    onEvent(listener) {
      runtime.listeners.add(listener);
      return () => runtime.listeners.delete(listener);
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
  const runtime = createLoopRuntime(options);
  const graph = new StateGraph(MasterLoopAnnotation)
    .addNode(MASTER_LOOP_NODES.scheduler, createSchedulerNode(runtime))
    .addNode(MASTER_LOOP_NODES.coordinator, createCoordinatorNode(runtime))
    .addNode(MASTER_LOOP_NODES.recovery, createRecoveryNode(runtime))
    .addEdge(START, MASTER_LOOP_NODES.scheduler)
    .addEdge(MASTER_LOOP_NODES.scheduler, MASTER_LOOP_NODES.coordinator)
    .addEdge(MASTER_LOOP_NODES.coordinator, MASTER_LOOP_NODES.recovery)
    .addConditionalEdges(MASTER_LOOP_NODES.recovery, routeAfterRecovery, { [MASTER_LOOP_NODES.coordinator]: MASTER_LOOP_NODES.coordinator, done: END })
    .compile({ checkpointer: options.checkpointer ?? new MemorySaver(), ...(options.store ? { store: options.store } : {}) });
  followCallerSignal(graph);
  return Object.assign(graph, handle(runtime));
}

export interface AddMasterLoopOptions<S extends Record<string, unknown>> extends Omit<MasterLoopOptions, 'checkpointer' | 'store'> {
  /** The existing node after which the loop runs; START when omitted. */
  after?: string;
  /**
   * Where the run goes once the loop is done. When `after` already has a plain edge out, the loop
   * takes that edge's place and goes on to its target. @default that target, else END
   */
  then?: string;
  /** Builds the request from the graph's own state (read the `request` channel when omitted). */
  toRequest?: (state: S) => ExecutionRequestInput | undefined;
  /** Maps the finished run back onto the graph's own state. */
  fromResult?: (result: MasterLoopState, state: S) => Partial<S>;
}

/** The loop's channel names; a graph whose own state uses one of them for something else cannot take the loop. */
export const MASTER_LOOP_CHANNELS = Object.keys(MasterLoopAnnotation.spec);

function checkChannels(channels: Record<string, unknown>): void {
  const spec = MasterLoopAnnotation.spec as Record<string, unknown>;
  const clashes = MASTER_LOOP_CHANNELS.filter((name) => channels[name] !== undefined && channels[name] !== spec[name]);
  if (clashes.length > 0) {
    throw new NoError('INVALID_REQUEST', `the graph's state already uses ${clashes.map((c) => `'${c}'`).join(', ')}, which the master loop needs; rename them in your state`, {
      details: { clashes, reserved: MASTER_LOOP_CHANNELS },
    });
  }
}

/**
 * Runs the loop in the gap after `after`: a plain edge out of it is replaced, so the node it led to
 * runs once, after the loop (not also in parallel with it). Returns where the loop goes when done.
 */
function spliceAfter(b: { edges: Set<[string, string]>; branches: Record<string, Record<string, unknown>> }, after: string, then: string | undefined): string {
  if (Object.keys(b.branches[after] ?? {}).length > 0) {
    throw new NoError('INVALID_REQUEST', `'${after}' routes with conditional edges; add the loop after a node with one plain edge out`, { details: { after } });
  }
  const outgoing = [...b.edges].filter(([from]) => from === after);
  if (outgoing.length === 0) return then ?? END;
  const [edge] = outgoing;
  if (outgoing.length === 1 && (then === undefined || then === edge![1])) {
    b.edges.delete(edge!);
    return edge![1];
  }
  throw new NoError('INVALID_REQUEST', `'${after}' already leads to ${outgoing.map(([, to]) => `'${to}'`).join(', ')}; pass then: '${edge![1]}' to run the loop in between`, {
    details: { after, next: outgoing.map(([, to]) => to) },
  });
}

/**
 * Adds the scheduler, coordinator and recovery nodes to a user's own StateGraph builder, beside its
 * own nodes and state: the loop's channels are registered through the nodes' input schema, so the
 * graph's state type and its existing nodes stay as they were. Compile the builder as usual (with
 * the checkpointer and Store of your choice).
 *
 * @example
 * const builder = new StateGraph(MyState).addNode('chat', chat).addEdge(START, 'chat');
 * addMasterLoop(builder, { agents, after: 'chat', toRequest: (s) => planFor(s.input), fromResult: (r) => ({ output: report(r.results) }) });
 * const graph = builder.compile({ checkpointer });
 */
export function addMasterLoop<S extends Record<string, unknown>, B>(builder: B, options: AddMasterLoopOptions<S>): B & MasterLoopHandle {
  const runtime = createLoopRuntime(options, options.toRequest as ((s: Record<string, unknown>) => ExecutionRequestInput | undefined) | undefined);
  const recoveryNode = createRecoveryNode(runtime);
  const withResult = async (state: Record<string, unknown>, config: Parameters<typeof recoveryNode>[1]) => {
    const update = await recoveryNode(state, config);
    if (!options.fromResult || update.status === 'running') return update;
    return { ...update, ...options.fromResult({ ...(state as MasterLoopState), ...update } as MasterLoopState, state as S) };
  };
  // Loosely typed on purpose: the builder's own state type is the user's, and LangGraph's generics
  // cannot express "this graph plus the loop's channels" for an arbitrary builder.
  const b = builder as unknown as {
    channels: Record<string, unknown>;
    edges: Set<[string, string]>;
    branches: Record<string, Record<string, unknown>>;
    addNode(name: string, fn: unknown, options?: unknown): unknown;
    addEdge(from: string, to: string): unknown;
    addConditionalEdges(from: string, route: unknown, map: Record<string, string>): unknown;
  };
  checkChannels(b.channels);
  const after = options.after ?? START;
  const then = spliceAfter(b, after, options.then);
  const input = { input: MasterLoopAnnotation };
  // With toRequest the scheduler reads the graph's own state; otherwise the loop's `request` channel.
  b.addNode(MASTER_LOOP_NODES.scheduler, createSchedulerNode(runtime), options.toRequest ? undefined : input);
  b.addNode(MASTER_LOOP_NODES.coordinator, createCoordinatorNode(runtime), input);
  // The recovery node sees both the loop's channels and the graph's own, for fromResult.
  b.addNode(MASTER_LOOP_NODES.recovery, withResult, { input: { ...b.channels } });
  b.addEdge(after, MASTER_LOOP_NODES.scheduler);
  b.addEdge(MASTER_LOOP_NODES.scheduler, MASTER_LOOP_NODES.coordinator);
  b.addEdge(MASTER_LOOP_NODES.coordinator, MASTER_LOOP_NODES.recovery);
  b.addConditionalEdges(MASTER_LOOP_NODES.recovery, routeAfterRecovery, {
    [MASTER_LOOP_NODES.coordinator]: MASTER_LOOP_NODES.coordinator,
    done: then,
  });
  return Object.assign(builder as B & object, handle(runtime)) as B & MasterLoopHandle;
}

export type MasterAgentLoop = ReturnType<typeof createMasterAgentLoop>;
export type { CompiledStateGraph };

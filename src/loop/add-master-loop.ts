import { END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { NoError } from '../contracts/errors.js';
import type { PlanningContext } from '../contracts/planning.js';
import type { ExecutionRequestInput } from '../contracts/scheduler.js';
import { compileLoop, handle, type MasterLoopHandle } from './builder.js';
import { capabilitiesOf, createLoopRuntime, type MasterLoopOptions } from './runtime.js';
import type { MasterLoopState } from './state.js';

/** The name of the node `addMasterLoop` adds. @default 'masterLoop' */
export const DEFAULT_MASTER_LOOP_NODE = 'masterLoop';

// The builder's own type parameters, so the options are checked against the user's state and update
// types and the returned builder knows the new node's name (for its addEdge calls).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStateGraph = StateGraph<any, any, any, any, any, any, any, any, any, any>;
type StateOf<B> = B extends StateGraph<any, infer S, any, any, any, any, any, any, any, any> ? S : never;
type UpdateOf<B> = B extends StateGraph<any, any, infer U, any, any, any, any, any, any, any> ? U : never;
type NodeOf<B> = B extends StateGraph<any, any, any, infer N, any, any, any, any, any, any> ? N : never;
/** The builder `addMasterLoop` returns: the same graph, with the loop's node among its node names. */
export type WithMasterLoop<B, Name extends string> =
  B extends StateGraph<infer SD, infer S, infer U, infer N, infer I, infer O, infer C, infer R, infer IT, infer W>
    ? StateGraph<SD, S, U, N | Name, I, O, C, R, IT, W> & MasterLoopHandle
    : never;

export interface AddMasterLoopOptions<S, U, N extends string, Name extends string = typeof DEFAULT_MASTER_LOOP_NODE>
  extends Omit<MasterLoopOptions, 'checkpointer' | 'store'> {
  /**
   * The name of the one node the loop adds; the loop's own scheduler, coordinator and recovery nodes
   * run inside it, as a subgraph, so they never meet your node names. @default 'masterLoop'
   */
  name?: Name;
  /** The existing node after which the loop runs. @default START */
  after?: N | typeof START;
  /** Where the graph goes when the loop is done. @default END */
  then?: N | typeof END;
  /**
   * Builds the request from your graph's state, at once or as a Promise (a planner's
   * `toRequest`, say); `context` holds the capabilities of the loop's agents and the run's signal.
   * Without it, the loop reads your state's `request` field (which must then exist).
   */
  toRequest?: (state: S, context: PlanningContext) => ExecutionRequestInput | undefined | Promise<ExecutionRequestInput | undefined>;
  /**
   * Maps the finished run onto your graph's state: `run` holds everything the run came to (`status`,
   * `results` by task id, `errors`, `tasks`, `plan`, `compensated`, ...). @default no update
   */
  fromResult?: (run: MasterLoopState, state: S) => U;
}

function nodesOf(builder: AnyStateGraph): string[] {
  return Object.keys(builder.nodes);
}

function checkBuilder(builder: unknown): asserts builder is AnyStateGraph {
  if (builder instanceof StateGraph) return;
  const compiled = typeof builder === 'object' && builder !== null && 'builder' in builder && 'invoke' in builder;
  throw new NoError(
    'INVALID_REQUEST',
    compiled
      ? 'addMasterLoop takes the StateGraph builder, not a compiled graph: call addMasterLoop(builder, ...) before builder.compile()'
      : 'addMasterLoop takes a LangGraph StateGraph builder (new StateGraph(...)) as its first argument',
    { details: { received: compiled ? 'compiled graph' : typeof builder } },
  );
}

function checkNode(builder: AnyStateGraph, option: 'after' | 'then', value: string, edge: typeof START | typeof END): void {
  if (value === edge || nodesOf(builder).includes(value)) return;
  throw new NoError('INVALID_REQUEST', `${option}: '${value}' is not a node of this graph; its nodes are ${nodesOf(builder).map((n) => `'${n}'`).join(', ') || '(none yet)'}`, {
    details: { [option]: value, nodes: nodesOf(builder) },
  });
}

/** The loop goes after `after` alone: an edge already out of it would run its target beside the loop. */
function checkGap(builder: AnyStateGraph, after: string): void {
  const next = [...builder.allEdges].filter(([from]) => from === after).map(([, to]) => to);
  const routes = Object.keys(builder.branches[after] ?? {}).length > 0;
  if (next.length === 0 && !routes) return;
  const what = routes ? 'routes with conditional edges' : `already leads to ${next.map((n) => `'${n}'`).join(', ')}`;
  throw new NoError(
    'INVALID_REQUEST',
    `'${after}' ${what}, which would run beside the loop: leave that edge out and pass then: ${next[0] ? `'${next[0]}'` : "'<next node>'"} to run the loop in between`,
    { details: { after, next } },
  );
}

/**
 * Adds the master loop to your StateGraph builder as one node (a subgraph with its own state and
 * checkpoint namespace), wired between `after` and `then`. Your state keeps its names and types: the
 * loop reads it through `toRequest` and writes back only what `fromResult` returns. Compile the builder
 * as usual; the loop uses the graph's checkpointer and Store. `stream(..., { subgraphs: true })` and
 * `getState(config, { subgraphs: true })` show the loop's own nodes.
 *
 * @example
 * const graph = addMasterLoop(new StateGraph(MessagesAnnotation).addNode('chat', chat).addEdge(START, 'chat'), {
 *   agents, after: 'chat',
 *   toRequest: (state) => ({ tasks: planFrom(state.messages) }), // or a planner's: createLlmPlanner({ model }).toRequest
 *   fromResult: (run) => ({ messages: [new AIMessage(report(run.results))] }),
 * }).compile({ checkpointer });
 */
export function addMasterLoop<B extends AnyStateGraph, Name extends string = typeof DEFAULT_MASTER_LOOP_NODE>(
  builder: B,
  options: AddMasterLoopOptions<StateOf<B>, UpdateOf<B>, NodeOf<B>, Name>,
): WithMasterLoop<B, Name> {
  checkBuilder(builder);
  const name = options.name ?? (DEFAULT_MASTER_LOOP_NODE as Name);
  if (nodesOf(builder).includes(name)) {
    throw new NoError('INVALID_REQUEST', `the graph already has a node named '${name}': pass name: '...' to addMasterLoop`, { details: { name } });
  }
  const after: string = options.after ?? START;
  const then: string = options.then ?? END;
  checkNode(builder, 'after', after, START);
  checkNode(builder, 'then', then, END);
  checkGap(builder, after);
  const toRequest = options.toRequest ?? requestChannel(builder);
  const runtime = createLoopRuntime(options);
  const loop = compileLoop(runtime, undefined, undefined);
  const node = async (state: StateOf<B>, config: LangGraphRunnableConfig) => {
    const context: PlanningContext = { capabilities: capabilitiesOf(runtime.pool), ...(config.signal ? { signal: config.signal } : {}) };
    const run = await loop.invoke({ request: await toRequest(state, context) }, config);
    return options.fromResult ? options.fromResult(run, state) : {};
  };
  const added = builder.addNode(name, node, { subgraphs: [loop] }).addEdge(after, name).addEdge(name, then);
  return Object.assign(added, handle(runtime)) as unknown as WithMasterLoop<B, Name>;
}

function requestChannel<S>(builder: AnyStateGraph): (state: S) => ExecutionRequestInput | undefined {
  if (!('request' in builder.channels)) {
    throw new NoError(
      'INVALID_REQUEST',
      "this graph's state has no 'request' field, so the loop cannot find its request: pass toRequest: (state) => ({ tasks: [...] }) to addMasterLoop",
      { details: { channels: Object.keys(builder.channels) } },
    );
  }
  return (state) => (state as { request?: ExecutionRequestInput }).request;
}

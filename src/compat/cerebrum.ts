import { randomUUID } from 'node:crypto';
import {
  Annotation,
  END,
  START,
  StateGraph,
  type BaseCheckpointSaver,
  type BaseStore,
  type LangGraphRunnableConfig,
} from '@langchain/langgraph';
import type { Span } from '@opentelemetry/api';
import type { EventEnvelope } from '../contracts/events.js';
import { createListeners } from '../contracts/listeners.js';
import { createEventEnvelope } from '../telemetry/events.js';
import { withSpan } from '../telemetry/tracer.js';
import { selectModel, type ModelSelectionOptions, type SelectedModel } from './model-selection.js';
import { DEFAULT_CEREBRUM_PERSONA, personaPolicyError, personaViolations } from './persona.js';

/** The current package's graph state, field for field. */
export const CerebrumAnnotation = Annotation.Root({
  input: Annotation<string>(),
  output: Annotation<string | undefined>(),
  task: Annotation<string | undefined>(),
  selectedModel: Annotation<SelectedModel | undefined>(),
  /** Appended, never replaced. */
  violations: Annotation<string[]>({ reducer: (current, update) => current.concat(update), default: () => [] }),
});
export type CerebrumState = typeof CerebrumAnnotation.State;
export type CerebrumUpdate = typeof CerebrumAnnotation.Update;

/** The nodes, in the order they run. */
export const CEREBRUM_NODES = ['guard', 'selectModel', 'chat', 'echo'] as const;
export type CerebrumNode = (typeof CEREBRUM_NODES)[number];

/** Span of each node: `cerebrum.guard`, `cerebrum.selectModel`, ... */
export const cerebrumSpanName = (node: CerebrumNode): string => `cerebrum.${node}`;

export interface CerebrumGraphOptions extends ModelSelectionOptions {
  /** The persona the guard checks. @default DEFAULT_CEREBRUM_PERSONA */
  persona?: string;
  /**
   * Receives each node's `orchestration.decision.made` envelope (the custom stream mode shows the
   * same events). A listener that throws never breaks the graph: its error is rethrown on a microtask.
   */
  onEvent?: (event: EventEnvelope) => void;
  /** CloudEvents `source`. @default 'urn:cortex:orchestration' */
  eventSource?: string;
}

export interface CerebrumBuilderOptions extends CerebrumGraphOptions {
  /**
   * Leaves the edge out of this node open, so something else (the master loop, say) can run between
   * it and the node it led to: `addMasterLoop(builder, { after: 'chat', then: 'echo', ... })`.
   * @default none: the line is complete
   */
  gapAfter?: Exclude<CerebrumNode, 'echo'>;
}

export interface CerebrumCompileOptions extends CerebrumGraphOptions {
  /** Any LangGraph checkpointer; invoke with a `thread_id` when given. @default none */
  checkpointer?: BaseCheckpointSaver;
  store?: BaseStore;
}

interface Decision {
  update: CerebrumUpdate;
  outcome: string;
  metadata: Record<string, unknown>;
  /** Thrown after the decision is published, so a refusal is an event too. */
  error?: unknown;
}

type NodeBody = (state: CerebrumState, span: Span) => Decision;

function publish(options: CerebrumGraphOptions, config: LangGraphRunnableConfig, node: CerebrumNode, decision: Decision): void {
  const threadId = config.configurable?.['thread_id'];
  const envelope = createEventEnvelope(
    'orchestration.decision.made',
    { decisionId: `cerebrum.${node}:${randomUUID()}`, outcome: decision.outcome, metadata: { node, ...decision.metadata } },
    {
      subject: cerebrumSpanName(node),
      ...(options.eventSource === undefined ? {} : { source: options.eventSource }),
      ...(threadId === undefined ? {} : { correlationId: String(threadId) }),
    },
  );
  config.writer?.(envelope);
  options.onEvent?.(envelope);
}

function node(name: CerebrumNode, options: CerebrumGraphOptions, body: NodeBody) {
  return (state: CerebrumState, config: LangGraphRunnableConfig): CerebrumUpdate =>
    withSpan(cerebrumSpanName(name), { 'cerebrum.node': name }, (span) => {
      const decision = body(state, span);
      publish(options, config, name, decision);
      if (decision.error !== undefined) throw decision.error;
      return decision.update;
    });
}

function guardBody(persona: string): NodeBody {
  return () => {
    const violations = personaViolations(persona);
    const decision: Decision = { update: {}, outcome: violations.length === 0 ? 'allowed' : 'denied', metadata: { violations } };
    return violations.length === 0 ? decision : { ...decision, error: personaPolicyError(violations) };
  };
}

function selectModelBody(options: ModelSelectionOptions): NodeBody {
  return (_state, span) => {
    const selected = selectModel(options);
    span.setAttributes({ 'cerebrum.model.provider': selected.provider, 'cerebrum.model.name': selected.model });
    return { update: { selectedModel: selected }, outcome: `${selected.provider}:${selected.model}`, metadata: { ...selected } };
  };
}

/**
 * The current package's graph as an uncompiled StateGraph builder: START -> guard -> selectModel ->
 * chat -> echo -> END. Add your own nodes (or the master loop) before compiling it.
 *
 * @example
 * const builder = createCerebrumGraphBuilder({ gapAfter: 'chat' });
 * const graph = addMasterLoop(builder, { agents, after: 'chat', then: 'echo', toRequest, fromResult }).compile();
 */
export function createCerebrumGraphBuilder(options: CerebrumBuilderOptions = {}) {
  const persona = options.persona ?? DEFAULT_CEREBRUM_PERSONA;
  // onEvent goes through a listener set so a throwing listener neither fails a node nor is swallowed.
  const decided = createListeners<EventEnvelope>();
  if (options.onEvent) decided.on(options.onEvent);
  options = { ...options, onEvent: decided.emit };
  const builder = new StateGraph(CerebrumAnnotation)
    .addNode('guard', node('guard', options, guardBody(persona)))
    .addNode('selectModel', node('selectModel', options, selectModelBody(options)))
    .addNode(
      'chat',
      node('chat', options, (state) => ({ update: { output: state.input }, outcome: 'responded', metadata: { chars: state.input.length } })),
    )
    // Echo passes on what the run produced so far; in the plain line that is chat's copy of the
    // input, and when something runs between chat and echo, its output survives.
    .addNode(
      'echo',
      node('echo', options, (state) => {
        const output = state.output ?? state.input;
        return { update: { output }, outcome: 'echoed', metadata: { chars: output.length } };
      }),
    )
    .addEdge(START, 'guard');
  const line: Array<[CerebrumNode, CerebrumNode | typeof END]> = [
    ['guard', 'selectModel'],
    ['selectModel', 'chat'],
    ['chat', 'echo'],
    ['echo', END],
  ];
  for (const [from, to] of line) if (from !== options.gapAfter) builder.addEdge(from, to);
  return builder;
}

export type CerebrumGraphBuilder = ReturnType<typeof createCerebrumGraphBuilder>;

/**
 * The current package's `createCerebrumGraph()`, compiled.
 *
 * @example
 * const out = await createCerebrumGraph().invoke({ input: 'hello' });
 * out.output; // 'hello'
 */
export function createCerebrumGraph(options: CerebrumCompileOptions = {}) {
  const { checkpointer, store, ...graphOptions } = options;
  return createCerebrumGraphBuilder(graphOptions).compile({
    ...(checkpointer === undefined ? {} : { checkpointer }),
    ...(store === undefined ? {} : { store }),
  });
}

export type CerebrumGraph = ReturnType<typeof createCerebrumGraph>;

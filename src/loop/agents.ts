import type { Span } from '@opentelemetry/api';
import type { Task } from '../contracts/scheduler.js';
import type { AgentKnowledge } from '../coordination/knowledge.js';
import { AGENT_ATTRIBUTES, GENAI_ATTRIBUTES, GENAI_OPERATIONS } from '../telemetry/names.js';
import { withSpan } from '../telemetry/tracer.js';
import { nestAgent, type AgentStep } from './agent-nesting.js';
import type { AgentMessenger } from './messaging.js';
import { TokenUsageHandler } from './token-usage.js';

/** What an agent's `run` receives besides its input. */
export interface AgentRunContext {
  /** The planned task. */
  task: Task;
  /** Outputs of the task's dependencies, by task id. */
  dependencies: Record<string, unknown>;
  /**
   * Aborts on the attempt's timeout, when the run is cancelled (the invoke's signal), when a fatal
   * failure stops the run, or when the run's deadline passes (reason: a NoError 'TIMEOUT'). Pass it
   * to I/O.
   */
  signal: AbortSignal;
  /** 1-based attempt number for this task (retries and moves to other agents raise it). */
  attempt: number;
  /** The same for every attempt of this task in this run, also after a crash and resume. */
  idempotencyKey: string;
  agentId: string;
  threadId: string;
  /** Messaging as this agent, when the loop has a network (MasterLoopOptions.network). */
  network?: AgentMessenger;
  /**
   * Shared knowledge as this agent, when the loop has one (MasterLoopOptions.knowledge): what it
   * shares is signed as this agent, with this task, run and thread as provenance.
   */
  knowledge?: AgentKnowledge;
}

export type AgentFunction = (input: unknown, ctx: AgentRunContext) => unknown;

/** Anything with LangChain's `invoke`: a Runnable, a chat model chain, a compiled LangGraph graph. */
export interface RunnableLike {
  invoke(input: unknown, config?: Record<string, unknown>): Promise<unknown>;
}

export type AgentRunner = AgentFunction | RunnableLike;

/** What a saga compensation receives. */
export interface CompensationContext {
  task: Task;
  agentId: string;
  idempotencyKey: string;
  signal: AbortSignal;
}

export interface AgentDefinition {
  id: string;
  capabilities: string[];
  /** Tasks it may run at once. @default 1 */
  maxConcurrency?: number;
  /** Per-attempt timeout for tasks on this agent; a task's own `timeoutMs` wins. */
  timeoutMs?: number;
  metadata?: Record<string, unknown>;
  run: AgentRunner;
  /** Builds a fresh runner when the agent breaks (its circuit opens); without it the agent is not restarted. */
  factory?: () => AgentRunner | Promise<AgentRunner>;
  /** Undoes a completed task's effects when the run fails (saga). */
  compensate?: (output: unknown, ctx: CompensationContext) => unknown;
}

export function isRunnableLike(value: unknown): value is RunnableLike {
  return typeof value === 'object' && value !== null && typeof (value as RunnableLike).invoke === 'function';
}

export interface InvokeAgentOptions {
  /** Receives each finished node while a graph agent runs (see `nestAgent`); functions have none. */
  onStep?: ((step: AgentStep) => void) | undefined;
}

/**
 * Runs an agent on one input. Functions get `(input, ctx)`; Runnables and compiled graphs get
 * `invoke(input, { signal, configurable })`, with the idempotency key in `configurable`. Inside a
 * running graph, a graph agent runs as a nested graph under a namespace of its own for this attempt
 * (`AGENT_NAMESPACE`), so `stream(..., { subgraphs: true })` shows its steps.
 *
 * @example
 * const out = await invokeAgent(graph, { text: 'hi' }, ctx, { onStep: (step) => log(step.node) });
 */
export function invokeAgent(runner: AgentRunner, input: unknown, ctx: AgentRunContext, options: InvokeAgentOptions = {}): Promise<unknown> {
  const attributes = {
    [GENAI_ATTRIBUTES.operationName]: GENAI_OPERATIONS.invokeAgent,
    [GENAI_ATTRIBUTES.agentName]: ctx.agentId,
    [GENAI_ATTRIBUTES.agentId]: ctx.agentId,
    [AGENT_ATTRIBUTES.taskId]: ctx.task.id,
    [AGENT_ATTRIBUTES.attempt]: ctx.attempt,
    [AGENT_ATTRIBUTES.threadId]: ctx.threadId,
    ...(ctx.task.capability === undefined ? {} : { [AGENT_ATTRIBUTES.capability]: ctx.task.capability }),
  };
  return withSpan(`${GENAI_OPERATIONS.invokeAgent} ${ctx.agentId}`, attributes, (span) => {
    const result = run(runner, input, ctx, options, span);
    // Without an SDK the attempt's promise is returned as it is: no extra step per task.
    if (!span.isRecording()) return result;
    return result.catch((error: unknown) => {
      span.setAttribute(GENAI_ATTRIBUTES.errorType, errorType(error));
      throw error;
    });
  });
}

function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : '_OTHER';
}

async function run(runner: AgentRunner, input: unknown, ctx: AgentRunContext, options: InvokeAgentOptions, span: Span): Promise<unknown> {
  if (!isRunnableLike(runner)) return runner(input, ctx);
  // Token usage is read only when the span is recorded: without an SDK no handler is attached.
  const usage = span.isRecording() ? new TokenUsageHandler() : undefined;
  const nesting = nestAgent({ ...options, signal: ctx.signal });
  try {
    return await runner.invoke(input, {
      signal: ctx.signal,
      configurable: { idempotency_key: ctx.idempotencyKey, task_id: ctx.task.id, attempt: ctx.attempt, ...nesting.configurable },
      ...(usage ? { callbacks: [usage] } : {}),
    });
  } finally {
    nesting.close();
    if (usage?.reported) {
      span.setAttributes({
        [GENAI_ATTRIBUTES.inputTokens]: usage.usage.inputTokens,
        [GENAI_ATTRIBUTES.outputTokens]: usage.usage.outputTokens,
        ...(usage.usage.model === undefined ? {} : { [GENAI_ATTRIBUTES.responseModel]: usage.usage.model }),
      });
    }
  }
}

import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import { isNoError, NoError, toError } from '../contracts/errors.js';
import type { PlanningContext, PlanRevision, PlanRevisionInput, Replanner, TokenUsage } from '../contracts/planning.js';
import { ExecutionRequestSchema, type ExecutionRequest, type ExecutionRequestInput, type Task } from '../contracts/scheduler.js';
import { parseWith } from '../contracts/validate.js';
import { checkPlan, PLAN_TOOL_NAME, PlanDraftSchema, type PlanCheckContext } from './plan-check.js';
import { correctionPrompt, goalMessages, revisionPrompt, systemPrompt } from './prompt.js';

/** Model calls per plan: the first answer and the corrections after invalid ones. @default 3 */
export const DEFAULT_PLANNER_MAX_ATTEMPTS = 3;
/** Longest goal kept in a planned request's `metadata.goal` (re-planning reads it back). @default 4_000 */
export const MAX_GOAL_CHARS = 4_000;

/**
 * The capabilities a plan may use: names; names with what each does (shown to the model); or the
 * loop's agent definitions, whose capabilities are read.
 */
export type CapabilitySource = readonly string[] | Readonly<Record<string, string>> | ReadonlyArray<{ capabilities: readonly string[] }>;

export interface LlmPlannerOptions {
  /**
   * A LangChain chat model with structured output (`withStructuredOutput`, which most providers build
   * on tool calling): ChatOpenAI, ChatAnthropic, ... Its own `maxRetries` handles rate limits and
   * network errors; the planner retries only invalid plans.
   */
  model: BaseChatModel;
  /** The capabilities plans may use, when a call does not pass them (addMasterLoop passes its agents'). */
  capabilities?: CapabilitySource;
  /** Model calls per plan; after the last invalid answer, `plan` rejects with a NoError 'PLAN_INVALID'. @default DEFAULT_PLANNER_MAX_ATTEMPTS (3) */
  maxAttempts?: number;
  /** Added to the system prompt: your domain's rules for good plans. */
  instructions?: string;
}

export interface PlanOptions {
  /** Overrides the planner's `capabilities` for this call. */
  capabilities?: CapabilitySource;
  signal?: AbortSignal;
}

/** A plan with what it cost. */
export interface PlanDraft {
  request: ExecutionRequestInput;
  /** Model calls it took (1 when the first answer was valid). */
  attempts: number;
  /** Tokens over every attempt, when the model reports them. */
  usage?: TokenUsage;
}

export interface LlmPlanner extends Replanner {
  /**
   * Turns a goal (a string, or a conversation's messages) into a validated request for the loop.
   * Rejects with a NoError 'PLAN_INVALID' (details: `lastAnswer`, `errors`) when every attempt was
   * invalid; a model error (network, rate limit) rejects as the model threw it.
   */
  plan(goal: string | readonly BaseMessage[], options?: PlanOptions): Promise<ExecutionRequestInput>;
  /** `plan`, with the attempts and tokens it took. */
  draft(goal: string | readonly BaseMessage[], options?: PlanOptions): Promise<PlanDraft>;
  /**
   * A `toRequest` for addMasterLoop that plans from the graph state's messages (`key`, default
   * 'messages') with the loop's capabilities.
   */
  fromMessages<S>(options?: { key?: string }): (state: S, context: PlanningContext) => Promise<ExecutionRequestInput>;
  /** `fromMessages()`: plans from the state's `messages`. */
  toRequest(state: unknown, context: PlanningContext): Promise<ExecutionRequestInput>;
}

type Structured = { invoke(input: BaseMessage[], options?: { signal?: AbortSignal }): Promise<{ raw: BaseMessage; parsed: unknown }> };

function structuredModel(model: unknown): Structured {
  const withStructuredOutput = (model as { withStructuredOutput?: unknown } | null)?.withStructuredOutput;
  const fix = 'pass a LangChain chat model with structured output or tool calling (e.g. new ChatOpenAI({ model }) or new ChatAnthropic({ model }))';
  if (typeof withStructuredOutput !== 'function') {
    throw new NoError('INVALID_REQUEST', `createLlmPlanner needs a chat model with withStructuredOutput: ${fix}`, { details: { model: typeof model } });
  }
  try {
    // Tool calling is the one method every provider's structured output has; a strict JSON-schema
    // mode would refuse the plan's free-form `input`. The raw answer is kept for the error details.
    return withStructuredOutput.call(model, PlanDraftSchema, { name: PLAN_TOOL_NAME, method: 'functionCalling', includeRaw: true }) as Structured;
  } catch (error) {
    throw new NoError('INVALID_REQUEST', `this chat model cannot give structured output (${toError(error).message}): ${fix}`, { cause: error });
  }
}

function capabilitiesOf(source: CapabilitySource | undefined): { names: string[]; descriptions: Record<string, string> } {
  if (source === undefined) return { names: [], descriptions: {} };
  if (!Array.isArray(source)) return { names: Object.keys(source), descriptions: { ...(source as Record<string, string>) } };
  const names = (source as ReadonlyArray<string | { capabilities: readonly string[] }>).flatMap((s) => (typeof s === 'string' ? [s] : [...(s.capabilities ?? [])]));
  return { names: [...new Set(names)], descriptions: {} };
}

/** The answer a structured call gave: the parsed object, else the raw tool call's arguments or text. */
function answerOf(result: { raw: BaseMessage; parsed: unknown }): unknown {
  if (result.parsed !== null && result.parsed !== undefined) return result.parsed;
  const raw = result.raw as AIMessage;
  const call = raw.tool_calls?.[0] ?? raw.invalid_tool_calls?.[0];
  if (call) return call.args;
  return raw.content;
}

function addUsage(total: TokenUsage | undefined, raw: BaseMessage): TokenUsage | undefined {
  const usage = AIMessage.isInstance(raw) ? raw.usage_metadata : undefined;
  if (!usage) return total;
  const base = total ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  return {
    inputTokens: base.inputTokens + (usage.input_tokens ?? 0),
    outputTokens: base.outputTokens + (usage.output_tokens ?? 0),
    totalTokens: base.totalTokens + (usage.total_tokens ?? 0),
  };
}

function goalText(goal: string | readonly BaseMessage[]): string {
  const text = typeof goal === 'string' ? goal : goal.filter((m) => m.getType() === 'human').map((m) => m.text).at(-1) ?? '';
  return text.slice(0, MAX_GOAL_CHARS);
}

/**
 * A planner that asks a chat model for an ExecutionRequest grounded in the pool's capabilities. Each
 * answer is checked with the package's own schemas and plan validation (ids, dependencies, cycles,
 * resources, capabilities); an invalid one goes back to the model with the exact error, up to
 * `maxAttempts` calls. It also revises a failing run's plan (MasterLoopOptions.replan).
 *
 * @example
 * const planner = createLlmPlanner({ model: new ChatOpenAI({ model: 'gpt-4o-mini' }) });
 * const request = await planner.plan('Compare the prices of three suppliers', { capabilities: agents });
 * await loop.invoke({ request }, { configurable: { thread_id: 'run-1' } });
 */
export function createLlmPlanner(options: LlmPlannerOptions): LlmPlanner {
  if (typeof options !== 'object' || options === null) {
    throw new NoError('INVALID_REQUEST', 'createLlmPlanner needs options: createLlmPlanner({ model })', { details: {} });
  }
  const maxAttempts = options.maxAttempts ?? DEFAULT_PLANNER_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new NoError('INVALID_NUMBER', `maxAttempts must be a whole number of at least 1, got ${String(maxAttempts)}`, { details: { maxAttempts } });
  }
  const model = structuredModel(options.model);
  const own = capabilitiesOf(options.capabilities);

  function grounding(source: CapabilitySource | undefined) {
    const given = source === undefined ? own : capabilitiesOf(source);
    if (given.names.length === 0) {
      throw new NoError('INVALID_REQUEST', 'the planner knows no capabilities to plan with: pass capabilities (names, or your agents) to createLlmPlanner or to plan()', { details: {} });
    }
    return { names: given.names, descriptions: { ...own.descriptions, ...given.descriptions } };
  }

  /** Asks until an answer passes `check` or the attempts run out. */
  async function ask(messages: BaseMessage[], context: PlanCheckContext, signal: AbortSignal | undefined) {
    const errors: string[] = [];
    let usage: TokenUsage | undefined;
    let lastAnswer: unknown;
    const conversation = [...messages];
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (signal?.aborted) throw new NoError('ABORTED', 'planning was cancelled', { cause: signal.reason });
      let result: { raw: BaseMessage; parsed: unknown };
      try {
        result = await model.invoke(conversation, signal ? { signal } : {});
      } catch (error) {
        if (signal?.aborted) throw new NoError('ABORTED', 'planning was cancelled', { cause: error });
        throw error;
      }
      usage = addUsage(usage, result.raw);
      lastAnswer = answerOf(result);
      try {
        const request = checkPlan(lastAnswer, context);
        return { request, attempts: attempt, ...(usage ? { usage } : {}) };
      } catch (error) {
        if (!isNoError(error)) throw error;
        errors.push(error.message);
        conversation.push(correctionPrompt(lastAnswer, error.message));
      }
    }
    throw new NoError('PLAN_INVALID', `the model gave no valid plan in ${maxAttempts} attempt(s); last error: ${errors.at(-1)}. Name the capabilities more clearly (descriptions), add instructions, raise maxAttempts or use a stronger model`, {
      details: { lastAnswer, errors, attempts: maxAttempts },
    });
  }

  async function draft(goal: string | readonly BaseMessage[], planOptions: PlanOptions = {}): Promise<PlanDraft> {
    if (typeof goal !== 'string' && !Array.isArray(goal)) {
      throw new NoError('INVALID_REQUEST', 'plan() takes a goal: a string, or an array of LangChain messages', { details: { goal: typeof goal } });
    }
    const { names, descriptions } = grounding(planOptions.capabilities);
    const result = await ask([systemPrompt(names, descriptions, options.instructions), ...goalMessages(goal)], { capabilities: names }, planOptions.signal);
    const text = goalText(goal);
    const request: ExecutionRequest = text ? { ...result.request, metadata: { ...result.request.metadata, goal: text } } : result.request;
    return { ...result, request };
  }

  async function revise(input: PlanRevisionInput): Promise<PlanRevision> {
    const { names, descriptions } = grounding(input.capabilities.length > 0 ? input.capabilities : undefined);
    const done = new Set(input.finished.map((f) => f.taskId));
    const { tasks, ...base } = parseWith(ExecutionRequestSchema, input.request, { what: 'request' });
    const finished = tasks.filter((t: Task) => done.has(t.id));
    // The run's capacities, limits, strategy and goal stay: only the work left is the model's to change.
    return ask([systemPrompt(names, descriptions, options.instructions), revisionPrompt(input)], { capabilities: names, finished, base }, input.signal);
  }

  const fromMessages = <S>({ key = 'messages' }: { key?: string } = {}) =>
    async (state: S, context: PlanningContext): Promise<ExecutionRequestInput> => {
      const messages = (state as Record<string, unknown> | null)?.[key];
      if (!Array.isArray(messages) || messages.length === 0) {
        throw new NoError('INVALID_REQUEST', `the graph state has no messages under '${key}' to plan from: pass fromMessages({ key: '<your messages field>' })`, { details: { key } });
      }
      return (await draft(messages as BaseMessage[], { capabilities: context.capabilities, ...(context.signal ? { signal: context.signal } : {}) })).request;
    };

  return {
    draft,
    plan: async (goal, planOptions) => (await draft(goal, planOptions)).request,
    revise,
    fromMessages,
    toRequest: fromMessages(),
  };
}

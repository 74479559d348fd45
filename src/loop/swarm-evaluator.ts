import type { BatchContext, BatchEvaluator } from '../coordination/index.js';
import { NoError } from '../contracts/errors.js';
import type { TaskInput } from '../contracts/scheduler.js';
import type { MasterAgentLoop } from './builder.js';
import type { MasterLoopState } from './state.js';

/** Prefix of the evaluation runs' thread ids. @default 'swarm' */
export const DEFAULT_SWARM_THREAD_PREFIX = 'swarm';

export interface LoopEvaluatorOptions {
  /** The capability of the agents that score a point. */
  capability: string;
  /** Thread ids are `${threadPrefix}:${searchId}:${iteration}`. @default DEFAULT_SWARM_THREAD_PREFIX */
  threadPrefix?: string;
  /** The task input for a point. @default `{ point, searchId, iteration, index }` */
  toInput?: (point: number[], context: BatchContext & { index: number }) => unknown;
  /** Reads an agent's output as the point's value (lower is better). @default a finite number, or an object's numeric `value` */
  toValue?: (output: unknown) => number;
  /** Retries of each evaluation's transient failures. @default the loop's `retries` */
  retries?: number;
  /** Per-attempt timeout of each evaluation. @default the agent's or the loop's */
  timeoutMs?: number;
  /**
   * The value of an evaluation no agent could finish (after retries and other agents), given to the
   * loop as the task's fallback, so one broken point does not fail the search. Must be finite (the
   * checkpointer stores JSON): a large number such as 1e12 for "worst".
   * @default undefined (such a failure fails the search with a NoError 'RUN_FAILED')
   */
  failedValue?: number;
}

const EVALUATION_TASK_CLASS = 'swarm-evaluation';
const taskIdOf = (index: number): string => `e${index}`;

function defaultValue(output: unknown): number {
  const value = typeof output === 'object' && output !== null && 'value' in output ? (output as { value: unknown }).value : output;
  return value as number;
}

interface SearchMetadata {
  searchId: string;
  iteration: number;
  points: number[][];
}

function storedPoints(state: Partial<MasterLoopState>): number[][] | undefined {
  const swarm = state.request?.metadata?.['swarm'] as SearchMetadata | undefined;
  return swarm?.points;
}

const samePoints = (a: number[][], b: number[][]): boolean => a.length === b.length && a.every((p, i) => p.length === b[i]!.length && p.every((x, d) => Object.is(x, b[i]![d])));

/**
 * A batch evaluator that scores each iteration's points as ONE master-loop run: each point is a task
 * for an agent with `capability`, so the loop's concurrency limits, retries, breakers, fallbacks and
 * checkpoints apply to every evaluation. The run's thread id depends only on the search id and the
 * iteration: a search started again with the same id (and seed) finds the iterations already done in
 * the checkpointer and takes their values from there, resumes an interrupted iteration's run (only
 * its unfinished evaluations run again, with the same idempotency keys), and runs the rest.
 *
 * @example
 * const swarm = createSwarm({ evaluate: loopEvaluator(loop, { capability: 'score', failedValue: 1e9 }), seed: 3 });
 * await swarm.optimizeCollectively({ id: 'prompt-tuning-1', bounds: [[0, 1], [0, 2]], maxEvaluations: 200 });
 */
export function loopEvaluator(loop: Pick<MasterAgentLoop, 'invoke' | 'getState'>, options: LoopEvaluatorOptions): BatchEvaluator {
  if (typeof options?.capability !== 'string' || options.capability.length === 0) {
    throw new NoError('INVALID_REQUEST', "loopEvaluator needs the capability of the agents that score a point: loopEvaluator(loop, { capability: 'score' })", {
      details: { capability: options?.capability },
    });
  }
  if (options.failedValue !== undefined && !Number.isFinite(options.failedValue)) {
    throw new NoError('INVALID_REQUEST', `failedValue must be a finite number (got ${String(options.failedValue)}): checkpoints store JSON, which has no Infinity; use e.g. 1e12`, {
      details: { failedValue: options.failedValue },
    });
  }
  const prefix = options.threadPrefix ?? DEFAULT_SWARM_THREAD_PREFIX;
  const toInput = options.toInput ?? ((point, c) => ({ point, searchId: c.searchId, iteration: c.iteration, index: c.index }));
  const toValue = options.toValue ?? defaultValue;

  return async (points, context) => {
    const threadId = `${prefix}:${context.searchId}:${context.iteration}`;
    const config = { configurable: { thread_id: threadId }, signal: context.signal };
    const saved = (await loop.getState({ configurable: { thread_id: threadId } })) as { values: Partial<MasterLoopState>; next: string[] };
    const before = storedPoints(saved.values);
    if (before !== undefined && !samePoints(before, points)) {
      throw new NoError('INVALID_REQUEST', `thread ${threadId} holds iteration ${context.iteration} of another search with the id '${context.searchId}' (other points): use a new search id, or the same seed, problem and swarm options as before`, {
        details: { threadId, searchId: context.searchId, iteration: context.iteration },
      });
    }
    let state: Partial<MasterLoopState>;
    if (before !== undefined && saved.values.status === 'completed') state = saved.values;
    else if (before !== undefined && saved.next.length > 0) state = (await loop.invoke(null, config)) as MasterLoopState;
    else {
      const tasks: TaskInput[] = points.map((point, index) => ({
        id: taskIdOf(index),
        capability: options.capability,
        input: toInput(point, { ...context, index }),
        taskClass: EVALUATION_TASK_CLASS,
        ...(options.retries === undefined ? {} : { retries: options.retries }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.failedValue === undefined ? {} : { fallback: { value: options.failedValue } }),
      }));
      const metadata: SearchMetadata = { searchId: context.searchId, iteration: context.iteration, points };
      state = (await loop.invoke({ request: { id: threadId, tasks, strategy: 'parallel', metadata: { swarm: metadata } } }, config)) as MasterLoopState;
    }
    if (state.status !== 'completed') {
      const reasons = (state.errors ?? []).slice(-3).map((e) => `${e.taskId}: ${e.message}`).join('; ');
      throw new NoError('RUN_FAILED', `evaluation run ${threadId} ended ${String(state.status)}${reasons ? ` (${reasons})` : ''}: add agents with capability '${options.capability}', give evaluations retries, or set failedValue to score a failed evaluation`, {
        details: { threadId, status: state.status ?? null, runError: state.runError ?? null },
      });
    }
    return points.map((_, index) => {
      const output = state.results?.[taskIdOf(index)];
      const value = toValue(output);
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new NoError('INVALID_NUMBER', `evaluation ${taskIdOf(index)} of run ${threadId} returned ${JSON.stringify(output) ?? String(output)}: an agent with capability '${options.capability}' must return a finite number (lower is better) or { value }`, {
          details: { threadId, taskId: taskIdOf(index) },
        });
      }
      return value;
    });
  };
}

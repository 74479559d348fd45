import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import { NoError } from '../contracts/errors.js';
import { requireNumber } from '../resilience/policy.js';
import { MAX_TIMER_MS } from '../resilience/timeout.js';

/**
 * The key of the invoke config's `configurable` that sets one run's deadline, over
 * MasterLoopOptions.runTimeoutMs: `loop.invoke(input, { configurable: { thread_id, runTimeoutMs: 60_000 } })`.
 */
export const RUN_TIMEOUT_CONFIG_KEY = 'runTimeoutMs';

/** A run's deadline, kept in the graph's state so every round and a resumed run see the same one. */
export interface RunDeadline {
  /** Epoch ms at which the run is stopped. */
  at: number;
  /** The timeout it came from, and where that was set, for the error message. */
  timeoutMs: number;
  option: 'runTimeoutMs' | 'configurable.runTimeoutMs';
}

// The deadline is a timer, so it is held to MAX_TIMER_MS; the configurable value may be anything at all,
// which requireNumber refuses like any other non-number.
const checked = (value: unknown, option: RunDeadline['option']): number =>
  requireNumber(option, value as number, { min: 1, max: MAX_TIMER_MS, integer: true });

/** Fails at construction on a bad MasterLoopOptions.runTimeoutMs, rather than at the first run. */
export function checkRunTimeout(runTimeoutMs: number | undefined): void {
  if (runTimeoutMs !== undefined) checked(runTimeoutMs, 'runTimeoutMs');
}

/**
 * The deadline of a run planned now: the invoke's `configurable.runTimeoutMs`, else the loop's
 * `runTimeoutMs`, else none (null).
 */
export function deadlineOf(config: LangGraphRunnableConfig, runTimeoutMs: number | undefined, now = Date.now()): RunDeadline | null {
  const perRun = config.configurable?.[RUN_TIMEOUT_CONFIG_KEY];
  if (perRun !== undefined) {
    const timeoutMs = checked(perRun, 'configurable.runTimeoutMs');
    return { at: now + timeoutMs, timeoutMs, option: 'configurable.runTimeoutMs' };
  }
  if (runTimeoutMs === undefined) return null;
  return { at: now + runTimeoutMs, timeoutMs: runTimeoutMs, option: 'runTimeoutMs' };
}

/**
 * Why a run stopped at its deadline. It is the abort reason every agent's signal carries, so it says
 * `classification: 'fatal'`: whoever classifies it (a retry policy inside an agent) must not retry.
 */
export function deadlineError(deadline: RunDeadline): NoError & { classification: 'fatal' } {
  const error = new NoError(
    'TIMEOUT',
    `the run passed its deadline: ${deadline.option} is ${deadline.timeoutMs} ms (deadline ${new Date(deadline.at).toISOString()})`,
    { details: { option: deadline.option, timeoutMs: deadline.timeoutMs, deadlineAt: deadline.at } },
  );
  return Object.assign(error, { classification: 'fatal' as const });
}

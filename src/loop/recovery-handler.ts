import type { FailureClass, RecoveryAction, RecoveryLevel } from '../contracts/loop.js';
import type { Task } from '../contracts/scheduler.js';

/** What the handler knows about one failure (or about finding no agent at all). */
export interface FailureContext {
  task: Task;
  /** The agent that failed; absent when no agent could be found. */
  agentId?: string;
  classification: FailureClass;
  message: string;
  /** Retries of transient failures already spent on this task. */
  retriesUsed: number;
  maxRetries: number;
  /** Other agents with the capability that are not broken and not tried yet. */
  alternatives: number;
  /** The failure opened the agent's circuit. */
  circuitOpened: boolean;
  /** The failed agent has a factory to restart from. */
  canRestart: boolean;
  /** The task declares a fallback that has not been used yet. */
  fallbackAvailable: boolean;
}

/** One level of the hierarchical recovery handler: it acts on a failure, or passes it to the next level. */
export interface RecoveryStrategy {
  level: RecoveryLevel;
  canHandle(ctx: FailureContext): boolean;
  recover(ctx: FailureContext): Omit<RecoveryAction, 'level' | 'taskId'>;
}

const agentLevel: RecoveryStrategy = {
  level: 'agent',
  canHandle: (ctx) => ctx.classification === 'transient' && ctx.retriesUsed < ctx.maxRetries && ctx.agentId !== undefined,
  recover: (ctx) => ({
    type: 'retry-with-backoff',
    ...(ctx.agentId === undefined ? {} : { agentId: ctx.agentId }),
    reason: `transient failure, retry ${ctx.retriesUsed + 1} of ${ctx.maxRetries}: ${ctx.message}`,
  }),
};

const schedulerLevel: RecoveryStrategy = {
  level: 'scheduler',
  // Bad input follows the task to any agent, and a fatal error stops the run: neither moves.
  canHandle: (ctx) =>
    (ctx.classification === 'agent-fault' || ctx.classification === 'transient') &&
    ctx.agentId !== undefined &&
    ctx.alternatives > 0,
  recover: (ctx) => ({
    type: ctx.circuitOpened && ctx.canRestart ? 'restart-and-redistribute' : 'redistribute',
    ...(ctx.agentId === undefined ? {} : { agentId: ctx.agentId }),
    reason: `${ctx.classification} on '${ctx.agentId}', moving to another agent with the capability: ${ctx.message}`,
  }),
};

const systemLevel: RecoveryStrategy = {
  level: 'system',
  canHandle: (ctx) => ctx.classification === 'fatal',
  recover: (ctx) => ({
    type: 'abort',
    ...(ctx.agentId === undefined ? {} : { agentId: ctx.agentId }),
    reason: `fatal failure stops the run: ${ctx.message}`,
  }),
};

const fallbackLevel: RecoveryStrategy = {
  level: 'fallback',
  canHandle: (ctx) => ctx.fallbackAvailable,
  recover: (ctx) => ({
    type: 'fallback',
    ...(ctx.agentId === undefined ? {} : { agentId: ctx.agentId }),
    reason: `using the task's declared fallback: ${ctx.message}`,
  }),
};

/**
 * agent (retry) -> scheduler (redistribute) -> system (abort on fatal) -> fallback: the cheapest remedy
 * first, and the task's declared fallback only when no agent can run the task itself.
 */
export const DEFAULT_RECOVERY_STRATEGIES: readonly RecoveryStrategy[] = [agentLevel, schedulerLevel, systemLevel, fallbackLevel];

/**
 * Asks each level in turn; the first that can handle the failure decides. When none can, the task
 * fails (`abort` at the fallback level) and the run fails with it.
 *
 * @example
 * const action = decideRecovery({ task, agentId: 'w1', classification: 'agent-fault', ... });
 */
export function decideRecovery(
  ctx: FailureContext,
  strategies: readonly RecoveryStrategy[] = DEFAULT_RECOVERY_STRATEGIES,
): RecoveryAction {
  for (const strategy of strategies) {
    if (strategy.canHandle(ctx)) return { ...strategy.recover(ctx), level: strategy.level, taskId: ctx.task.id };
  }
  return {
    type: 'abort',
    level: 'fallback',
    taskId: ctx.task.id,
    ...(ctx.agentId === undefined ? {} : { agentId: ctx.agentId }),
    reason: `all recovery strategies exhausted (${ctx.classification}): ${ctx.message}`,
  };
}

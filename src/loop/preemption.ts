import { isNoError, type NoError } from '../contracts/errors.js';
import type { RecoveryAction } from '../contracts/loop.js';
import { anySignal } from '../resilience/index.js';
import type { AgentPool } from './agent-pool.js';

/** One attempt as the pool sees it: the signal it runs under, and whether `pool.preempt` stopped it. */
export interface TrackedAttempt {
  /** Aborts when `signal` does or when the pool pre-empts the attempt. */
  readonly signal: AbortSignal;
  /** The pre-emption's NoError when the pool stopped the attempt (and the run itself goes on). */
  preempted(runSignal: AbortSignal): NoError | undefined;
  /** Unregisters the attempt; call it once the attempt settles. */
  dispose(): void;
}

/**
 * Registers an attempt with the pool so self-healing can stop it (`pool.preempt`). The attempt's
 * policies see the linked signal as an outer abort, so they settle at once even when the agent
 * ignores its signal, and a late result is dropped by the timeout policy, never returned.
 */
export function trackAttempt(pool: AgentPool, agentId: string, signal: AbortSignal): TrackedAttempt {
  const own = new AbortController();
  const untrack = pool.track(agentId, (reason) => own.abort(reason));
  const linked = anySignal([signal, own.signal]);
  return {
    signal: linked.signal,
    preempted(runSignal) {
      // A run that stopped reports its own reason, whatever stopped the attempt first.
      if (runSignal.aborted || !own.signal.aborted) return undefined;
      const reason: unknown = own.signal.reason;
      return isNoError(reason, 'PREEMPTED') ? reason : undefined;
    },
    dispose() {
      untrack();
      linked.dispose();
    },
  };
}

/**
 * What the loop does with a pre-empted attempt: run the task again at once, on another agent when
 * one with the capability is healthy, else on the same one (self-healing rebuilt it). A pre-emption
 * is self-healing's decision about an agent, not a failure of the task, so the recovery strategies
 * are not asked and the task's retry budget is not spent.
 */
export function preemptedAction(taskId: string, agentId: string, error: NoError, elsewhere: boolean): RecoveryAction {
  return {
    type: 'redistribute',
    level: 'scheduler',
    taskId,
    agentId,
    reason: `${error.message}; running it again at once on ${elsewhere ? 'another agent' : `'${agentId}' once rebuilt`}, retry budget untouched`,
  };
}

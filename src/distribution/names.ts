import { NoError } from '../contracts/errors.js';
import { MAX_TIMER_MS } from '../resilience/timeout.js';

/** Where jobs live when no prefix is given: BullMQ's keys start with it. @default 'langgraph-no' */
export const DEFAULT_QUEUE_PREFIX = 'langgraph-no';
/** The Redis the queue and workers use when none is given. @default 'redis://127.0.0.1:6379' */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/**
 * Longest a crashed worker's job stays with it before another worker takes it. @default 30_000 (30 s)
 *
 * An attempt whose timeout is shorter is retried sooner by the coordinator: its own timeout fails the
 * attempt and the retry is a new job, so a crash costs min(bound, attempt timeout).
 */
export const DEFAULT_CRASH_BOUND_MS = 30_000;
/**
 * How long a finished job's result stays in Redis. A coordinator that crashed after a worker stored
 * a result and before the checkpointer did finds it there when it resumes within this time, and
 * does not run the task again. @default 86_400_000 (24 h)
 */
export const DEFAULT_KEEP_RESULTS_MS = 86_400_000;
/** The name every job carries (BullMQ's job name; the queue says which agent). */
export const AGENT_JOB_NAME = 'agent';

/**
 * The queue of one agent. BullMQ refuses ':' in a queue name (its key separator), so an id that has
 * one, or '%', is percent-encoded: distinct ids always give distinct queues.
 */
export function queueNameOf(agentId: string): string {
  return `agent.${agentId.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'))}`;
}

/**
 * The job of one attempt. Deterministic, so a coordinator that resumes after a crash and adds the
 * same attempt again gets the job already there (and its result, when it has one) instead of a
 * second run; a job retried after a worker's crash keeps it, and with it the idempotency key.
 * BullMQ refuses ':' in a job id, and the keys of a consensus task's voters and judge have one
 * (`<task key>:<voter>`), so the key is percent-encoded as in queueNameOf: distinct keys (and
 * attempts, after the last '.') always give distinct ids, and a key without ':' or '%' is kept as is.
 */
export function jobIdOf(idempotencyKey: string, attempt: number): string {
  return `${idempotencyKey.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'))}.${attempt}`;
}

/** The key that marks an attempt as given up by its coordinator (checked when a worker starts it). */
export function cancelKeyOf(prefix: string, queueName: string, jobId: string): string {
  return `${prefix}:no-cancel:${queueName}:${jobId}`;
}

/** The channel on which coordinators ask workers to stop an attempt they run now. */
export function cancelChannelOf(prefix: string): string {
  return `${prefix}:no-cancel`;
}

/** BullMQ worker settings that bring a crashed worker's job back within `crashBoundMs`. */
export interface StallSettings {
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
}

/**
 * A job is moved back to the queue by the stall check that runs after its lock has expired: when the
 * worker dies right after renewing its lock, that is up to `lockDuration + stalledInterval` later.
 * Half the bound each keeps the sum within it; the lock is renewed every `lockDuration / 2`.
 */
export function stallSettings(crashBoundMs: number = DEFAULT_CRASH_BOUND_MS): StallSettings {
  if (!Number.isInteger(crashBoundMs) || crashBoundMs < 1_000 || crashBoundMs > MAX_TIMER_MS) {
    throw new NoError('INVALID_NUMBER', `crashBoundMs must be an integer from 1000 to ${MAX_TIMER_MS}, got ${String(crashBoundMs)}`, {
      details: { crashBoundMs },
    });
  }
  const half = Math.floor(crashBoundMs / 2);
  // One stall is recovered; a job that kills a second worker fails, and the coordinator decides.
  return { lockDuration: half, stalledInterval: half, maxStalledCount: 1 };
}

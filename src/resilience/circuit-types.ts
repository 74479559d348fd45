import { z } from 'zod';
import { CircuitStateSchema, type CircuitState } from '../contracts/loop.js';
import type { Policy } from './policy.js';

/** @see CircuitBreakerOptions.failureThreshold */
export const DEFAULT_FAILURE_THRESHOLD = 5;
/** @see CircuitBreakerOptions.recoveryTimeoutMs */
export const DEFAULT_RECOVERY_TIMEOUT_MS = 30_000;
/** @see CircuitBreakerOptions.successThreshold */
export const DEFAULT_SUCCESS_THRESHOLD = 1;

export interface CircuitBreakerOptions {
  /** Consecutive failures that open a closed breaker. @default 5 */
  failureThreshold?: number;
  /** How long an open breaker fails fast before it lets a trial call through. @default 30000 */
  recoveryTimeoutMs?: number;
  /** Successful trials in half-open that close it again. @default 1 */
  successThreshold?: number;
  /** Scale the threshold by load: `max(1, floor(failureThreshold × (2 − load())))`. Needs `load`. @default false */
  adaptiveThreshold?: boolean;
  /** Current load in [0, 1] (values outside are clamped, NaN counts as 1); only read when adaptive. */
  load?: () => number;
  /** Clock in ms; inject one for tests. @default Date.now */
  now?: () => number;
  /**
   * Which errors count against the breaker.
   * @default transient and agent-fault failures (bad input and cancellation say nothing about the service)
   */
  isFailure?: (error: unknown) => boolean;
  /** Start from a persisted snapshot (see `snapshot()`); validated like `restore()`. */
  initial?: unknown;
}

export const CIRCUIT_BREAKER_SNAPSHOT_VERSION = 1 as const;

/**
 * A circuit breaker's durable state, so the loop can keep an agent's breaker across checkpoints and
 * restarts. `openedAt` is in the breaker's clock (`now()`, epoch ms by default).
 */
export const CircuitBreakerSnapshotSchema = z.object({
  version: z.literal(CIRCUIT_BREAKER_SNAPSHOT_VERSION),
  state: CircuitStateSchema,
  consecutiveFailures: z.number().int().nonnegative(),
  /** Successful trials so far in half-open. */
  halfOpenSuccesses: z.number().int().nonnegative(),
  /** When the breaker last opened; absent when it never did. */
  openedAt: z.number().nonnegative().optional(),
  /** Forced open by `isolate()`: stays open until `reset()`. */
  isolated: z.boolean(),
});
export type CircuitBreakerSnapshot = z.infer<typeof CircuitBreakerSnapshotSchema>;

export type CircuitStateChangeReason =
  | 'failures'
  | 'recovery-timeout'
  | 'trial-succeeded'
  | 'trial-failed'
  | 'isolated'
  | 'reset'
  | 'restored';

export interface CircuitStateChange {
  from: CircuitState;
  to: CircuitState;
  reason: CircuitStateChangeReason;
}

export interface CircuitBreaker extends Policy {
  /** Current state; an open breaker whose recovery time has passed reads as half-open. */
  readonly state: CircuitState;
  readonly consecutiveFailures: number;
  /** The failure threshold in force now (differs from the option when adaptive). */
  readonly threshold: number;
  /**
   * Listeners run synchronously after the state has changed. One that throws changes neither the
   * breaker nor the call that moved it: its error is rethrown on a microtask. @returns unsubscribe
   */
  onStateChange(listener: (change: CircuitStateChange) => void): () => void;
  /** Closes the breaker and forgets failures (also ends an isolation). */
  reset(): void;
  /** Forces the breaker open until `reset()`, e.g. to take an agent out of rotation. */
  isolate(): void;
  snapshot(): CircuitBreakerSnapshot;
  toJSON(): CircuitBreakerSnapshot;
  /** Replaces the state with a persisted snapshot; throws `NoError('INVALID_INPUT')` if it is malformed. */
  restore(snapshot: unknown): void;
}

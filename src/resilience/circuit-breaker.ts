import { NoError } from '../contracts/errors.js';
import { createListeners } from '../contracts/listeners.js';
import type { CircuitState } from '../contracts/loop.js';
import { abortError } from './abort.js';
import {
  CIRCUIT_BREAKER_SNAPSHOT_VERSION,
  CircuitBreakerSnapshotSchema,
  DEFAULT_FAILURE_THRESHOLD,
  DEFAULT_RECOVERY_TIMEOUT_MS,
  DEFAULT_SUCCESS_THRESHOLD,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerSnapshot,
  type CircuitStateChange,
  type CircuitStateChangeReason,
} from './circuit-types.js';
import { classifyFailure } from './classify.js';
import { invoke, neverAbortedSignal, requireNumber, type PolicyContext } from './policy.js';

function countsAsFailure(error: unknown): boolean {
  const kind = classifyFailure(error);
  return kind === 'transient' || kind === 'agent-fault';
}

/**
 * A circuit breaker: after `failureThreshold` consecutive failures it opens and fails fast with
 * `NoError('CIRCUIT_OPEN')`; after `recoveryTimeoutMs` it lets one trial call through at a time
 * (half-open); `successThreshold` successful trials close it, a failed one reopens it. Outcomes of
 * calls that started before the last state change are ignored, so a slow call from an earlier
 * period cannot close or reopen the breaker.
 *
 * @example
 * const breaker = circuitBreaker({ failureThreshold: 3, recoveryTimeoutMs: 10_000 });
 * breaker.onStateChange(({ from, to }) => log(`agent breaker ${from} -> ${to}`));
 * await breaker.execute(({ signal }) => agent.run(task, signal), runSignal);
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const failureThreshold = requireNumber('failureThreshold', options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD, {
    min: 1,
    integer: true,
  });
  const recoveryTimeoutMs = requireNumber(
    'recoveryTimeoutMs',
    options.recoveryTimeoutMs ?? DEFAULT_RECOVERY_TIMEOUT_MS,
    { min: 0 },
  );
  const successThreshold = requireNumber('successThreshold', options.successThreshold ?? DEFAULT_SUCCESS_THRESHOLD, {
    min: 1,
    integer: true,
  });
  // Only an adaptive breaker reads load; a load() passed without adaptiveThreshold is ignored.
  const load = options.adaptiveThreshold === true ? options.load : undefined;
  if (options.adaptiveThreshold === true && load === undefined) {
    throw new NoError('INVALID_INPUT', 'adaptiveThreshold needs a load() function', { details: { option: 'load' } });
  }
  const now = options.now ?? Date.now;
  const isFailure = options.isFailure ?? countsAsFailure;
  const changes = createListeners<CircuitStateChange>();

  let state: CircuitState = 'closed';
  let failures = 0;
  let successes = 0;
  let openedAt: number | undefined;
  let isolated = false;
  let trialInFlight = false;
  // Bumped on every state change; a call's outcome only counts in the period it started in.
  let generation = 0;

  function threshold(): number {
    if (load === undefined) return failureThreshold;
    const raw = load();
    const clamped = Number.isNaN(raw) ? 1 : Math.min(1, Math.max(0, raw));
    return Math.max(1, Math.floor(failureThreshold * (2 - clamped)));
  }

  function transition(to: CircuitState, reason: CircuitStateChangeReason): void {
    const from = state;
    generation++;
    trialInFlight = false;
    successes = 0;
    if (to === 'open') openedAt = now();
    if (to === 'closed') failures = 0;
    state = to;
    if (from === to) return;
    changes.emit({ from, to, reason });
  }

  function current(): CircuitState {
    if (state === 'open' && !isolated && now() - (openedAt ?? 0) >= recoveryTimeoutMs) {
      transition('half-open', 'recovery-timeout');
    }
    return state;
  }

  function openError(): NoError {
    const details: Record<string, unknown> = { state, isolated, consecutiveFailures: failures };
    // An isolated breaker has no retry time; a busy half-open one frees up when its trial ends.
    if (state === 'open' && !isolated) details['retryAfterMs'] = Math.max(0, (openedAt ?? 0) + recoveryTimeoutMs - now());
    const message = state === 'open' ? 'circuit is open' : 'circuit is half-open and a trial call is running';
    return new NoError('CIRCUIT_OPEN', message, { details });
  }

  function settle(started: number, error: { value: unknown } | undefined): void {
    if (started !== generation) return;
    if (state === 'half-open') trialInFlight = false;
    if (error === undefined) {
      if (state === 'closed') failures = 0;
      else if (++successes >= successThreshold) transition('closed', 'trial-succeeded');
      return;
    }
    // Errors that say nothing about the protected service (bad input, cancellation) change nothing.
    if (!isFailure(error.value)) return;
    failures++;
    if (state === 'half-open') transition('open', 'trial-failed');
    else if (failures >= threshold()) transition('open', 'failures');
  }

  function snapshot(): CircuitBreakerSnapshot {
    const shown = current();
    return {
      version: CIRCUIT_BREAKER_SNAPSHOT_VERSION,
      state: shown,
      consecutiveFailures: failures,
      halfOpenSuccesses: successes,
      ...(openedAt === undefined ? {} : { openedAt }),
      isolated,
    };
  }

  function restore(input: unknown): void {
    const parsed = CircuitBreakerSnapshotSchema.safeParse(input);
    if (!parsed.success) {
      throw new NoError('INVALID_INPUT', 'not a circuit breaker snapshot', {
        details: { issues: parsed.error.issues },
      });
    }
    const saved = parsed.data;
    const from = state;
    generation++;
    trialInFlight = false;
    state = saved.state;
    failures = saved.consecutiveFailures;
    successes = saved.halfOpenSuccesses;
    isolated = saved.isolated;
    openedAt = saved.openedAt ?? (saved.state === 'open' ? now() : undefined);
    if (from !== state) changes.emit({ from, to: state, reason: 'restored' });
  }

  if (options.initial !== undefined) restore(options.initial);

  return {
    get state() {
      return current();
    },
    get consecutiveFailures() {
      return failures;
    },
    get threshold() {
      return threshold();
    },
    execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (signal?.aborted) return Promise.reject(abortError(signal));
      const phase = current();
      if (phase === 'open' || (phase === 'half-open' && trialInFlight)) return Promise.reject(openError());
      if (phase === 'half-open') trialInFlight = true;
      const started = generation;
      return invoke(fn, { signal: signal ?? neverAbortedSignal(), attempt: 1 }).then(
        (value) => {
          settle(started, undefined);
          return value;
        },
        (error: unknown) => {
          settle(started, { value: error });
          throw error;
        },
      );
    },
    onStateChange: changes.on,
    reset() {
      isolated = false;
      transition('closed', 'reset');
    },
    isolate() {
      isolated = true;
      transition('open', 'isolated');
    },
    snapshot,
    toJSON: snapshot,
    restore,
  };
}

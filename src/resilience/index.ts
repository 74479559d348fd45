export { abortError, abortScope, anySignal, sleep, type AbortScope, type LinkedSignal } from './abort.js';
export {
  DEFAULT_BACKOFF_FACTOR,
  DEFAULT_INITIAL_DELAY_MS,
  DEFAULT_JITTER,
  DEFAULT_MAX_DELAY_MS,
  exponentialBackoff,
  type Backoff,
  type ExponentialBackoffOptions,
  type JitterKind,
} from './backoff.js';
export { DEFAULT_MAX_QUEUE, bulkhead, type Bulkhead, type BulkheadOptions } from './bulkhead.js';
export { circuitBreaker } from './circuit-breaker.js';
export {
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
export { BAD_INPUT_ERROR_CODES } from '../contracts/errors.js';
export { FATAL_ERROR_CODES, MAX_CAUSE_DEPTH, TRANSIENT_ERROR_CODES, classifyFailure } from './classify.js';
export { requireNumber, type NumberRule, type Policy, type PolicyContext } from './policy.js';
export { DEFAULT_MAX_ATTEMPTS, retry, type RetryInfo, type RetryOptions } from './retry.js';
export {
  compensateInReverse,
  saga,
  type CompensateOptions,
  type Compensation,
  type CompensationOutcome,
  type CompensationReport,
  type SagaResult,
  type SagaRunOptions,
  type SagaStep,
} from './saga.js';
export { MAX_TIMER_MS, timeout, type TimeoutOptions } from './timeout.js';
export { wrap } from './wrap.js';
export { checkGraceMs, DEFAULT_SERVER_CLOSE_GRACE_MS, graceOver, httpDrain, type HttpDrain, type HttpDrainCloseOptions, type ServerCloseOptions } from './graceful.js';

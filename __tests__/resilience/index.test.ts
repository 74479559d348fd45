import * as resilience from '../../src/resilience/index.js';

describe('resilience public surface', () => {
  it('exports exactly the documented runtime API', () => {
    expect(Object.keys(resilience).sort()).toEqual(
      [
        'BAD_INPUT_ERROR_CODES',
        'CIRCUIT_BREAKER_SNAPSHOT_VERSION',
        'CircuitBreakerSnapshotSchema',
        'DEFAULT_BACKOFF_FACTOR',
        'DEFAULT_FAILURE_THRESHOLD',
        'DEFAULT_INITIAL_DELAY_MS',
        'DEFAULT_JITTER',
        'DEFAULT_MAX_ATTEMPTS',
        'DEFAULT_MAX_DELAY_MS',
        'DEFAULT_MAX_QUEUE',
        'DEFAULT_RECOVERY_TIMEOUT_MS',
        'DEFAULT_SERVER_CLOSE_GRACE_MS',
        'DEFAULT_SUCCESS_THRESHOLD',
        'FATAL_ERROR_CODES',
        'MAX_CAUSE_DEPTH',
        'MAX_TIMER_MS',
        'TRANSIENT_ERROR_CODES',
        'abortError',
        'abortScope',
        'anySignal',
        'bulkhead',
        'checkGraceMs',
        'circuitBreaker',
        'classifyFailure',
        'compensateInReverse',
        'exponentialBackoff',
        'graceOver',
        'httpDrain',
        'requireNumber',
        'retry',
        'saga',
        'sleep',
        'timeout',
        'wrap',
      ].sort(),
    );
  });

  it('documents its defaults as constants matching the behaviour', () => {
    expect(resilience.DEFAULT_MAX_ATTEMPTS).toBe(3);
    expect(resilience.DEFAULT_INITIAL_DELAY_MS).toBe(100);
    expect(resilience.DEFAULT_MAX_DELAY_MS).toBe(30_000);
    expect(resilience.DEFAULT_BACKOFF_FACTOR).toBe(2);
    expect(resilience.DEFAULT_JITTER).toBe('full');
    expect(resilience.DEFAULT_FAILURE_THRESHOLD).toBe(5);
    expect(resilience.DEFAULT_RECOVERY_TIMEOUT_MS).toBe(30_000);
    expect(resilience.DEFAULT_SUCCESS_THRESHOLD).toBe(1);
    expect(resilience.DEFAULT_MAX_QUEUE).toBe(0);
    expect(resilience.DEFAULT_SERVER_CLOSE_GRACE_MS).toBe(0);
    expect(resilience.circuitBreaker().threshold).toBe(resilience.DEFAULT_FAILURE_THRESHOLD);
  });
});

import fc from 'fast-check';
import { NoError } from '../../src/contracts/errors';
import { fromAgentFailure, toAgentFailure } from '../../src/distribution/failure';
import { isJobResult } from '../../src/distribution/result';
import { DEFAULT_CRASH_BOUND_MS, jobIdOf, queueNameOf, stallSettings } from '../../src/distribution/names';
import { classifyFailure } from '../../src/resilience/classify';

describe('queue names', () => {
  it('never contain the key separator BullMQ refuses, and distinct agent ids give distinct queues', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(queueNameOf(a)).not.toContain(':');
        if (a !== b) expect(queueNameOf(a)).not.toBe(queueNameOf(b));
      }),
    );
    expect(queueNameOf('a:b')).not.toBe(queueNameOf('a%3Ab'));
  });
});

describe('job ids', () => {
  it('name one attempt: the same key and attempt give the same id, another attempt another id', () => {
    expect(jobIdOf('k', 1)).toBe(jobIdOf('k', 1));
    expect(jobIdOf('k', 1)).not.toBe(jobIdOf('k', 2));
    expect(jobIdOf('k', 1).startsWith('0:')).toBe(false);
  });

  it('hold no \':\' (BullMQ refuses it), keep distinct keys apart, and leave a plain key as it is', () => {
    // A consensus voter's key is '<task key>:<voter>', a judge's '<task key>:judge:<n>'.
    expect(jobIdOf('c91d:v1', 1)).toBe('c91d%3Av1.1');
    expect(jobIdOf('c91d389e', 2)).toBe('c91d389e.2');
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), (a, b, n, m) => {
        expect(jobIdOf(a, n).includes(':')).toBe(false);
        if (a !== b || n !== m) expect(jobIdOf(a, n)).not.toBe(jobIdOf(b, m));
      }),
    );
  });
});

describe('stall settings', () => {
  it('bring a crashed worker’s job back within the bound: lock duration plus stall interval never exceed it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000, max: 3_600_000 }), (bound) => {
        const s = stallSettings(bound);
        expect(s.lockDuration + s.stalledInterval).toBeLessThanOrEqual(bound);
        expect(s.lockDuration).toBeGreaterThan(0);
      }),
    );
    expect(stallSettings()).toEqual({ lockDuration: DEFAULT_CRASH_BOUND_MS / 2, stalledInterval: DEFAULT_CRASH_BOUND_MS / 2, maxStalledCount: 1 });
  });

  it.each([0, 999, 1.5, Number.NaN, 2 ** 31])('refuses a bound of %p with INVALID_NUMBER', (bound) => {
    expect(() => stallSettings(bound)).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER' }));
  });
});

describe('a failure sent from a worker', () => {
  const cases: Array<[string, unknown]> = [
    ['a transient network error', Object.assign(new Error('reset'), { code: 'ECONNRESET' })],
    ['a NoError TIMEOUT', new NoError('TIMEOUT', 'slow', { details: { timeoutMs: 5 } })],
    ['bad input', new NoError('INVALID_INPUT', 'bad')],
    ['an AbortError', Object.assign(new Error('stop'), { name: 'AbortError' })],
    ['a plain agent fault', new TypeError('boom')],
    ['a transient cause under a plain error', new Error('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) })],
    ['a thrown string', 'just text'],
  ];

  it.each(cases)('classifies as it did on the worker: %s', (_name, error) => {
    const sent = JSON.parse(JSON.stringify(toAgentFailure(error))) as unknown;
    const received = fromAgentFailure(sent);
    expect(classifyFailure(received)).toBe(classifyFailure(error));
    expect(received.message).toBe(error instanceof Error ? error.message : 'just text');
  });

  it('comes back as a NoError of the same code and details', () => {
    const received = fromAgentFailure(toAgentFailure(new NoError('TIMEOUT', 'slow', { details: { timeoutMs: 5 } })));
    expect(received).toBeInstanceOf(NoError);
    expect(received).toMatchObject({ code: 'TIMEOUT', details: { timeoutMs: 5 } });
  });

  it('keeps a foreign code and the error name', () => {
    expect(fromAgentFailure(toAgentFailure(new RangeError('r')))).toMatchObject({ name: 'RangeError' });
    expect(fromAgentFailure(toAgentFailure(Object.assign(new Error('e'), { code: 'E_CUSTOM' })))).toMatchObject({ code: 'E_CUSTOM' });
  });

  it('that cannot be read is an INTERNAL_ERROR agent fault', () => {
    const received = fromAgentFailure({ nonsense: true });
    expect(received).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(classifyFailure(received)).toBe('agent-fault');
  });
});

describe('job results', () => {
  it('are told apart from anything else a job might return', () => {
    expect(isJobResult({ ok: true, output: 1 })).toBe(true);
    expect(isJobResult({ ok: true })).toBe(true);
    expect(isJobResult({ ok: false, error: { message: 'x' } })).toBe(true);
    expect(isJobResult({ ok: false })).toBe(false);
    expect(isJobResult(null)).toBe(false);
    expect(isJobResult('x')).toBe(false);
  });
});

import { runInNewContext } from 'node:vm';
import { z } from 'zod';
import { formatPath, isNoError, NoError, parseWith, toError } from '../../src/contracts/index';

describe('NoError', () => {
  it('carries a code, details and cause, and serialises to JSON', () => {
    const cause = new Error('root');
    const err = new NoError('CYCLE_DETECTED', 'cycle a -> a', { details: { cycle: ['a', 'a'] }, cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.cause).toBe(cause);
    expect(err.toJSON()).toEqual({ name: 'NoError', code: 'CYCLE_DETECTED', message: 'cycle a -> a', details: { cycle: ['a', 'a'] } });
    expect(new NoError('TIMEOUT', 't').details).toEqual({});
  });

  it('is recognised by isNoError, optionally by code', () => {
    const err = new NoError('TIMEOUT', 'late');
    expect(isNoError(err)).toBe(true);
    expect(isNoError(err, 'TIMEOUT')).toBe(true);
    expect(isNoError(err, 'ABORTED')).toBe(false);
    expect(isNoError(new Error('x'))).toBe(false);
  });
});

describe('toError', () => {
  it('keeps Errors and wraps anything else without losing its text', () => {
    const e = new RangeError('r');
    expect(toError(e)).toBe(e);
    expect(toError('boom').message).toBe('boom');
    expect(toError({ code: 7 }).message).toBe('non-Error thrown: {"code":7}');
    expect(toError(undefined).message).toBe('non-Error thrown: undefined');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(toError(cyclic).message).toBe('non-Error thrown: [object Object]');
  });

  it("keeps an Error from another realm (a vm context) with its own message", () => {
    const foreign: unknown = runInNewContext("new TypeError('fetch failed')");
    expect(foreign instanceof Error).toBe(false);
    expect(toError(foreign)).toBe(foreign);
    expect(toError(foreign).message).toBe('fetch failed');
  });
});

describe('parseWith', () => {
  it('formats nested paths with indices', () => {
    expect(formatPath(['tasks', 2, 'dependsOn', 0])).toBe('tasks[2].dependsOn[0]');
    expect(formatPath([])).toBe('');
  });

  it('throws the requested code and names the value when the root is wrong', () => {
    expect(() => parseWith(z.string(), 3, { code: 'INVALID_INPUT' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/^invalid input: /) }),
    );
  });
});

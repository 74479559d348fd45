import { z } from 'zod';
import { NoError } from '../../src/contracts/errors.js';
import type { FailureClass } from '../../src/contracts/loop.js';
import { classifyFailure } from '../../src/resilience/classify.js';

const withFields = (fields: Record<string, unknown>, message = 'x'): Error => Object.assign(new Error(message), fields);
const zodError = ((): unknown => {
  const parsed = z.object({ a: z.string() }).safeParse({ a: 1 });
  return parsed.success ? undefined : parsed.error;
})();

describe('classifyFailure', () => {
  it.each<[string, unknown, FailureClass]>([
    // bad input
    ['NoError INVALID_INPUT', new NoError('INVALID_INPUT', 'bad'), 'bad-input'],
    ['NoError INVALID_REQUEST', new NoError('INVALID_REQUEST', 'bad'), 'bad-input'],
    ['a real ZodError', zodError, 'bad-input'],
    ['an error named ZodError', withFields({ name: 'ZodError' }), 'bad-input'],
    ['classification bad-input', withFields({ classification: 'bad-input' }), 'bad-input'],
    // transient
    ['NoError TIMEOUT', new NoError('TIMEOUT', 'slow'), 'transient'],
    ['NoError RATE_LIMITED', new NoError('RATE_LIMITED', 'slow down'), 'transient'],
    ['ECONNRESET', withFields({ code: 'ECONNRESET' }), 'transient'],
    ['ETIMEDOUT', withFields({ code: 'ETIMEDOUT' }), 'transient'],
    ['ECONNREFUSED', withFields({ code: 'ECONNREFUSED' }), 'transient'],
    ['EAI_AGAIN', withFields({ code: 'EAI_AGAIN' }), 'transient'],
    ['EPIPE', withFields({ code: 'EPIPE' }), 'transient'],
    ['HTTP 408 on status', withFields({ status: 408 }), 'transient'],
    ['HTTP 429 on status', withFields({ status: 429 }), 'transient'],
    ['HTTP 500 on status', withFields({ status: 500 }), 'transient'],
    ['HTTP 503 on statusCode', withFields({ statusCode: 503 }), 'transient'],
    ['HTTP 599 on status', withFields({ status: 599 }), 'transient'],
    ['retryable: true', withFields({ retryable: true }), 'transient'],
    ['AbortSignal.timeout error', withFields({ name: 'TimeoutError' }), 'transient'],
    ['a plain object with a network code', { code: 'ECONNRESET' }, 'transient'],
    // fatal
    ['NoError ABORTED', new NoError('ABORTED', 'cancelled'), 'fatal'],
    ['a DOM AbortError', withFields({ name: 'AbortError' }), 'fatal'],
    ['classification fatal', withFields({ classification: 'fatal' }), 'fatal'],
    // agent fault
    ['a plain Error', new Error('agent broke'), 'agent-fault'],
    ['HTTP 400', withFields({ status: 400 }), 'agent-fault'],
    ['HTTP 404 on statusCode', withFields({ statusCode: 404 }), 'agent-fault'],
    ['HTTP 600', withFields({ status: 600 }), 'agent-fault'],
    ['status as a string', withFields({ status: '503' }), 'agent-fault'],
    ['retryable: false', withFields({ retryable: false }), 'agent-fault'],
    ['an unknown code', withFields({ code: 'ENOENT' }), 'agent-fault'],
    ['NoError CIRCUIT_OPEN', new NoError('CIRCUIT_OPEN', 'open'), 'agent-fault'],
    ['a thrown string', 'boom', 'agent-fault'],
    ['undefined', undefined, 'agent-fault'],
    ['null', null, 'agent-fault'],
    ['a number', 42, 'agent-fault'],
    ['a plain object', { foo: 1 }, 'agent-fault'],
    ['an unknown classification value', withFields({ classification: 'weird' }), 'agent-fault'],
  ])('%s -> %s', (_label, error, expected) => {
    expect(classifyFailure(error)).toBe(expected);
  });

  it.each<[string, unknown, FailureClass]>([
    ['a TIMEOUT marked fatal', Object.assign(new NoError('TIMEOUT', 'slow'), { classification: 'fatal' }), 'fatal'],
    ['an ABORTED marked transient', Object.assign(new NoError('ABORTED', 'x'), { classification: 'transient' }), 'transient'],
    ['a 503 marked bad-input', withFields({ status: 503, classification: 'bad-input' }), 'bad-input'],
    ['a plain object marked transient', { classification: 'transient' }, 'transient'],
    ['a plain Error marked agent-fault', withFields({ code: 'ECONNRESET', classification: 'agent-fault' }), 'agent-fault'],
  ])('an explicit classification wins: %s -> %s', (_label, error, expected) => {
    expect(classifyFailure(error)).toBe(expected);
  });
});

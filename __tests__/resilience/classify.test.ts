import { z } from 'zod';
import { NoError } from '../../src/contracts/errors.js';
import type { FailureClass } from '../../src/contracts/loop.js';
import { classifyFailure, MAX_CAUSE_DEPTH } from '../../src/resilience/classify.js';
import { closedPortUrl, httpServer, rejection } from '../helpers/network';

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

  describe('an error that says nothing itself is judged by its causes', () => {
    const fetchFailed = (cause: unknown): Error => new TypeError('fetch failed', { cause });
    const chain = (depth: number, bottom: unknown): unknown =>
      depth === 0 ? bottom : new Error(`wrapper ${depth}`, { cause: chain(depth - 1, bottom) });

    it.each<[string, unknown, FailureClass]>([
      ['fetch failed, cause ECONNREFUSED', fetchFailed(withFields({ code: 'ECONNREFUSED' })), 'transient'],
      ['fetch failed, cause ENOTFOUND', fetchFailed(withFields({ code: 'ENOTFOUND' })), 'transient'],
      ['fetch failed, cause ETIMEDOUT', fetchFailed(withFields({ code: 'ETIMEDOUT' })), 'transient'],
      ['fetch failed, cause ECONNRESET', fetchFailed(withFields({ code: 'ECONNRESET' })), 'transient'],
      ['fetch failed, cause EAI_AGAIN', fetchFailed(withFields({ code: 'EAI_AGAIN' })), 'transient'],
      ['fetch failed, cause UND_ERR_CONNECT_TIMEOUT', fetchFailed(withFields({ code: 'UND_ERR_CONNECT_TIMEOUT' })), 'transient'],
      ['fetch failed, cause UND_ERR_SOCKET', fetchFailed(withFields({ code: 'UND_ERR_SOCKET' })), 'transient'],
      ['fetch failed, cause UND_ERR_BODY_TIMEOUT', fetchFailed(withFields({ code: 'UND_ERR_BODY_TIMEOUT' })), 'transient'],
      ['a refused connection two levels down', new Error('tool failed', { cause: fetchFailed(withFields({ code: 'ECONNREFUSED' })) }), 'transient'],
      [
        'an AggregateError of refused addresses (Happy Eyeballs)',
        fetchFailed(new AggregateError([withFields({ code: 'ECONNREFUSED' }), withFields({ code: 'ECONNREFUSED' })], 'all failed')),
        'transient',
      ],
      ['an AggregateError with one recognised error', new AggregateError([new Error('?'), withFields({ code: 'ETIMEDOUT' })]), 'transient'],
      ['a cause chain as deep as the bound', chain(MAX_CAUSE_DEPTH, withFields({ code: 'ECONNRESET' })), 'transient'],
      ['HTTP 429 on response.status', withFields({ response: { status: 429 } }), 'transient'],
      ['HTTP 503 on response.status', withFields({ response: { status: 503 } }), 'transient'],
      ['HTTP 503 on response.statusCode', withFields({ response: { statusCode: 503 } }), 'transient'],
      ['an HTTP 429 as the cause', new Error('model call failed', { cause: withFields({ status: 429 }) }), 'transient'],
      ['a cancellation as the cause', new Error('step failed', { cause: withFields({ name: 'AbortError' }) }), 'fatal'],
      ['a refused address beside a cancelled one', new AggregateError([withFields({ code: 'ECONNREFUSED' }), withFields({ name: 'AbortError' })]), 'fatal'],
      ['a bad input beside a timeout', new AggregateError([withFields({ code: 'ETIMEDOUT' }), new NoError('INVALID_INPUT', 'bad')]), 'bad-input'],
    ])('%s -> %s', (_label, error, expected) => {
      expect(classifyFailure(error)).toBe(expected);
    });

    it.each<[string, unknown, FailureClass]>([
      ['a cause chain deeper than the bound', chain(MAX_CAUSE_DEPTH + 1, withFields({ code: 'ECONNRESET' })), 'agent-fault'],
      ['a cause that says nothing either', fetchFailed(new Error('no code')), 'agent-fault'],
      ['a cause that is not an object', fetchFailed('ECONNREFUSED'), 'agent-fault'],
      ['HTTP 404 on response.status', withFields({ response: { status: 404 } }), 'agent-fault'],
      ['a response that is not an object', withFields({ response: 503 }), 'agent-fault'],
      ['an empty AggregateError', new AggregateError([]), 'agent-fault'],
    ])('%s -> %s', (_label, error, expected) => {
      expect(classifyFailure(error)).toBe(expected);
    });

    it('stops on a cause cycle', () => {
      const a = new Error('a');
      const b = new Error('b', { cause: a });
      (a as { cause?: unknown }).cause = b;
      expect(classifyFailure(a)).toBe('agent-fault');
    });

    it('lets what the error says about itself win over its causes', () => {
      // The loop's cancellation keeps the abort reason as its cause: a run stopped by a timeout is still over.
      expect(classifyFailure(new NoError('ABORTED', 'run cancelled', { cause: withFields({ name: 'TimeoutError' }) }))).toBe('fatal');
      expect(classifyFailure(withFields({ classification: 'agent-fault', cause: withFields({ code: 'ECONNREFUSED' }) }))).toBe('agent-fault');
      expect(classifyFailure(new NoError('INVALID_INPUT', 'bad', { cause: withFields({ status: 503 }) }))).toBe('bad-input');
    });
  });

  describe('real errors from fetch and AbortSignal', () => {
    it('a refused connection (fetch to a port just closed) is transient', async () => {
      const url = await closedPortUrl();
      const error = await rejection(() => fetch(url));
      expect(error).toMatchObject({ name: 'TypeError', cause: { code: 'ECONNREFUSED' } });
      expect(classifyFailure(error)).toBe('transient');
    });

    it('a fetch stopped by AbortSignal.timeout is transient', async () => {
      const server = await httpServer(); // accepts, never answers
      try {
        const error = await rejection(() => fetch(server.url, { signal: AbortSignal.timeout(1) }));
        expect(error).toMatchObject({ name: 'TimeoutError' });
        expect(classifyFailure(error)).toBe('transient');
      } finally {
        await server.close();
      }
    });

    it('a fetch cancelled through its signal is fatal, whether or not the abort has a reason', async () => {
      const server = await httpServer();
      try {
        const plain = new AbortController();
        const cancelled = rejection(() => fetch(server.url, { signal: plain.signal }));
        plain.abort();
        expect(classifyFailure(await cancelled)).toBe('fatal');

        const withReason = new AbortController();
        const stopped = rejection(() => fetch(server.url, { signal: withReason.signal }));
        withReason.abort(new NoError('ABORTED', 'run cancelled'));
        expect(classifyFailure(await stopped)).toBe('fatal');
      } finally {
        await server.close();
      }
    });
  });
});

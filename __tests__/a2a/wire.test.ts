import { A2A_PROTOCOL_VERSION as SDK_PROTOCOL_VERSION, AGENT_CARD_PATH as SDK_CARD_PATH, Role, TaskState } from './fixtures/sdk';
import {
  A2ARemoteError,
  agentCardUrl,
  agentIdFromName,
  buildAgentCard,
  classifyingFetch,
  isA2ARemoteError,
  partsToValue,
  stateName,
  valueToParts,
  A2A_AGENT_EXTENSION_URI,
} from '../../src/a2a/index';
import { A2A_PROTOCOL_VERSION, AGENT_CARD_PATH, ROLE, TASK_STATE, loadA2ASdk } from '../../src/a2a/sdk';
import { toJsonValue } from '../../src/a2a/parts';
import { isNoError } from '../../src/contracts/index';
import { classifyFailure } from '../../src/resilience/index';
import { PACKAGE_VERSION } from '../../src/version';
import { thrown } from '../helpers/errors';
import { rejection } from './helpers';
import type { Part } from './fixtures/sdk';

jest.mock('jose', () => jest.requireActual('./fixtures/jose-stub'));

const text = (value: string, mediaType = 'text/plain'): Part => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType });
const data = (value: unknown): Part => ({ content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: 'application/json' });

describe('the protocol constants nO keeps so the SDK loads only when used', () => {
  it('match the SDK', async () => {
    expect(A2A_PROTOCOL_VERSION).toBe(SDK_PROTOCOL_VERSION);
    expect(AGENT_CARD_PATH).toBe(SDK_CARD_PATH);
    expect(TASK_STATE).toEqual({
      unspecified: TaskState.TASK_STATE_UNSPECIFIED,
      submitted: TaskState.TASK_STATE_SUBMITTED,
      working: TaskState.TASK_STATE_WORKING,
      completed: TaskState.TASK_STATE_COMPLETED,
      failed: TaskState.TASK_STATE_FAILED,
      canceled: TaskState.TASK_STATE_CANCELED,
      inputRequired: TaskState.TASK_STATE_INPUT_REQUIRED,
      rejected: TaskState.TASK_STATE_REJECTED,
      authRequired: TaskState.TASK_STATE_AUTH_REQUIRED,
    });
    expect(ROLE).toEqual({ user: Role.ROLE_USER, agent: Role.ROLE_AGENT });
  });

  it('loads the SDK once and shares it', async () => {
    const first = await loadA2ASdk();
    expect(await loadA2ASdk()).toBe(first);
    expect(typeof first.server.DefaultRequestHandler).toBe('function');
  });

  it('names task states the v0.3 way, and unknown numbers as unknown', () => {
    expect(stateName(TaskState.TASK_STATE_INPUT_REQUIRED)).toBe('input-required');
    expect(stateName(undefined)).toBe('unspecified');
    expect(stateName(42 as TaskState)).toBe('unknown');
  });
});

describe('parts to values and back', () => {
  it('turns a string into one text part and anything else into one JSON data part', () => {
    expect(valueToParts('hi', 'x', 'INVALID_INPUT')).toEqual([text('hi')]);
    expect(valueToParts({ a: [1, 2] }, 'x', 'INVALID_INPUT')).toEqual([data({ a: [1, 2] })]);
    expect(valueToParts(undefined, 'x', 'INVALID_INPUT')).toEqual([data(null)]);
    expect(valueToParts(new Date(0), 'x', 'INVALID_INPUT')).toEqual([data('1970-01-01T00:00:00.000Z')]);
  });

  it('refuses a value JSON cannot carry with a typed error of the given code', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(thrown(() => valueToParts(cyclic, 'task input', 'INVALID_INPUT'))).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^task input is not JSON-serializable/) });
    expect(thrown(() => toJsonValue(10n, 'output', 'TASK_FAILED'))).toMatchObject({ code: 'TASK_FAILED' });
    expect(thrown(() => toJsonValue(() => 1, 'output', 'TASK_FAILED')).message).toMatch(/function has no JSON form/);
  });

  it('reads one data part as its data, several as an array, text parts as their joined text', () => {
    expect(partsToValue([data({ n: 1 })], 'm')).toEqual({ n: 1 });
    expect(partsToValue([data(1), data('two')], 'm')).toEqual([1, 'two']);
    expect(partsToValue([text('a'), text('b')], 'm')).toBe('a\nb');
  });

  it('reads JSON-typed text as data and a JSON part without content as null (protobuf drops null)', () => {
    expect(partsToValue([text('{"x":[1]}', 'application/json')], 'm')).toEqual({ x: [1] });
    expect(partsToValue([{ content: undefined, metadata: undefined, filename: '', mediaType: 'application/json' }], 'm')).toBeNull();
    expect(partsToValue([{ content: { $case: 'data', value: undefined }, metadata: undefined, filename: '', mediaType: '' }], 'm')).toBeNull();
  });

  it.each([
    ['no parts', [], /^message has no parts$/],
    ['a part without content', [{ content: undefined, metadata: undefined, filename: '', mediaType: 'text/plain' }], /part 0 has no content/],
    ['a file part', [{ content: { $case: 'url', value: 'https://x/y.png' }, metadata: undefined, filename: 'y.png', mediaType: 'image/png' }], /part 0 is a file \(url\)/],
    ['text and data together', [text('a'), data(1)], /mixes text and data parts/],
    ['unparseable JSON text', [text('{', 'application/json')], /part 0 is declared application\/json but is not valid JSON/],
  ] as Array<[string, Part[], RegExp]>)('refuses %s with INVALID_INPUT', (_name, parts, message) => {
    const error = thrown(() => partsToValue(parts, 'message'));
    expect(isNoError(error, 'INVALID_INPUT')).toBe(true);
    expect(error.message).toMatch(message);
  });
});

describe('the agent card of a served pool agent', () => {
  const agent = { id: 'calc', capabilities: ['math', 'sum'], maxConcurrency: 3, metadata: { team: 'numbers', fn: () => 1 }, run: () => 1 };

  it('has a skill per capability, streaming on, the JSON-RPC interface and an nO extension', () => {
    const card = buildAgentCard(agent, 'http://h:1/a2a');
    expect(card).toMatchObject({ name: 'calc', version: PACKAGE_VERSION, description: "nO agent 'calc' (math, sum)." });
    expect(card.skills.map((s) => [s.id, s.tags])).toEqual([['math', ['math']], ['sum', ['sum']]]);
    expect(card.capabilities).toMatchObject({ streaming: true, pushNotifications: false });
    expect(card.supportedInterfaces).toEqual([
      { url: 'http://h:1/a2a', protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
      { url: 'http://h:1/a2a', protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '0.3' },
    ]);
    expect(buildAgentCard(agent, 'u', { legacyV03: false }).supportedInterfaces).toHaveLength(1);
    expect(card.capabilities?.extensions[0]).toMatchObject({
      uri: A2A_AGENT_EXTENSION_URI,
      required: false,
      params: { agentId: 'calc', capabilities: ['math', 'sum'], maxConcurrency: 3, metadata: { team: 'numbers' } },
    });
  });

  it('takes name, description and version from options, else the description from metadata', () => {
    expect(buildAgentCard(agent, 'u', { name: 'Calc', description: 'd', version: '9' })).toMatchObject({ name: 'Calc', description: 'd', version: '9' });
    expect(buildAgentCard({ ...agent, metadata: { description: 'adds' } }, 'u').description).toBe('adds');
    const unserializable: Record<string, unknown> = {};
    unserializable['self'] = unserializable;
    const card = buildAgentCard({ ...agent, maxConcurrency: undefined, metadata: unserializable }, 'u');
    expect(card.capabilities?.extensions[0]?.params).toMatchObject({ maxConcurrency: 1, metadata: {} });
  });
});

describe('remote agent ids and card URLs', () => {
  it('derives a readable id from the card name', () => {
    expect(agentIdFromName('Remote Summarizer (v2)!')).toBe('remote-summarizer-v2');
    expect(agentIdFromName('***')).toBe('a2a-agent');
    expect(agentIdFromName('x'.repeat(300))).toHaveLength(256);
  });

  it('finds the card under a base URL, with or without a path, and keeps a card URL as given', () => {
    expect(agentCardUrl('http://h:1')).toBe('http://h:1/.well-known/agent-card.json');
    expect(agentCardUrl('http://h:1/agents/sum')).toBe('http://h:1/agents/sum/.well-known/agent-card.json');
    expect(agentCardUrl('http://h:1/cards/sum.json')).toBe('http://h:1/cards/sum.json');
    expect(thrown(() => agentCardUrl('not a url'))).toMatchObject({ code: 'INVALID_REQUEST' });
  });
});

describe('classifyingFetch', () => {
  const answering = (status: number): typeof fetch => async () => new Response('body', { status });

  it('passes answers through, and turns 408, 429 and 5xx into transient typed errors', async () => {
    expect((await classifyingFetch(answering(404))('http://h/x')).status).toBe(404);
    for (const [status, code] of [[503, 'TASK_FAILED'], [429, 'RATE_LIMITED'], [408, 'TIMEOUT'], [504, 'TIMEOUT']] as const) {
      const error = await rejection(classifyingFetch(answering(status))(new Request('http://h/x')));
      expect(error).toMatchObject({ code, classification: 'transient', details: { url: 'http://h/x', status } });
      expect(classifyFailure(error)).toBe('transient');
    }
  });

  it('turns a refused connection into a transient error naming the cause', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    const error = await rejection(classifyingFetch(() => Promise.reject(refused))('http://h/x'));
    expect(isA2ARemoteError(error)).toBe(true);
    expect(error).toBeInstanceOf(A2ARemoteError);
    expect(error).toMatchObject({ name: 'A2ARemoteError', classification: 'transient', details: { url: 'http://h/x', errorCode: 'ECONNREFUSED' } });
    expect(error.message).toBe('A2A peer unreachable at http://h/x: connect ECONNREFUSED');
    const bare = await rejection(classifyingFetch(() => Promise.reject(new Error('socket hang up')))('http://h/x'));
    expect(bare).toMatchObject({ message: 'A2A peer unreachable at http://h/x: socket hang up', details: { url: 'http://h/x' } });
  });

  it('is a NoError with its own name and classification, with or without details', () => {
    const cause = new Error('root');
    const error = new A2ARemoteError('TASK_FAILED', 'x', { classification: 'agent-fault', cause });
    expect(error).toMatchObject({ name: 'A2ARemoteError', code: 'TASK_FAILED', details: {}, classification: 'agent-fault', cause });
    expect(isNoError(error, 'TASK_FAILED')).toBe(true);
    expect(new A2ARemoteError('TIMEOUT', 'y', { classification: 'transient' }).cause).toBeUndefined();
  });

  it('leaves an abort an abort', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const error = await rejection(classifyingFetch(() => Promise.reject(controller.signal.reason))('http://h/x', { signal: controller.signal }));
    expect(isA2ARemoteError(error)).toBe(false);
    expect(error.message).toBe('stop');
  });
});

import { setup, flush, rejection, deferred } from './helpers';
import type { DeliveredMessage } from '../../src/contracts/network';
import { isNoError } from '../../src/contracts/errors';
import { encodeSignedMessage } from '../../src/network/canonical';

describe('direct messages', () => {
  it('hands a message to the recipient subscriber at once, signed and enveloped', async () => {
    const { network } = setup(['agent-1', 'agent-2']);
    const got: DeliveredMessage[] = [];
    const envelopes: unknown[] = [];
    network.subscribeToAgent('agent-2', (m, e) => {
      got.push(m);
      envelopes.push(e);
    });
    const sent = await network.sendMessage('agent-1', 'agent-2', { type: 'hello', payload: { n: 1 }, correlationId: 'c-1' });
    expect(got).toHaveLength(1);
    expect(got[0]).toEqual(sent);
    expect(got[0]).toMatchObject({ from: 'agent-1', to: 'agent-2', type: 'hello', payload: { n: 1 } });
    expect(envelopes[0]).toMatchObject({ specversion: '1.0', id: sent.id, type: 'no.message.direct', correlationId: 'c-1', source: 'urn:no:agent:agent-1' });
    await flush();
    expect((await network.getNetworkStatus()).delivered).toBe(1);
  });

  it('keeps messages in the mailbox until pulled with receive', async () => {
    const { network } = setup(['a', 'b']);
    for (let i = 0; i < 3; i++) await network.sendMessage('a', 'b', { type: 't', payload: i });
    expect((await network.getNetworkStatus()).queuedByAgent).toEqual({ b: 3 });
    expect((await network.receive('b', { max: 2 })).map((m) => m.payload)).toEqual([0, 1]);
    expect((await network.receive('b')).map((m) => m.payload)).toEqual([2]);
    expect(await network.receive('nobody')).toEqual([]);
    expect((await network.getNetworkStatus()).queued).toBe(0);
  });

  it('hands one message at a time and removes it only when the handler resolves', async () => {
    const { network } = setup(['a', 'b']);
    const gate = deferred();
    const seen: unknown[] = [];
    network.subscribeToAgent('b', async (m) => {
      seen.push(m.payload);
      if (m.payload === 0) await gate.promise;
    });
    await network.sendMessage('a', 'b', { type: 't', payload: 0 });
    await network.sendMessage('a', 'b', { type: 't', payload: 1 });
    await flush();
    expect(seen).toEqual([0]);
    expect((await network.getNetworkStatus()).queued).toBe(2);
    gate.resolve();
    await flush();
    expect(seen).toEqual([0, 1]);
    expect((await network.getNetworkStatus()).queued).toBe(0);
  });

  it('gives each message to every mailbox handler and stops after unsubscribe', async () => {
    const { network } = setup(['a', 'b']);
    const one: unknown[] = [];
    const two: unknown[] = [];
    const off = network.subscribeToAgent('b', (m) => void one.push(m.payload));
    network.subscribeToAgent('b', (m) => void two.push(m.payload));
    await network.sendMessage('a', 'b', { type: 't', payload: 1 });
    await flush();
    off();
    await network.sendMessage('a', 'b', { type: 't', payload: 2 });
    await flush();
    expect(one).toEqual([1]);
    expect(two).toEqual([1, 2]);
  });

  it('reports a failing handler, audits it and moves on to the next message', async () => {
    const { network } = setup(['a', 'b']);
    const errors: unknown[] = [];
    const offError = network.onError((e) => errors.push(e));
    const seen: unknown[] = [];
    network.subscribeToAgent('b', (m) => {
      seen.push(m.payload);
      if (m.payload === 1) throw new Error('boom');
      if (m.payload === 3) return Promise.reject('plain string');
    });
    await network.sendMessage('a', 'b', { type: 't', payload: 1 });
    await network.sendMessage('a', 'b', { type: 't', payload: 2 });
    await network.sendMessage('a', 'b', { type: 't', payload: 3 });
    await flush();
    offError();
    expect(seen).toEqual([1, 2, 3]);
    expect(errors).toEqual([new Error('boom'), 'plain string']);
    const status = await network.getNetworkStatus();
    expect(status).toMatchObject({ handlerErrors: 2, delivered: 1, queued: 0 });
    expect(network.audit.entries().some((e) => e.action === 'message.handle' && e.outcome === 'failure')).toBe(true);
  });

  it('rejects an unknown recipient with AGENT_NOT_FOUND and bad input with INVALID_INPUT', async () => {
    const { network } = setup(['a']);
    expect((await rejection(network.sendMessage('a', 'ghost', { type: 't', payload: 1 }))).code).toBe('AGENT_NOT_FOUND');
    expect((await rejection(network.sendMessage('a', 'bad id!', { type: 't', payload: 1 }))).code).toBe('INVALID_INPUT');
    expect((await rejection(network.sendMessage('a', 'a', { type: '', payload: 1 }))).code).toBe('INVALID_INPUT');
    expect(() => network.subscribeToAgent('bad id!', () => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('signs the payload as JSON, so the receiver sees exactly what was signed', async () => {
    const { network } = setup(['a', 'b']);
    const sent = await network.sendMessage('a', 'b', { type: 't', payload: { when: new Date(0), skip: undefined, list: [undefined] } });
    expect(sent.payload).toEqual({ when: '1970-01-01T00:00:00.000Z', list: [null] });
    const none = await network.sendMessage('a', 'b', { type: 't', payload: undefined });
    expect(none.payload).toBeUndefined();
    // JSON has no undefined: a message without a payload travels without the field, and is admitted so.
    const bare = network.sign('a', { to: 'b' }, { type: 't', payload: undefined });
    expect(encodeSignedMessage(bare)).not.toContain('payload');
    await expect(network.deliver(encodeSignedMessage(bare))).resolves.toBeUndefined();
  });
});

describe('backpressure', () => {
  it('fails at once with MAILBOX_FULL when asked to', async () => {
    const { network } = setup(['a', 'b'], { mailboxCapacity: 2 });
    await network.sendMessage('a', 'b', { type: 't', payload: 1 });
    await network.sendMessage('a', 'b', { type: 't', payload: 2 });
    const error = await rejection(network.sendMessage('a', 'b', { type: 't', payload: 3 }, { onFull: 'fail' }));
    expect(isNoError(error, 'MAILBOX_FULL')).toBe(true);
    expect((await network.getNetworkStatus()).queued).toBe(2);
  });

  it('makes the sender wait for room, in send order, and never holds more than capacity', async () => {
    const { network } = setup(['a', 'b'], { mailboxCapacity: 1 });
    await network.sendMessage('a', 'b', { type: 't', payload: 1 });
    const second = network.sendMessage('a', 'b', { type: 't', payload: 2 });
    const third = network.sendMessage('a', 'b', { type: 't', payload: 3 });
    await flush();
    expect((await network.getNetworkStatus()).waitingSenders).toBe(2);
    const got: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      got.push(...(await network.receive('b')).map((m) => m.payload));
      expect((await network.getNetworkStatus()).queued).toBeLessThanOrEqual(1);
      await flush();
    }
    await Promise.all([second, third]);
    expect(got).toEqual([1, 2, 3]);
  });

  it('gives up waiting with TIMEOUT or ABORTED and leaves nothing behind', async () => {
    const { network } = setup(['a', 'b'], { mailboxCapacity: 1 });
    await network.sendMessage('a', 'b', { type: 't', payload: 1 });
    expect((await rejection(network.sendMessage('a', 'b', { type: 't', payload: 2 }, { timeoutMs: 5 }))).code).toBe('TIMEOUT');
    const controller = new AbortController();
    const aborted = network.sendMessage('a', 'b', { type: 't', payload: 3 }, { signal: controller.signal });
    controller.abort();
    expect((await rejection(aborted)).code).toBe('ABORTED');
    expect((await rejection(network.sendMessage('a', 'b', { type: 't', payload: 4 }, { signal: controller.signal }))).code).toBe('ABORTED');
    expect((await network.receive('b')).map((m) => m.payload)).toEqual([1]);
    expect((await network.getNetworkStatus()).waitingSenders).toBe(0);
  });

  it('fails waiting senders with ABORTED when the network closes', async () => {
    const { network } = setup(['a', 'b'], { mailboxCapacity: 1 });
    const topicFull = network.subscribe('news', () => new Promise(() => undefined), { capacity: 1 });
    await network.sendMessage('a', 'b', { type: 't', payload: 1 });
    const waiting = network.sendMessage('a', 'b', { type: 't', payload: 2 });
    await network.broadcast('a', { topic: 'news', type: 't', payload: 1 });
    const waitingBroadcast = network.broadcast('a', { topic: 'news', type: 't', payload: 2 });
    network.close();
    expect((await rejection(waiting)).code).toBe('ABORTED');
    expect((await rejection(waitingBroadcast)).code).toBe('ABORTED');
    expect((await rejection(network.sendMessage('a', 'b', { type: 't', payload: 3 }))).code).toBe('ABORTED');
    topicFull();
  });

  it('rejects a mailbox capacity that is not a positive integer', () => {
    expect(() => setup([], { mailboxCapacity: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER', message: expect.stringContaining('mailboxCapacity') }));
  });
});

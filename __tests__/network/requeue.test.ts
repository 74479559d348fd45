import { createKeyring, MIN_KEYRING_SECRET_BYTES } from '../../src/network/keyring';
import type { NetworkActivity } from '../../src/network/types';
import { createAgentNetwork } from '../../src/network/network';
import { createAgentRegistry } from '../../src/network/registry';
import { clock, flush, rejection, setup } from './helpers';

const SECRET = 'a test secret that is long enough to sign with';

describe('keyring secret', () => {
  it('gives every keyring with the same secret the same identities, and other secrets other ones', () => {
    const one = createKeyring({ secret: SECRET });
    const two = createKeyring({ secret: Buffer.from(SECRET) });
    expect(one.identity('agent-1')).toEqual(two.identity('agent-1'));
    expect(one.identity('agent-2').publicKey).not.toBe(one.identity('agent-1').publicKey);
    expect(createKeyring({ secret: `${SECRET}!` }).identity('agent-1').publicKey).not.toBe(one.identity('agent-1').publicKey);
    const data = Buffer.from('hello');
    expect(two.verify('agent-1', data, one.sign('agent-1', data))).toBe(true);
  });

  it('refuses a secret shorter than the minimum', () => {
    expect(() => createKeyring({ secret: 'short' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', details: { minBytes: MIN_KEYRING_SECRET_BYTES, bytes: 5 } }));
  });
});

describe('keys of registered agents', () => {
  it('admits a peer process\'s messages from agents registered before or after the network was made', async () => {
    const time = clock();
    // Process 1 registers its agents first, then makes its network; process 2 the other way round.
    const before = createAgentRegistry({ now: time.now });
    for (const id of ['a', 'b']) before.register({ id });
    const first = createAgentNetwork({ registry: before, keyring: createKeyring({ secret: SECRET }), now: time.now });
    const after = createAgentRegistry({ now: time.now });
    const second = createAgentNetwork({ registry: after, keyring: createKeyring({ secret: SECRET }), now: time.now });
    for (const id of ['a', 'b']) after.register({ id });
    // A third process with the same secret signs; both receivers know 'a' without anyone asking first.
    const peer = setup(['a', 'b'], { keyring: createKeyring({ secret: SECRET }), now: time.now }).network;
    for (const network of [first, second]) {
      await expect(network.deliver(peer.sign('a', { to: 'b' }, { type: 't', payload: 1 }))).resolves.toBeUndefined();
      expect((await network.receive('b')).map((m) => m.payload)).toEqual([1]);
    }
  });

  it('gives every registered agent a key in either order, and none to a revoked one', () => {
    const keyring = createKeyring();
    keyring.revoke('gone');
    const registry = createAgentRegistry();
    for (const id of ['early', 'gone']) registry.register({ id });
    const network = createAgentNetwork({ registry, keyring });
    registry.register({ id: 'late' });
    expect(['early', 'late', 'gone'].map((id) => keyring.has(id))).toEqual([true, true, false]);
    expect(network.identity('early').publicKey).toMatch(/^MCowBQYDK2Vw/);
  });
});

describe('requeue', () => {
  it('puts stored messages back in a new network with the same keys, skipping ones it holds or settled', async () => {
    const first = setup(['a', 'b', 'c'], { keyring: createKeyring({ secret: SECRET }) });
    const m1 = await first.network.sendMessage('a', 'b', { type: 't', payload: 1 });
    const m2 = await first.network.sendMessage('a', 'c', { type: 't', payload: 2 });
    const stored = JSON.parse(JSON.stringify([m1, m2]));

    const second = setup(['a', 'b', 'c'], { keyring: createKeyring({ secret: SECRET }) });
    const seen: NetworkActivity[] = [];
    second.network.onActivity((a) => seen.push(a));
    expect(second.network.requeue(stored)).toBe(2);
    expect(seen.map((a) => a.type)).toEqual(['queued', 'queued']);
    // Held already: nothing twice.
    expect(second.network.requeue(stored)).toBe(0);
    expect((await second.network.receive('b')).map((m) => m.payload)).toEqual([1]);
    // Settled (pulled) already: not brought back either.
    expect(second.network.requeue(stored)).toBe(0);
    expect((await second.network.getNetworkStatus()).queuedByAgent).toEqual({ c: 1 });
  });

  it('refuses and audits messages that do not verify, and rejects malformed ones before changing anything', async () => {
    const first = setup(['a', 'b']);
    const message = await first.network.sendMessage('a', 'b', { type: 't', payload: 'x' });
    const other = setup(['a', 'b']);
    other.network.identity('a');
    expect(other.network.requeue([{ ...message, payload: 'altered' }])).toBe(0);
    expect(other.network.requeue([message])).toBe(0); // other keys: does not verify either
    expect(other.network.audit.entries().filter((e) => e.action === 'message.restore')).toHaveLength(2);
    const error = await rejection(Promise.resolve().then(() => other.network.requeue([message, { ...message, nonce: 'x' }])));
    expect(error.code).toBe('INVALID_INPUT');
    expect((await other.network.getNetworkStatus()).queued).toBe(0);
    // A topic message has no mailbox to go back to.
    const topical = first.network.sign('a', { topic: 'news' }, { type: 't', payload: 1 });
    expect(first.network.requeue([topical])).toBe(0);
  });
});

describe('activity', () => {
  it('tells observers about queues, publishes and how each direct message settled', async () => {
    const { network } = setup(['a', 'b', 'c', 'd']);
    const seen: string[] = [];
    const off = network.onActivity((a) => seen.push(a.type === 'settled' ? `settled:${a.message.payload}:${a.outcome}` : `${a.type}:${a.message.payload}`));
    network.subscribe('news', () => undefined);
    await network.broadcast('a', { topic: 'news', type: 't', payload: 'p' });
    network.subscribeToAgent('b', () => undefined);
    await network.sendMessage('a', 'b', { type: 't', payload: 'handled' });
    network.subscribeToAgent('c', () => {
      throw new Error('boom');
    });
    await network.sendMessage('a', 'c', { type: 't', payload: 'failed' });
    await network.sendMessage('d', 'a', { type: 't', payload: 'refused' });
    network.revoke('d');
    network.subscribeToAgent('a', () => undefined);
    await flush();
    await flush();
    off();
    await network.sendMessage('a', 'b', { type: 't', payload: 'unseen' });
    expect(seen).toEqual([
      'published:p',
      'queued:handled',
      'settled:handled:delivered',
      'queued:failed',
      'settled:failed:handler-error',
      'queued:refused',
      'settled:refused:refused',
    ]);
  });
});

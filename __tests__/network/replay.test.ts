import { InMemoryStore, type Operation, type OperationResults } from '@langchain/langgraph';
import type { DeliveredMessage } from '../../src/contracts/network';
import { encodeSignedMessage } from '../../src/network/canonical';
import { createKeyring } from '../../src/network/keyring';
import { REPLAY_STORE_NAMESPACE } from '../../src/network/replay-store';
import type { AgentNetworkOptions } from '../../src/network/network';
import { clock, flush, rejection, setup } from './helpers';

const SECRET = 'the replay tests derive their keys from this secret';
const WINDOW = 60_000;

/** A network "in a new process": new registry, new keyring with the same secret. */
const processWith = (options: Omit<AgentNetworkOptions, 'registry'> = {}) =>
  setup(['a', 'b'], { keyring: createKeyring({ secret: SECRET }), replayWindowMs: WINDOW, ...options }).network;

/** An InMemoryStore whose operations can be held back, failed, or answered in reverse order. */
class SlowStore extends InMemoryStore {
  delays: number[] = [];
  failing = false;
  override async batch<Op extends readonly Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    if (this.failing) throw new Error('store is down');
    const delay = this.delays.shift() ?? 0;
    for (let i = 0; i < delay; i++) await flush();
    return super.batch(operations);
  }
}

describe('replay protection across restarts', () => {
  it('refuses and audits a message replayed into a restarted network that keeps its nonces in the same store', async () => {
    const time = clock();
    const store = new InMemoryStore();
    const before = processWith({ now: time.now, replayStore: store });
    const signed = before.sign('a', { to: 'b' }, { type: 't', payload: 'pay once' });
    await before.deliver(signed);
    const sent = await before.sendMessage('a', 'b', { type: 't', payload: 'sent here' });
    before.close();

    time.advance(WINDOW / 2); // still inside the replay window
    const after = processWith({ now: time.now, replayStore: store });
    for (const copy of [signed, encodeSignedMessage(signed), sent]) {
      const error = await rejection(after.deliver(copy));
      expect(error).toMatchObject({ code: 'MESSAGE_REFUSED', details: { reason: 'replayed', id: typeof copy === 'string' ? signed.id : copy.id } });
    }
    expect(after.audit.entries().filter((e) => e.outcome === 'denied').map((e) => e.details['reason'])).toEqual(['replayed', 'replayed', 'replayed']);
    expect((await after.getNetworkStatus()).queued).toBe(0);
    // What is new after the restart still goes through, and a message signed before it with a nonce
    // the store never saw is admitted too: the store vouches for it.
    await after.deliver(before.sign('a', { to: 'b' }, { type: 't', payload: 'new' }));
    expect((await after.receive('b')).map((m) => m.payload)).toEqual(['new']);
  });

  it('without a store, refuses what was signed before the network started, and admits what comes after', async () => {
    const time = clock();
    const before = processWith({ now: time.now });
    const signed = before.sign('a', { to: 'b' }, { type: 't', payload: 'pay once' });
    await before.deliver(signed);

    time.advance(1);
    const after = processWith({ now: time.now });
    const error = await rejection(after.deliver(signed));
    expect(error).toMatchObject({ code: 'MESSAGE_REFUSED', details: { reason: 'before-start', id: signed.id } });
    expect(error.message).toContain('replayStore');
    expect(after.audit.entries().at(-1)).toMatchObject({ outcome: 'denied', details: { reason: 'before-start' } });

    // Signed after the restart (by the peer, or here): admitted as usual.
    await after.deliver(before.sign('a', { to: 'b' }, { type: 't', payload: 'after' }));
    // The network's own sends need no vouching, even when the wall clock steps back.
    time.advance(-10);
    await after.sendMessage('a', 'b', { type: 't', payload: 'own' });
    expect((await after.receive('b')).map((m) => m.payload)).toEqual(['after', 'own']);
    expect((await after.getNetworkStatus()).refusedByReason).toEqual({ 'before-start': 1 });
  });

  it('keeps restored nonces: a replay of a message from the snapshot is refused as replayed', async () => {
    const time = clock();
    const before = processWith({ now: time.now });
    const signed = await before.sendMessage('a', 'b', { type: 't', payload: 1 });
    time.advance(1);
    const after = processWith({ now: time.now });
    after.restore(before.snapshot());
    await expect(after.deliver(signed)).rejects.toMatchObject({ details: { reason: 'replayed' } });
  });

  it('admits two copies arriving at once only once, with or without a store', async () => {
    for (const replayStore of [undefined, new InMemoryStore()]) {
      const { network } = setup(['a', 'b'], { replayStore });
      const signed = network.sign('a', { to: 'b' }, { type: 't', payload: 1 });
      const results = await Promise.allSettled([network.deliver(signed), network.deliver({ ...signed })]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((await network.getNetworkStatus()).queued).toBe(1);
    }
  });

  it('queues in admission order however long each store round trip takes', async () => {
    const store = new SlowStore();
    const { network } = setup(['a', 'b'], { replayStore: store });
    const messages = Array.from({ length: 6 }, (_, i) => network.sign('a', { to: 'b' }, { type: 't', payload: i }));
    // Earlier admissions wait longest for the store: without ordering they would queue last.
    store.delays = Array.from({ length: 40 }, (_, i) => 40 - i);
    await Promise.all(messages.map((m) => network.deliver(m)));
    expect((await network.receive('b')).map((m) => m.payload)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('fails the admission when the store fails, audits it, and leaves the nonce free for a retry', async () => {
    const store = new SlowStore();
    const { network } = setup(['a', 'b'], { replayStore: store });
    const signed = network.sign('a', { to: 'b' }, { type: 't', payload: 1 });
    store.failing = true;
    const error = await rejection(network.deliver(signed));
    expect(error).toMatchObject({ code: 'INTERNAL_ERROR', details: { id: signed.id } });
    expect(network.audit.entries().at(-1)).toMatchObject({ outcome: 'failure', details: { reason: 'replay-store', error: 'store is down' } });
    expect((await network.getNetworkStatus()).queued).toBe(0);
    store.failing = false;
    await network.deliver(signed);
    expect((await network.receive('b')).map((m: DeliveredMessage) => m.payload)).toEqual([1]);
  });

  it('forgets nonces once their window has passed, so the store stays about two windows big', async () => {
    const time = clock();
    const store = new InMemoryStore();
    const network = processWith({ now: time.now, replayStore: store });
    for (let i = 0; i < 3; i++) await network.sendMessage('a', 'b', { type: 't', payload: i });
    const held = async (): Promise<number> => (await store.search([...REPLAY_STORE_NAMESPACE], { limit: 100 })).length;
    expect(await held()).toBe(3);
    time.advance(WINDOW + 1);
    await network.sendMessage('a', 'b', { type: 't', payload: 'later' });
    expect(await held()).toBe(1);
  });

  it('prunes in batches until every expired nonce is gone', async () => {
    const time = clock();
    const store = new InMemoryStore();
    const network = processWith({ now: time.now, replayStore: store, mailboxCapacity: 2_000 });
    for (let i = 0; i < 1_001; i++) await network.sendMessage('a', 'b', { type: 't', payload: i });
    time.advance(WINDOW + 1);
    await network.sendMessage('a', 'b', { type: 't', payload: 'later' });
    expect(await store.search([...REPLAY_STORE_NAMESPACE], { limit: 2_000 })).toHaveLength(1);
  });

  it('reports a store that rejects with a non-Error in words', async () => {
    const store = new InMemoryStore();
    store.batch = () => Promise.reject('disk full');
    const { network } = setup(['a', 'b'], { replayStore: store });
    await expect(network.sendMessage('a', 'b', { type: 't', payload: 1 })).rejects.toMatchObject({ code: 'INTERNAL_ERROR', message: expect.stringContaining('disk full') });
  });
});

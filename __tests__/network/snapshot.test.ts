import { createKeyring } from '../../src/network/keyring';
import { createDeliveredLog } from '../../src/network/store';
import { setup, flush } from './helpers';

describe('message store snapshot', () => {
  it('round-trips undelivered and delivered messages as plain JSON into a new network', async () => {
    const keyring = createKeyring();
    const first = setup(['a', 'b', 'c'], { keyring });
    await first.network.sendMessage('a', 'b', { type: 't', payload: 'delivered' });
    await first.network.receive('b');
    await first.network.sendMessage('a', 'b', { type: 't', payload: 'pending-1' });
    await first.network.sendMessage('c', 'b', { type: 't', payload: 'pending-2' });
    first.network.revoke('c');
    const snapshot = JSON.parse(JSON.stringify(first.network.snapshot()));
    expect(snapshot.mailboxes.b.map((m: { payload: unknown }) => m.payload)).toEqual(['pending-1', 'pending-2']);
    expect(snapshot.delivered).toHaveLength(1);
    expect(snapshot.revoked).toEqual(['c']);
    expect(snapshot.nonces).toHaveLength(3);

    const second = setup(['a', 'b'], { keyring: createKeyring() });
    for (const id of ['a', 'b']) second.network.identity(id);
    const secondKeys = setup(['a', 'b'], { keyring });
    secondKeys.network.restore(snapshot);
    const got: unknown[] = [];
    secondKeys.network.subscribeToAgent('b', (m) => void got.push(m.payload));
    await flush();
    // pending-2's sender is revoked: refused at hand-over, not delivered.
    expect(got).toEqual(['pending-1']);
    expect(secondKeys.network.snapshot().delivered.map((m) => m.payload)).toEqual(['delivered', 'pending-1']);
    // Replays of restored nonces are refused.
    await expect(secondKeys.network.deliver(snapshot.delivered[0])).rejects.toMatchObject({ details: { reason: 'replayed' } });

    // A network with other keys refuses every restored message: nothing unverifiable is loaded.
    second.network.restore(snapshot);
    expect((await second.network.getNetworkStatus()).queued).toBe(0);
    expect(second.network.audit.entries().filter((e) => e.action === 'message.restore')).toHaveLength(2);
  });

  it('refuses tampered snapshots, malformed ones, and restoring over queued messages', async () => {
    const { network } = setup(['a', 'b']);
    await network.sendMessage('a', 'b', { type: 't', payload: 1 });
    const snapshot = network.snapshot();
    expect(() => network.restore(snapshot)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => network.restore({ version: 2 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    await network.receive('b');
    const tampered = { ...snapshot, mailboxes: { b: [{ ...snapshot.mailboxes['b']![0]!, payload: 2 }] } };
    network.restore(tampered);
    expect((await network.getNetworkStatus()).queued).toBe(0);
    expect((await network.getNetworkStatus()).refusedByReason).toEqual({ 'bad-signature': 1 });
  });

  it('keeps the delivered log bounded', () => {
    const log = createDeliveredLog(3);
    const message = (n: number) => ({ id: String(n) }) as never;
    for (let n = 0; n < 10; n++) log.add(message(n));
    expect(log.records().map((m) => m.id)).toEqual(['7', '8', '9']);
    const off = createDeliveredLog(0);
    off.add(message(1));
    expect(off.records()).toEqual([]);
  });
});

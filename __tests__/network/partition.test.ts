import { setup, clock, flush } from './helpers';
import { createAgentRegistry } from '../../src/network/registry';

describe('partitions and down agents', () => {
  it('queues messages across a partition and delivers each exactly once, in order, after healing', async () => {
    const { network } = setup(['agent-1', 'agent-2', 'agent-3']);
    const got: Record<string, unknown[]> = { 'agent-2': [], 'agent-3': [] };
    network.subscribeToAgent('agent-2', (m) => void got['agent-2']?.push(m.payload));
    network.subscribeToAgent('agent-3', (m) => void got['agent-3']?.push(m.payload));
    network.simulatePartition(['agent-1'], ['agent-2', 'agent-3']);
    for (let i = 0; i < 5; i++) await network.sendMessage('agent-1', 'agent-2', { type: 't', payload: i });
    await network.sendMessage('agent-3', 'agent-2', { type: 't', payload: 'same side' });
    await network.sendMessage('agent-2', 'agent-1', { type: 't', payload: 'other way' });
    await flush();
    expect(got['agent-2']).toEqual(['same side']);
    const during = await network.getNetworkStatus();
    expect(during).toMatchObject({ partitioned: true, partitions: [['agent-1'], ['agent-2', 'agent-3']], recoveryStrategy: 'queue-and-redeliver', queued: 6 });
    expect(await network.receive('agent-1')).toEqual([]);
    network.healPartition();
    await flush();
    expect(got['agent-2']).toEqual(['same side', 0, 1, 2, 3, 4]);
    expect((await network.receive('agent-1')).map((m) => m.payload)).toEqual(['other way']);
    expect(await network.getNetworkStatus()).toMatchObject({ partitioned: false, partitions: [], queued: 0, delivered: 7 });
  });

  it('holds topic messages for a subscribing agent on the other side until healing', async () => {
    const { network } = setup(['pub', 'sub']);
    const got: unknown[] = [];
    network.subscribe('news', (m) => void got.push(m.payload), { as: 'sub' });
    network.simulatePartition(['pub'], ['sub']);
    await network.broadcast('pub', { topic: 'news', type: 't', payload: 1 });
    await flush();
    expect(got).toEqual([]);
    network.healPartition();
    await flush();
    expect(got).toEqual([1]);
  });

  it('rejects an agent on both sides of a partition', () => {
    const { network } = setup(['a']);
    expect(() => network.simulatePartition(['a'], ['a'])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('keeps messages for an unreachable agent and delivers them when it heartbeats again', async () => {
    const time = clock();
    const registry = createAgentRegistry({ heartbeatTtlMs: 1000, now: time.now });
    const { network } = setup(['a', 'b'], { registry, now: time.now });
    const got: unknown[] = [];
    network.subscribeToAgent('b', (m) => void got.push(m.payload));
    time.advance(1500);
    registry.heartbeat('a');
    await network.sendMessage('a', 'b', { type: 't', payload: 1 });
    await network.sendMessage('a', 'b', { type: 't', payload: 2 });
    await flush();
    expect(got).toEqual([]);
    const status = await network.getNetworkStatus();
    expect(status).toMatchObject({ unreachable: ['b'], queued: 2, queuedByAgent: { b: 2 } });
    expect(await network.receive('b')).toEqual([]);
    registry.heartbeat('b');
    await flush();
    expect(got).toEqual([1, 2]);
  });

  it('keeps a deregistered agent mailbox and refuses new messages to it', async () => {
    const { registry, network } = setup(['a', 'b']);
    await network.sendMessage('a', 'b', { type: 't', payload: 1 });
    registry.deregister('b');
    await expect(network.sendMessage('a', 'b', { type: 't', payload: 2 })).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    registry.register({ id: 'b' });
    expect((await network.receive('b')).map((m) => m.payload)).toEqual([1]);
  });
});

import { Annotation, END, MemorySaver, START, StateGraph } from '@langchain/langgraph';
import type { DeliveredMessage } from '../../src/contracts/network';
import { MailboxChannel, TopicLogChannel, type MessageOp } from '../../src/loop/message-channels';
import { createAgentPool } from '../../src/loop/agent-pool';
import { addMasterLoop } from '../../src/loop/add-master-loop';
import type { MasterLoopState } from '../../src/loop/state';
import { LOOP_HEARTBEAT_INTERVAL_MS, createMessenger, openNetworkSession, undelivered } from '../../src/loop/messaging';
import type { AgentDefinition } from '../../src/loop/agents';
import { createKeyring } from '../../src/network/keyring';
import { createAgentNetwork } from '../../src/network/network';
import { createAgentRegistry } from '../../src/network/registry';
import { signingBytes } from '../../src/network/canonical';
import { loopWith, request, sleeper, thread } from './helpers';

const SECRET = 'the loop messaging tests sign with this secret';

const msg = (id: string, to: string | undefined, topic?: string): DeliveredMessage => ({
  id, from: 'a', ...(to ? { to } : {}), ...(topic ? { topic } : {}), type: 't', payload: id, sentAt: 1, nonce: 'nonce-123', signature: 'sig',
});

describe('MailboxChannel', () => {
  it('queues per recipient, settles by id, and never revives a settled message', () => {
    const channel = new MailboxChannel(2).fromCheckpoint();
    expect(channel.get()).toEqual({});
    expect(channel.update([])).toBe(false);
    expect(channel.update([[{ op: 'queued', message: msg('1', 'b') }, { op: 'queued', message: msg('2', 'b') }], { op: 'queued', message: msg('3', 'c') }])).toBe(true);
    const before = channel.get();
    expect(Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.map((m) => m.id)]))).toEqual({ b: ['1', '2'], c: ['3'] });
    // Settle, then a late duplicate queue of the same message: it stays settled.
    channel.update([[{ op: 'settled', id: '1', to: 'b' }, { op: 'queued', message: msg('1', 'b') }, { op: 'queued', message: msg('2', 'b') }]]);
    expect(channel.get()['b']?.map((m) => m.id)).toEqual(['2']);
    expect(before['b']?.map((m) => m.id)).toEqual(['1', '2']); // earlier values are never mutated
    channel.update([{ op: 'settled', id: '3', to: 'c' }]);
    expect(channel.get()).not.toHaveProperty('c');
    // Ops that change nothing report no update; topic messages are not the mailbox's business.
    expect(channel.update([{ op: 'settled', id: '1', to: 'b' }, { op: 'queued', message: msg('9', undefined, 'news') }, { op: 'published', message: msg('9', undefined, 'news') }])).toBe(false);

    // The settled memory is bounded (2 here): the oldest id is forgotten first.
    channel.update([{ op: 'settled', id: 'x', to: 'z' }]);
    const restored = channel.fromCheckpoint(JSON.parse(JSON.stringify(channel.checkpoint())));
    expect(restored.checkpoint().settled).toEqual(['3', 'x']);
    expect(restored.update([{ op: 'queued', message: msg('1', 'b') }])).toBe(true);
    expect(restored.update([{ op: 'queued', message: msg('3', 'c') }])).toBe(false);
    expect(restored.equals(new MailboxChannel(2))).toBe(true);
    expect(restored.equals(new MailboxChannel(3))).toBe(false);
    expect(restored.isAvailable()).toBe(true);
  });
});

describe('TopicLogChannel', () => {
  it('keeps the latest messages of each topic, once each', () => {
    const channel = new TopicLogChannel(2).fromCheckpoint();
    expect(channel.update([[{ op: 'published', message: msg('1', undefined, 'news') }, { op: 'queued', message: msg('q', 'b') }]])).toBe(true);
    expect(channel.update([{ op: 'published', message: msg('1', undefined, 'news') }])).toBe(false);
    channel.update([{ op: 'published', message: msg('2', undefined, 'news') }, { op: 'published', message: msg('3', undefined, 'news') }, { op: 'published', message: msg('4', undefined, 'other') }]);
    const restored = channel.fromCheckpoint(channel.checkpoint());
    expect(Object.fromEntries(Object.entries(restored.get()).map(([k, v]) => [k, v.map((m) => m.id)]))).toEqual({ news: ['2', '3'], other: ['4'] });
    expect(restored.equals(new TopicLogChannel(2))).toBe(true);
    expect(restored.equals(new MailboxChannel())).toBe(false);
    expect(restored.isAvailable()).toBe(true);
  });
});

describe('undelivered', () => {
  it('is the queued messages not settled later', () => {
    const ops: MessageOp[] = [{ op: 'queued', message: msg('1', 'b') }, { op: 'queued', message: msg('2', 'b') }, { op: 'settled', id: '1', to: 'b' }, { op: 'published', message: msg('3', undefined, 'n') }];
    expect(undelivered(ops).map((m) => m.id)).toEqual(['2']);
  });
});

function messagingNetwork() {
  const registry = createAgentRegistry();
  const network = createAgentNetwork({ registry, keyring: createKeyring({ secret: SECRET }) });
  return { registry, network };
}

/** producer sends to consumer (which reads it in a later task) and to observer (which has no task), and publishes. */
function agents(live: Promise<unknown>): AgentDefinition[] {
  return [
    {
      id: 'producer',
      capabilities: ['produce'],
      run: async (_input, ctx) => {
        await ctx.network!.send('consumer', { type: 'data', payload: { n: 1 } });
        await ctx.network!.send('observer', { type: 'note', payload: 'for later', correlationId: 'own-correlation' });
        await ctx.network!.broadcast({ topic: 'coordination-updates', type: 'progress', payload: { done: 1 } });
        // The live subscriber has the broadcast while this task still runs: no superstep in between.
        await live;
        return (await ctx.network!.findAgents({ capability: 'consume' })).map((a) => a.id);
      },
    },
    {
      id: 'consumer',
      capabilities: ['consume'],
      run: async (_input, ctx) => (await ctx.network!.receive()).map((m) => ({ from: m.from, payload: m.payload })),
    },
    { id: 'observer', capabilities: ['observe'], run: async (_input, ctx) => (await ctx.network!.receive()).map((m) => m.payload) },
  ];
}

describe('messages on graph channels', () => {
  it('writes what agents send to the mailboxes and topics channels, delivers live at once, and replays in history', async () => {
    const { registry, network } = messagingNetwork();
    let resolveLive!: (m: DeliveredMessage) => void;
    const live = new Promise<DeliveredMessage>((resolve) => (resolveLive = resolve));
    network.subscribe('coordination-updates', (m) => resolveLive(m));
    const checkpointer = new MemorySaver();
    const { loop } = loopWith(agents(live), { network, checkpointer });
    const config = thread();
    const out = await loop.invoke(request([
      { id: 'p', capability: 'produce' },
      { id: 'c', capability: 'consume', dependsOn: ['p'] },
    ]), config);

    expect(out.status).toBe('completed');
    expect(out.results['p']).toEqual(['consumer']);
    expect(out.results['c']).toEqual([{ from: 'producer', payload: { n: 1 } }]);
    // The consumer pulled its message; the observer's waits in the channel, signed and verifiable.
    expect(Object.keys(out.mailboxes)).toEqual(['observer']);
    const [waiting] = out.mailboxes['observer']!;
    expect(waiting).toMatchObject({ from: 'producer', to: 'observer', payload: 'for later', correlationId: 'own-correlation', causationId: out.tasks['p']!.idempotencyKey });
    expect(createKeyring({ secret: SECRET }).verify('producer', signingBytes(waiting!), waiting!.signature)).toBe(true);
    const [published] = out.topics['coordination-updates']!;
    expect(published).toMatchObject({ type: 'progress', payload: { done: 1 }, correlationId: out.runId });
    expect((await live).id).toBe(published!.id);
    // The loop registered its agents and keeps them alive.
    expect(registry.list().map((a) => a.id).sort()).toEqual(['consumer', 'observer', 'producer']);
    // The stored outcome carries the task's messages; the task record in state does not.
    expect(out.tasks['p']).not.toHaveProperty('messages');

    // History: the checkpoint before the coordinator ran has no messages, every one after has them.
    const history = [];
    for await (const snapshot of loop.getStateHistory(config)) history.push(snapshot);
    const withMail = history.map((s) => Object.keys(s.values.mailboxes ?? {}).length > 0);
    expect(withMail[0]).toBe(true);
    expect(withMail[withMail.length - 1]).toBe(false);
    const firstWith = withMail.lastIndexOf(true);
    // The first checkpoint with messages is the one the coordinator's superstep wrote.
    expect(history[firstWith]!.next).toEqual(['recovery']);
    expect(history[firstWith + 1]!.next).toEqual(['coordinator']);
    expect(history[firstWith]!.values.topics['coordination-updates']).toHaveLength(1);
  });

  it('gives a later run on the thread, in a new loop and network, the messages still undelivered', async () => {
    const checkpointer = new MemorySaver();
    const config = thread();
    const first = messagingNetwork();
    first.network.subscribe('coordination-updates', () => undefined);
    const run1 = loopWith(agents(Promise.resolve()), { network: first.network, checkpointer }).loop;
    await run1.invoke(request([{ id: 'p', capability: 'produce' }, { id: 'c', capability: 'consume', dependsOn: ['p'] }]), config);
    first.network.close();

    // "Another process": a new network whose keyring has the same secret; the channel still holds the note.
    const second = messagingNetwork();
    const run2 = loopWith(agents(Promise.resolve()), { network: second.network, checkpointer }).loop;
    const out = await run2.invoke(request([{ id: 'o', capability: 'observe' }]), config);
    expect(out.results['o']).toEqual(['for later']);
    expect(out.mailboxes).toEqual({});
    expect((await second.network.getNetworkStatus()).queued).toBe(0);
    // The topic log carries over, too.
    expect(out.topics['coordination-updates']).toHaveLength(1);
  });

  it('records a live hand-over of a message the run sent, and leaves the loop without a network untouched', async () => {
    const { network } = messagingNetwork();
    const got: unknown[] = [];
    network.subscribeToAgent('observer', (m) => void got.push(m.payload));
    const { loop } = loopWith(agents(Promise.resolve()), { network });
    const out = await loop.invoke(request([{ id: 'p', capability: 'produce' }]), thread());
    expect(got).toEqual(['for later']);
    // consumer had no task: its message waits; observer's was handed to the live subscriber.
    expect(Object.keys(out.mailboxes)).toEqual(['consumer']);

    const plain = loopWith([{ id: 'w', capabilities: ['work'], run: (_i, ctx) => ctx.network === undefined }]).loop;
    const result = await plain.invoke(request([{ id: 'x', capability: 'work' }]), thread());
    expect(result.results['x']).toBe(true);
    expect(result.mailboxes).toEqual({});
    expect(result.topics).toEqual({});
  });

  it('stamps messages with the run and task unless the sender set its own ids', async () => {
    const { network, registry } = messagingNetwork();
    for (const id of ['a', 'b']) registry.register({ id });
    const ops: MessageOp[] = [];
    const messenger = createMessenger(network, { agentId: 'a', correlationId: 'run', causationId: 'key', record: (op) => ops.push(op) });
    const sent = await messenger.send('b', { type: 't', payload: 1, causationId: 'mine' });
    expect(sent).toMatchObject({ correlationId: 'run', causationId: 'mine' });
    expect(messenger.agentId).toBe('a');
    expect(ops).toEqual([{ op: 'queued', message: sent }]);
  });
});

describe('message limits inside the loop', () => {
  it('refuses an agent\'s oversize or over-deep message with MESSAGE_TOO_LARGE and writes nothing to the channels', async () => {
    const { network } = messagingNetwork();
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    const oversize = [{ text: 'x'.repeat(20 * 1024 * 1024) }, deep];
    const sender: AgentDefinition = {
      id: 'sender',
      capabilities: ['send'],
      run: async (_input, ctx) => {
        const refusals: unknown[] = [];
        for (const payload of oversize) {
          for (const send of [() => ctx.network!.send('peer', { type: 't', payload }), () => ctx.network!.broadcast({ topic: 'news', type: 't', payload })]) {
            await send().then(
              () => refusals.push('sent'),
              (error: { code: string; details: { limit: string } }) => refusals.push(`${error.code}:${error.details.limit}`),
            );
          }
        }
        return refusals;
      },
    };
    const { loop } = loopWith([sender, sleeper('peer', ['peer'])], { network });
    const out = await loop.invoke(request([{ id: 's', capability: 'send' }]), thread());
    expect(out.results['s']).toEqual([
      'MESSAGE_TOO_LARGE:maxMessageBytes',
      'MESSAGE_TOO_LARGE:maxMessageBytes',
      'MESSAGE_TOO_LARGE:maxMessageDepth',
      'MESSAGE_TOO_LARGE:maxMessageDepth',
    ]);
    expect(out.mailboxes).toEqual({});
    expect(out.topics).toEqual({});
  });
});

describe('network session', () => {
  it('requeues held and replayed messages, records their settlement, and heartbeats only healthy agents', async () => {
    const sender = messagingNetwork();
    for (const id of ['a', 'b', 'x']) sender.registry.register({ id });
    const held = await sender.network.sendMessage('x', 'a', { type: 't', payload: 'held' });
    const replayed = await sender.network.sendMessage('x', 'a', { type: 't', payload: 'replayed' });
    const settledBefore = await sender.network.sendMessage('x', 'b', { type: 't', payload: 'settled' });

    const { registry, network } = messagingNetwork();
    registry.register({ id: 'c' });
    const pool = createAgentPool({ breaker: { failureThreshold: 1, recoveryTimeoutMs: 60_000 } }).add([sleeper('a'), sleeper('b'), sleeper('c')]);
    await pool.breaker('b').execute(async () => { throw new Error('down'); }).catch(() => undefined);
    pool.recordFailure('c');
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const session = openNetworkSession(network, pool, { a: [held] });
      expect(registry.get('a')?.status).toBe('online');
      expect(registry.get('b')).toBeUndefined(); // broken: left for the failure detector
      expect(registry.get('c')?.declaredStatus).toBe('degraded');
      const beatAt = registry.get('a')!.lastHeartbeatAt;
      jest.advanceTimersByTime(LOOP_HEARTBEAT_INTERVAL_MS);
      expect(registry.get('a')!.lastHeartbeatAt).toBeGreaterThanOrEqual(beatAt);

      session.replay([{ op: 'queued', message: replayed }, { op: 'queued', message: settledBefore }, { op: 'settled', id: settledBefore.id, to: 'b' }]);
      expect((await network.getNetworkStatus()).queuedByAgent).toEqual({ a: 2 });
      expect((await network.receive('a')).map((m) => m.payload)).toEqual(['held', 'replayed']);
      expect(session.ops.map((op) => op.op)).toEqual(['queued', 'queued', 'settled', 'settled', 'settled']);
      session.close();
      await network.sendMessage('a', 'c', { type: 't', payload: 'after' });
      await network.receive('c');
      expect(session.ops).toHaveLength(5);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('messages in a graph that took the loop with addMasterLoop', () => {
  it('keeps the mailboxes in the loop\'s own state, apart from the graph\'s', async () => {
    const { network } = messagingNetwork();
    const Doc = Annotation.Root({ text: Annotation<string>() });
    const builder = new StateGraph(Doc).addNode('read', () => ({})).addEdge(START, 'read');
    const graph = addMasterLoop(builder, {
      agents: agents(Promise.resolve()),
      network,
      after: 'read',
      toRequest: () => ({ tasks: [{ id: 'p', capability: 'produce' }] }),
    }).compile({ checkpointer: new MemorySaver() });
    const config = thread();
    const loopStates: MasterLoopState[] = [];
    for await (const [namespace, values] of await graph.stream({ text: 'go' }, { ...config, subgraphs: true, streamMode: 'values' })) {
      if (namespace.length > 0) loopStates.push(values as unknown as MasterLoopState);
    }
    expect((await graph.getState(config)).values).toEqual({ text: 'go' });
    const last = loopStates.at(-1)!;
    expect(Object.keys(last.mailboxes).sort()).toEqual(['consumer', 'observer']);
  });
});

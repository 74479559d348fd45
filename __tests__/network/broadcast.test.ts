import { setup, flush, rejection, deferred } from './helpers';

describe('topics', () => {
  it('delivers a broadcast to every subscriber of its topic and no other', async () => {
    const { network } = setup(['agent-1', 'agent-2']);
    const a: unknown[] = [];
    const b: unknown[] = [];
    const other: unknown[] = [];
    network.subscribe('coordination-updates', (m, e) => void a.push([m.payload, e.type, e.subject]));
    network.subscribe('coordination-updates', (m) => void b.push(m.payload), { as: 'agent-2' });
    network.subscribe('elsewhere', (m) => void other.push(m.payload));
    const sent = await network.broadcast('agent-1', { topic: 'coordination-updates', type: 'plan', payload: 7 });
    await flush();
    expect(sent.topic).toBe('coordination-updates');
    expect(a).toEqual([[7, 'no.message.broadcast', 'coordination-updates']]);
    expect(b).toEqual([7]);
    expect(other).toEqual([]);
    expect((await network.getNetworkStatus()).subscribers).toBe(3);
  });

  it('accepts a broadcast nobody listens to and rejects a bad topic', async () => {
    const { network } = setup(['a']);
    await expect(network.broadcast('a', { topic: 'quiet', type: 't', payload: 1 })).resolves.toMatchObject({ topic: 'quiet' });
    expect((await rejection(network.broadcast('a', { topic: 'Bad Topic', type: 't', payload: 1 }))).code).toBe('INVALID_INPUT');
    expect(() => network.subscribe('Bad Topic', () => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('bounds each subscriber queue: the broadcaster waits for the slowest subscriber', async () => {
    const { network } = setup(['pub']);
    const release = deferred();
    const fast: unknown[] = [];
    const slow: unknown[] = [];
    network.subscribe('t', (m) => void fast.push(m.payload), { capacity: 2 });
    network.subscribe('t', async (m) => {
      slow.push(m.payload);
      await release.promise;
    }, { capacity: 2 });
    const sends = [1, 2, 3, 4].map((n) => network.broadcast('pub', { topic: 't', type: 'x', payload: n }));
    await flush();
    const status = await network.getNetworkStatus();
    expect(status.queued).toBeLessThanOrEqual(4);
    expect(status.waitingSenders).toBeGreaterThan(0);
    release.resolve();
    await Promise.all(sends);
    await flush();
    expect(fast).toEqual([1, 2, 3, 4]);
    expect(slow).toEqual([1, 2, 3, 4]);
  });

  it('fails a broadcast atomically with MAILBOX_FULL when a subscriber is full and onFull is fail', async () => {
    const { network } = setup(['pub']);
    const got: unknown[] = [];
    network.subscribe('t', (m) => void got.push(m.payload));
    network.subscribe('t', () => new Promise(() => undefined), { capacity: 1 });
    await network.broadcast('pub', { topic: 't', type: 'x', payload: 1 });
    await flush();
    const error = await rejection(network.broadcast('pub', { topic: 't', type: 'x', payload: 2 }, { onFull: 'fail' }));
    expect(error.code).toBe('MAILBOX_FULL');
    await flush();
    expect(got).toEqual([1]);
  });

  it('names how many subscribers missed a broadcast that timed out', async () => {
    const { network } = setup(['pub']);
    network.subscribe('t', () => undefined);
    network.subscribe('t', () => new Promise(() => undefined), { capacity: 1 });
    await network.broadcast('pub', { topic: 't', type: 'x', payload: 1 });
    const error = await rejection(network.broadcast('pub', { topic: 't', type: 'x', payload: 2 }, { timeoutMs: 5 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.details).toMatchObject({ missed: 1, subscribers: 2 });
  });

  it('keeps memory bounded with many slow subscribers: queued items never pass subscribers x capacity', async () => {
    const { network } = setup(['pub']);
    const subscribers = 50;
    const capacity = 4;
    for (let i = 0; i < subscribers; i++) network.subscribe('t', () => new Promise(() => undefined), { capacity });
    let peak = 0;
    const sends: Array<Promise<unknown>> = [];
    for (let n = 0; n < 20; n++) {
      sends.push(network.broadcast('pub', { topic: 't', type: 'x', payload: n }, { timeoutMs: 20 }).catch(() => undefined));
      peak = Math.max(peak, (await network.getNetworkStatus()).queued);
    }
    await Promise.all(sends);
    expect(peak).toBeLessThanOrEqual(subscribers * capacity);
    expect((await network.getNetworkStatus()).queued).toBe(subscribers * capacity);
  });

  it('frees waiting broadcasters and reports discarded messages when a subscriber leaves', async () => {
    const { network } = setup(['pub']);
    const off = network.subscribe('t', () => new Promise(() => undefined), { capacity: 2, as: 'pub' });
    await network.broadcast('pub', { topic: 't', type: 'x', payload: 1 });
    await network.broadcast('pub', { topic: 't', type: 'x', payload: 2 });
    const waiting = network.broadcast('pub', { topic: 't', type: 'x', payload: 3 });
    off();
    off();
    await expect(waiting).resolves.toBeDefined();
    const status = await network.getNetworkStatus();
    expect(status.discarded).toBe(1);
    expect(status.queued).toBe(1);
    expect(network.audit.entries().some((e) => e.action === 'topic.unsubscribe')).toBe(true);
  });
});

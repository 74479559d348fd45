import { watchAlerts, type Alert } from '../../src/observe/index';
import type { AgentDefinition } from '../../src/loop/index';
import { loopWith, request, sleeper, thread } from '../loop/helpers';
import { setup } from '../network/helpers';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}
const seen = (alerts: Alert[]) => alerts.map((a) => `${a.name}:${a.state}:${a.subject}`);

describe('watchAlerts', () => {
  it('fires the error-rate alert once when failures cross the threshold, and resolves it once below the margin', async () => {
    const c = clock();
    let fail = true;
    const moody: AgentDefinition = { id: 'm', capabilities: ['work'], maxConcurrency: 4, run: async () => { if (fail) throw new Error('nope'); return 1; } };
    const { loop } = loopWith([moody], { retries: 0, pool: { breaker: { failureThreshold: 1000 } } });
    const watcher = watchAlerts({ loops: [loop], intervalMs: 0, now: c.now, thresholds: { errorRate: 0.5, minAttempts: 4, windowMs: 60_000 } });
    const alerts: Alert[] = [];
    watcher.onAlert((a) => alerts.push(a));
    const four = () => request(['a', 'b', 'c', 'd'].map((id) => ({ id, capability: 'work' })));
    await loop.invoke(four(), thread());
    await watcher.check();
    await watcher.check();
    expect(seen(alerts)).toEqual(['NoHighErrorRate:firing:process']);
    expect(alerts[0]).toMatchObject({ value: 1, threshold: 0.5, message: '4 of 4 attempts failed in the last 60 s' });
    expect(watcher.firing()).toHaveLength(1);
    // The failures age out of the window: 4 good attempts alone are under the margin.
    fail = false;
    c.advance(61_000);
    await loop.invoke(four(), thread());
    await watcher.check();
    await watcher.check();
    expect(seen(alerts)).toEqual(['NoHighErrorRate:firing:process', 'NoHighErrorRate:resolved:process']);
    expect(watcher.firing()).toEqual([]);
    watcher.close();
  });

  it('does not judge the error rate on fewer attempts than minAttempts', async () => {
    const failing: AgentDefinition = { id: 'f', capabilities: ['work'], run: async () => { throw new Error('nope'); } };
    const { loop } = loopWith([failing], { retries: 0 });
    const watcher = watchAlerts({ loops: [loop], intervalMs: 0, thresholds: { minAttempts: 5 } });
    const alerts: Alert[] = [];
    watcher.onAlert((a) => alerts.push(a));
    await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    await watcher.check();
    expect(alerts).toEqual([]);
    watcher.close();
  });

  it('fires when breakers open and resolves when they close again', async () => {
    const ids = ['w1', 'w2', 'w3', 'w4', 'w5'];
    const { loop } = loopWith(ids.map((id) => sleeper(id)));
    const watcher = watchAlerts({ loops: [loop], intervalMs: 0, thresholds: { openBreakers: 5 } });
    const alerts: Alert[] = [];
    watcher.onAlert((a) => alerts.push(a));
    for (const id of ids.slice(0, 4)) loop.pool.breaker(id).isolate();
    await watcher.check();
    expect(alerts).toEqual([]);
    loop.pool.breaker('w5').isolate();
    await watcher.check();
    await watcher.check();
    expect(alerts.map((a) => [a.state, a.value, a.message])).toEqual([['firing', 5, 'circuit open for w1, w2, w3, w4, w5']]);
    loop.pool.breaker('w5').reset();
    await watcher.check();
    // Four open of a threshold of five is not below the margin (0.8 * 5): still firing, no flapping.
    expect(alerts).toHaveLength(1);
    loop.pool.breaker('w4').reset();
    await watcher.check();
    await watcher.check();
    expect(alerts.map((a) => [a.state, a.value])).toEqual([['firing', 5], ['resolved', 3]]);
    watcher.close();
  });

  it('fires on a backlog of ready tasks waiting for an agent, while the run is live', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: AgentDefinition = { id: 'slow', capabilities: ['work'], run: async () => { await gate; return 1; } };
    const { loop } = loopWith([slow]);
    const watcher = watchAlerts({ loops: [loop], intervalMs: 0, thresholds: { backlog: 3 } });
    const alerts: Alert[] = [];
    watcher.onAlert((a) => alerts.push(a));
    const running = loop.invoke(request(['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, capability: 'work' }))), thread());
    for (let i = 0; i < 100 && alerts.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
      await watcher.check();
    }
    expect(alerts.map((a) => [a.name, a.state])).toEqual([['NoTaskBacklog', 'firing']]);
    expect(alerts[0]!.value).toBeGreaterThanOrEqual(3);
    release();
    await running;
    await watcher.check();
    expect(alerts.map((a) => [a.name, a.state])).toEqual([['NoTaskBacklog', 'firing'], ['NoTaskBacklog', 'resolved']]);
    expect(alerts[1]!.value).toBe(0);
    watcher.close();
  });

  it('fires on a network partition and resolves when it heals', async () => {
    const { network } = setup(['a', 'b']);
    const watcher = watchAlerts({ networks: [network], intervalMs: 0 });
    const alerts: Alert[] = [];
    watcher.onAlert((a) => alerts.push(a));
    await watcher.check();
    network.simulatePartition(['a'], ['b']);
    await watcher.check();
    await watcher.check();
    network.healPartition();
    await watcher.check();
    expect(alerts.map((a) => `${a.name}:${a.state}:${a.message}`)).toEqual([
      'NoNetworkPartition:firing:partitioned: [a] | [b]',
      'NoNetworkPartition:resolved:resolved: partitioned: [a] | [b]',
    ]);
    watcher.close();
    network.close();
  });

  it('fires for a run with no event for stalledRunMs, and resolves when the run ends', async () => {
    const c = clock();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const hung: AgentDefinition = { id: 'h', capabilities: ['work'], run: async () => { await gate; return 1; } };
    const { loop } = loopWith([hung]);
    const watcher = watchAlerts({ loops: [loop], intervalMs: 0, now: c.now, thresholds: { stalledRunMs: 60_000 } });
    const alerts: Alert[] = [];
    watcher.onAlert((a) => alerts.push(a));
    const running = loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    await new Promise((r) => setTimeout(r, 50));
    await watcher.check();
    expect(alerts).toEqual([]);
    c.advance(61_000);
    await watcher.check();
    await watcher.check();
    expect(alerts.map((a) => [a.name, a.state])).toEqual([['NoRunStalled', 'firing']]);
    expect(alerts[0]!.message).toMatch(/^run .+ has had no event for 61 s$/);
    release();
    const out = await running;
    expect(alerts.map((a) => [a.name, a.state, a.subject])).toEqual([['NoRunStalled', 'firing', out.runId], ['NoRunStalled', 'resolved', out.runId]]);
    watcher.close();
  });

  it('refuses thresholds that cannot work, saying what they must be', () => {
    expect(() => watchAlerts({ thresholds: { errorRate: 2 } })).toThrow('alert threshold errorRate must be a ratio in (0, 1], got 2');
    expect(() => watchAlerts({ thresholds: { backlog: 0 } })).toThrow(/backlog must be a positive integer/);
    expect(() => watchAlerts({ thresholds: { windowMs: 10 } })).toThrow(/windowMs must be at least 1000/);
  });

  it('checks on its own timer, which never keeps the process alive, and stops when closed', async () => {
    const { loop } = loopWith([sleeper('w1')]);
    loop.pool.breaker('w1').isolate();
    const watcher = watchAlerts({ loops: [loop], intervalMs: 10 });
    const alerts: Alert[] = [];
    watcher.onAlert((a) => alerts.push(a));
    await new Promise((r) => setTimeout(r, 60));
    watcher.close();
    expect(seen(alerts)).toEqual(['NoCircuitBreakersOpen:firing:process']);
  });
});

import { createAgentRegistry, type RegistryChange } from '../../src/network/registry';
import { phiOf, newPhiState, recordArrival } from '../../src/network/phi';
import { clock } from './helpers';

describe('agent registry', () => {
  it('finds agents by capability, healthiest first, then lower load, then id', async () => {
    const registry = createAgentRegistry();
    registry.register({ id: 'c', capabilities: ['data-analysis'], load: 0.1, status: 'degraded' });
    registry.register({ id: 'b', capabilities: ['data-analysis'], load: 0.5 });
    registry.register({ id: 'a', capabilities: ['data-analysis', 'x'], load: 0.5 });
    registry.register({ id: 'd', capabilities: ['data-analysis'], load: 0.2 });
    registry.register({ id: 'e', capabilities: ['writing'] });
    registry.register({ id: 'f', capabilities: ['data-analysis'], status: 'unreachable' });
    expect((await registry.findAgents({ capability: 'data-analysis' })).map((a) => a.id)).toEqual(['d', 'a', 'b', 'c']);
    expect((await registry.findAgents({ capability: 'data-analysis', status: 'unreachable' })).map((a) => a.id)).toEqual(['f']);
    expect((await registry.findAgents()).map((a) => a.id)).toEqual(['e', 'd', 'a', 'b', 'c']);
    expect((await registry.findAgents({ status: ['online', 'unreachable'] })).map((a) => a.id)).toEqual(['e', 'd', 'a', 'b', 'f']);
  });

  it('registers, updates and removes agents dynamically, telling listeners', async () => {
    const registry = createAgentRegistry();
    const changes: RegistryChange[] = [];
    const off = registry.onChange((c) => changes.push(c));
    registry.register({ id: 'a', capabilities: ['x'], metadata: { region: 'eu' } });
    registry.register({ id: 'a', capabilities: ['y', 'y'] });
    expect(registry.get('a')).toMatchObject({ capabilities: ['y'], metadata: {}, status: 'online' });
    expect(registry.deregister('a')).toBe(true);
    expect(registry.deregister('a')).toBe(false);
    off();
    registry.register({ id: 'b' });
    expect(changes.map((c) => c.type)).toEqual(['registered', 'registered', 'deregistered']);
    expect(await registry.findAgents({ capability: 'y' })).toEqual([]);
    expect(registry.get('a')).toBeUndefined();
    expect(registry.isReachable('a')).toBe(false);
  });

  it('validates ids, capabilities and load', () => {
    const registry = createAgentRegistry();
    expect(() => registry.register({ id: 'no spaces' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => registry.register({ id: 'a', capabilities: [''] })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => registry.register({ id: 'a', load: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => registry.heartbeat('ghost')).toThrow(expect.objectContaining({ code: 'AGENT_NOT_FOUND' }));
    registry.register({ id: 'a' });
    expect(() => registry.heartbeat('a', { load: Number.NaN })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('marks an agent unreachable when its heartbeat expires, and online again on the next one', () => {
    const time = clock();
    const registry = createAgentRegistry({ heartbeatTtlMs: 5000, now: time.now });
    const changes: RegistryChange[] = [];
    registry.onChange((c) => changes.push(c));
    registry.register({ id: 'a' });
    time.advance(5001);
    expect(registry.check()).toEqual(['a']);
    expect(registry.get('a')?.status).toBe('unreachable');
    expect(registry.heartbeat('a', { load: 0.3 })).toMatchObject({ status: 'online', load: 0.3 });
    expect(changes.filter((c) => c.type === 'status').map((c) => c.type === 'status' && [c.previous, c.agent.status])).toEqual([
      ['online', 'unreachable'],
      ['unreachable', 'online'],
    ]);
    expect(registry.heartbeat('a', { status: 'degraded' }).status).toBe('degraded');
    expect(registry.heartbeat('a').status).toBe('degraded');
  });

  it('suspects an agent by phi-accrual long before the ttl when heartbeats were regular', () => {
    const time = clock();
    const registry = createAgentRegistry({ heartbeatTtlMs: 60_000, now: time.now });
    registry.register({ id: 'a' });
    for (let i = 0; i < 10; i++) {
      time.advance(1000);
      registry.heartbeat('a');
    }
    time.advance(1000);
    expect(registry.get('a')).toMatchObject({ status: 'online' });
    expect(registry.get('a')?.phi).toBeLessThan(1);
    time.advance(2000);
    expect(registry.get('a')?.status).toBe('unreachable');
    expect(registry.get('a')?.phi).toBeGreaterThan(8);
  });
});

describe('phi-accrual', () => {
  it('is 0 without history and grows with silence', () => {
    const state = newPhiState();
    expect(phiOf(state, 0)).toBe(0);
    recordArrival(state, 0);
    expect(phiOf(state, 10)).toBe(0);
    for (let t = 100; t <= 1000; t += 100) recordArrival(state, t, 5);
    expect(state.intervals).toHaveLength(5);
    const values = [1000, 1050, 1200, 1500, 3000].map((t) => phiOf(state, t, 10));
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(phiOf(state, 1e9, 10)).toBe(Infinity);
  });
});

import { createAgentNetwork, createAgentRegistry } from '../../src/network/index';
import { createNetworkTransport, createOrchestrationBus, OrchestrationEventTypes } from '../../src/compat/index';
import type { EventEnvelope } from '../../src/contracts/index';

function setup() {
  const registry = createAgentRegistry();
  for (const id of ['orchestrator', 'monitor', 'auditor']) registry.register({ id, capabilities: ['events'] });
  const network = createAgentNetwork({ registry });
  const bus = (agentId: string) => createOrchestrationBus({ transport: createNetworkTransport({ network, agentId }) });
  return { network, bus };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('the bus carried on the agent network', () => {
  it('delivers each envelope, signed and verified, to the buses bound to its type', async () => {
    const { network, bus } = setup();
    const seen: EventEnvelope[] = [];
    const all: string[] = [];
    bus('monitor').bind({ [OrchestrationEventTypes.TaskStarted]: (e: EventEnvelope) => { seen.push(e); } });
    bus('auditor').bind({ '*': (e: EventEnvelope) => { all.push(e.type); } });
    const sent = await bus('orchestrator').publish(OrchestrationEventTypes.TaskStarted, { taskId: 'fetch', attempt: 1 }, { correlationId: 'run-1', causationId: 'plan-1' });
    await bus('orchestrator').publish(OrchestrationEventTypes.AgentFreed, { agentId: 'w1' });
    await settle();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ id: sent.id, source: 'urn:cortex:orchestration', correlationId: 'run-1', causationId: 'plan-1', data: { taskId: 'fetch', attempt: 1 } });
    expect(all).toEqual([OrchestrationEventTypes.TaskStarted, OrchestrationEventTypes.AgentFreed]);
    expect((await network.getNetworkStatus()).delivered).toBeGreaterThanOrEqual(3);
  });

  it('holds events for a partitioned subscriber and delivers them once the partition heals', async () => {
    const { network, bus } = setup();
    const seen: string[] = [];
    bus('monitor').bind({ [OrchestrationEventTypes.TaskCompleted]: (e: EventEnvelope) => { seen.push((e.data as { taskId: string }).taskId); } });
    network.simulatePartition(['orchestrator'], ['monitor']);
    await bus('orchestrator').publish(OrchestrationEventTypes.TaskCompleted, { taskId: 'a', result: 1 });
    await bus('orchestrator').publish(OrchestrationEventTypes.TaskCompleted, { taskId: 'b', result: 2 });
    await settle();
    expect(seen).toEqual([]);
    expect((await network.getNetworkStatus()).queued).toBe(2);
    network.healPartition();
    await settle();
    expect(seen).toEqual(['a', 'b']);
  });

  it('refuses to publish for a revoked bus identity', async () => {
    const { network, bus } = setup();
    network.revoke('orchestrator');
    await expect(bus('orchestrator').publish(OrchestrationEventTypes.AgentFreed, { agentId: 'w1' })).rejects.toMatchObject({ code: 'MESSAGE_REFUSED' });
  });
});

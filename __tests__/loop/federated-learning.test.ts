import { InMemoryStore, MemorySaver } from '@langchain/langgraph';
import { z } from 'zod';
import { createSharedKnowledge } from '../../src/coordination/knowledge';
import { STORE_NAMESPACES, type AgentDefinition } from '../../src/loop/index';
import { createAgentNetwork } from '../../src/network/index';
import { mergeAdaptiveStates, parseContribution } from '../../src/scheduler/index';
import { loopWith, rejectionCode, request, thread } from './helpers';

const wide = (taskClass: string) =>
  request([{ id: 'a', capability: 'work' }, { id: 'b', capability: 'work' }, { id: 'c', capability: 'work' }], { metadata: { taskClass } });

async function mergedFrom(store: InMemoryStore) {
  const shares = await store.search([...STORE_NAMESPACES.adaptiveContributions]);
  return { shares, state: mergeAdaptiveStates(shares.map((s) => parseContribution(s.value))) };
}

describe('federated learning across loops on one Store', () => {
  it('two loops learning at the same time end with counts equal to the sum of what each learned', async () => {
    const store = new InMemoryStore();
    const worker: AgentDefinition = { id: 'w', capabilities: ['work'], maxConcurrency: 3, run: async () => 1 };
    const one = loopWith([worker], { store, learningId: 'process-1' });
    const two = loopWith([worker], { store, learningId: 'process-2' });
    // Interleaved: each loop reads, learns and writes while the other does the same.
    const runs = await Promise.all([
      ...Array.from({ length: 5 }, () => one.loop.invoke(wide('etl'), thread())),
      ...Array.from({ length: 3 }, () => two.loop.invoke(wide('etl'), thread())),
    ]);
    const { shares, state } = await mergedFrom(store);
    expect(shares.map((s) => s.key).sort()).toEqual(['process-1', 'process-2']);
    const arms = state.classes['etl']!;
    const played = (s: 'parallel' | 'sequential-safe' | 'parallel-coordinated') => runs.filter((r) => r.feedback!.strategy === s);
    for (const s of ['parallel', 'sequential-safe', 'parallel-coordinated'] as const) {
      expect(arms[s].runs).toBe(played(s).length);
      expect(arms[s].alpha).toBeCloseTo(1 + played(s).reduce((sum, r) => sum + r.adjustment!.reward, 0), 9);
    }
    expect(arms.parallel.runs + arms['sequential-safe'].runs + arms['parallel-coordinated'].runs).toBe(8);
    const perShare = shares.map((s) => Object.values(parseContribution(s.value).classes['etl']!).reduce((n, e) => n + e.runs, 0)).sort();
    expect(perShare).toEqual([3, 5]);
  });

  it('a new loop starts from what the others learned: its first adjustment counts their evidence', async () => {
    const store = new InMemoryStore();
    const worker: AgentDefinition = { id: 'w', capabilities: ['work'], maxConcurrency: 3, run: async () => 1 };
    const one = loopWith([worker], { store, learningId: 'p1' });
    for (let i = 0; i < 4; i++) await one.loop.invoke(wide('etl'), thread());
    const fresh = loopWith([worker], { store, learningId: 'p2' });
    const out = await fresh.loop.invoke(wide('etl'), thread());
    const { state } = await mergedFrom(store);
    expect(state.classes['etl']!.parallel.runs).toBe(5);
    const mean = state.classes['etl']!.parallel.alpha / (state.classes['etl']!.parallel.alpha + state.classes['etl']!.parallel.beta);
    expect(out.adjustment!.expectedRewards.parallel).toBeCloseTo(mean, 12);
    // Alone, the new loop would have seen one run: alpha 1 + r, beta 1 + (1 - r).
    const alone = (1 + out.adjustment!.reward) / 3;
    expect(Math.abs(out.adjustment!.expectedRewards.parallel - alone)).toBeGreaterThan(0.01);
  });

  it('sums agent counters across loops, and a loop restarted with the same learningId keeps its share', async () => {
    const store = new InMemoryStore();
    const shaky: AgentDefinition = { id: 'w', capabilities: ['work'], run: async () => { throw new Error('nope'); } };
    const ok: AgentDefinition = { id: 'ok', capabilities: ['ok'], run: async () => 1 };
    const one = loopWith([shaky, ok], { store, retries: 0, learningId: 'p1' });
    const two = loopWith([shaky, ok], { store, retries: 0, learningId: 'p2' });
    await Promise.all([
      one.loop.invoke(request([{ id: 'x', capability: 'work' }]), thread()),
      two.loop.invoke(request([{ id: 'y', capability: 'work' }]), thread()),
    ]);
    await two.loop.invoke(request([{ id: 'z', capability: 'work' }]), thread());
    const shares = await store.search([...STORE_NAMESPACES.agentHealth]);
    expect(Object.fromEntries(shares.map((s) => [s.key, (s.value as { agents: Record<string, { failures: number }> }).agents['w']!.failures]))).toEqual({ p1: 1, p2: 2 });
    const again = loopWith([shaky, ok], { store, checkpointer: new MemorySaver(), learningId: 'p1' });
    await again.loop.invoke(request([{ id: 'q', capability: 'ok' }]), thread());
    expect(again.loop.pool.states()['w']).toMatchObject({ totalFailures: 3 });
    expect(again.loop.pool.states()['ok']).toMatchObject({ totalSuccesses: 1 });
    // p1 carried on from its stored share instead of starting a new one.
    const p1 = (await store.get([...STORE_NAMESPACES.agentHealth], 'p1'))!.value as { agents: Record<string, { successes: number; failures: number }> };
    expect(p1.agents['w']!.failures).toBe(1);
    expect(p1.agents['ok']!.successes).toBe(1);
  });

  it('leaves out and audits another loop\'s share that does not parse, instead of failing every run', async () => {
    const store = new InMemoryStore();
    await store.put([...STORE_NAMESPACES.adaptiveContributions], 'broken', { version: 1, contributor: 'broken', draws: 0, classes: { etl: { parallel: { alpha: 'x' } } } });
    await store.put([...STORE_NAMESPACES.agentHealth], 'broken', { version: 9 });
    const worker: AgentDefinition = { id: 'w', capabilities: ['work'], maxConcurrency: 3, run: async () => 1 };
    const { loop } = loopWith([worker], { store, learningId: 'p1' });
    const out = await loop.invoke(wide('etl'), thread());
    expect(out.status).toBe('completed');
    const refused = loop.audit.entries().filter((e) => e.action === 'learning.share.refused');
    // Read when planning and again when learning: audited each time it is left out.
    expect([...new Set(refused.map((e) => e.details['namespace']))].sort()).toEqual(['langgraph-no/adaptive-contributions', 'langgraph-no/agent-health']);
    expect(refused[0]!.details['error']).toMatch(/invalid/);
  });

  it('refuses a learningId that is not a plain id', async () => {
    const worker: AgentDefinition = { id: 'w', capabilities: ['work'], run: async () => 1 };
    expect(() => loopWith([worker], { learningId: 'has space' })).toThrow(/learningId must be/);
  });
});

describe('shared knowledge inside a loop (ctx.knowledge)', () => {
  it('lets agents share, confirm and read signed knowledge, with the task as provenance', async () => {
    const store = new InMemoryStore();
    const network = createAgentNetwork();
    const knowledge = createSharedKnowledge({ store, network, quorum: 1, kinds: { finding: z.object({ text: z.string() }) } });
    const researcher: AgentDefinition = {
      id: 'researcher', capabilities: ['research'],
      run: async (_input, ctx) => (await ctx.knowledge!.share({ kind: 'finding', scope: 'team-a', content: { text: 'cache hit rate is 93%' } })).id,
    };
    const reviewer: AgentDefinition = {
      id: 'reviewer', capabilities: ['review'],
      run: async (_input, ctx) => (await ctx.knowledge!.confirm(ctx.dependencies['find'] as string, { scope: 'team-a' })).accepted,
    };
    const writer: AgentDefinition = {
      id: 'writer', capabilities: ['write'],
      run: async (_input, ctx) => (await ctx.knowledge!.get({ scope: 'team-a', acceptedOnly: true })).items.map((i) => i.content),
    };
    const { loop } = loopWith([researcher, reviewer, writer], { knowledge });
    const out = await loop.invoke(
      request([
        { id: 'find', capability: 'research' },
        { id: 'check', capability: 'review', dependsOn: ['find'] },
        { id: 'write', capability: 'write', dependsOn: ['check'] },
      ]),
      { configurable: { thread_id: 'kn-1' } },
    );
    expect(out.status).toBe('completed');
    expect(out.results['check']).toBe(true);
    expect(out.results['write']).toEqual([{ text: 'cache hit rate is 93%' }]);
    const [item] = (await knowledge.getSharedKnowledge('auditor', { scope: 'team-a' })).items;
    expect(item).toMatchObject({ author: 'researcher', confirmedBy: ['reviewer'], provenance: { taskId: 'find', threadId: 'kn-1', runId: out.runId } });
  });

  it('gives agents no ctx.knowledge when the loop has none', async () => {
    let seen: unknown = 'unset';
    const agent: AgentDefinition = { id: 'w', capabilities: ['work'], run: async (_i, ctx) => void (seen = ctx.knowledge) };
    await loopWith([agent]).loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    expect(seen).toBeUndefined();
    expect(await rejectionCode(Promise.reject(Object.assign(new Error('x'), { code: 'X' })))).toBe('X');
  });
});

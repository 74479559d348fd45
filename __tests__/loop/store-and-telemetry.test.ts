import { InMemoryStore, MemorySaver } from '@langchain/langgraph';
import { METRICS } from '../../src/telemetry/index';
import { ADAPTIVE_STATE_KEY, STORE_NAMESPACES, type AgentDefinition } from '../../src/loop/index';
import { installTestTelemetry } from '../helpers/otel';
import { loopWith, request, sleeper, thread } from './helpers';

const wide = (taskClass: string) =>
  request([{ id: 'a', capability: 'work' }, { id: 'b', capability: 'work' }, { id: 'c', capability: 'work' }], { metadata: { taskClass } });
/** The same DAG with tasks that declare medium risk: learning may make it safer. */
const wideRisky = (taskClass: string) =>
  request(['a', 'b', 'c'].map((id) => ({ id, capability: 'work', risk: 'medium' as const })), { metadata: { taskClass } });

describe('learning and agent state across threads (Store)', () => {
  it('records feedback for every run and keeps the adaptive engine in the Store', async () => {
    const store = new InMemoryStore();
    const { loop } = loopWith([sleeper('w1', ['work'], 3)], { store });
    const out = await loop.invoke(wide('etl'), thread());
    expect(out.feedback).toMatchObject({ planId: out.plan!.id, strategy: 'parallel', taskClass: 'etl', totalTasks: 3, succeededTasks: 3, failedTasks: 0 });
    expect(out.adjustment).toMatchObject({ taskClass: 'etl', previousStrategy: 'parallel' });
    // The loop writes its own share under its own key; the single shared key is no longer written.
    expect(await store.get([...STORE_NAMESPACES.adaptive], ADAPTIVE_STATE_KEY)).toBeNull();
    const shares = await store.search([...STORE_NAMESPACES.adaptiveContributions]);
    expect(shares).toHaveLength(1);
    expect(shares[0]!.value).toMatchObject({ version: 1, classes: { etl: { parallel: { runs: 1 } } } });
  });

  it('changes the next run\'s strategy after runs of risky tasks that went badly, also from a new loop on the same Store', async () => {
    const store = new InMemoryStore();
    let fail = true;
    const moody: AgentDefinition = { id: 'w', capabilities: ['work'], maxConcurrency: 3, run: async (_i, ctx) => { if (fail && ctx.task.id !== 'a') throw new Error('overloaded'); return 1; } };
    const first = loopWith([moody], { store, retries: 0 });
    const bad = await first.loop.invoke(wideRisky('batch'), thread());
    expect(bad.status).toBe('failed');
    expect(bad.adjustment).toMatchObject({ recommendedStrategy: 'sequential-safe', changed: true });
    expect(first.events.map((e) => e.type)).toContain('no.schedule.adjusted');
    fail = false;
    const strategies = new Set<string>();
    const second = loopWith([moody], { store });
    for (let i = 0; i < 6; i++) strategies.add((await second.loop.invoke(wideRisky('batch'), thread())).plan!.strategy);
    // A fresh Store plans this request 'parallel' every time; what was learned makes it try others.
    expect([...strategies].some((s) => s !== 'parallel')).toBe(true);
  });

  it('keeps agent state across threads and loops: health carries over through the Store', async () => {
    const store = new InMemoryStore();
    const shaky: AgentDefinition = { id: 'w', capabilities: ['work'], run: async () => { throw new Error('nope'); } };
    const a = loopWith([shaky, sleeper('ok', ['ok'])], { store, retries: 0 });
    await a.loop.invoke(request([{ id: 'x', capability: 'work', priority: 9 }]), thread());
    const stored = await store.get([...STORE_NAMESPACES.agents], 'w');
    expect(stored?.value).toMatchObject({ version: 1, agentId: 'w', totalFailures: 1 });
    const b = loopWith([shaky, sleeper('ok', ['ok'])], { store, checkpointer: new MemorySaver() });
    await b.loop.invoke(request([{ id: 'y', capability: 'ok' }]), thread()).catch(() => undefined);
    expect(b.loop.pool.states()['w']).toMatchObject({ totalFailures: 1 });
  });
});

describe('loop telemetry', () => {
  it('opens no.coordination.execute with the seed attributes and records utilization and efficiency', async () => {
    const otel = installTestTelemetry();
    try {
      const { loop } = loopWith([sleeper('w1', ['work'], 2), sleeper('w2', ['work'])]);
      const out = await loop.invoke(request([{ id: 'a', capability: 'work', input: { ms: 5 } }, { id: 'b', capability: 'work', input: { ms: 5 } }]), thread());
      const span = otel.spans().find((s) => s.name === 'no.coordination.execute')!;
      expect(span.attributes).toMatchObject({
        'no.coordination.id': out.runId,
        'no.coordination.participant_count': 2,
        'no.coordination.participant_ids': 'w1,w2',
        'no.coordination.success_rate': 1,
        'no.coordination.messages_exchanged': 4,
      });
      expect(otel.spans().some((s) => s.name === 'no.scheduling.execute')).toBe(true);
      const efficiency = await otel.metric(METRICS.coordinationEfficiency.name);
      expect(efficiency[0]?.attributes).toEqual({ coordination_type: 'parallel', agent_count: '2' });
      const utilization = await otel.metric(METRICS.agentUtilization.name);
      expect(utilization.map((p) => p.attributes['agent_id']).sort()).toEqual(['w1', 'w2']);
      for (const p of utilization) expect(p.value as number).toBeGreaterThanOrEqual(0);
      const events = otel.spans();
      expect(events.length).toBeGreaterThan(1);
    } finally {
      await otel.shutdown();
    }
  });

  it('carries the coordination span in the events\' traceparent', async () => {
    const otel = installTestTelemetry();
    try {
      const { loop, events } = loopWith([sleeper('w1')]);
      await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
      const span = otel.spans().find((s) => s.name === 'no.coordination.execute')!;
      const started = events.find((e) => e.type === 'orchestration.task.started')!;
      expect(started.traceparent).toContain(span.spanContext().traceId);
    } finally {
      await otel.shutdown();
    }
  });
});

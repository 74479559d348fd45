import { ALL_EVENT_SCHEMAS, EventEnvelopeSchema, type EventEnvelope } from '../../src/contracts/index';
import { createMasterAgentLoop, MasterLoopAnnotation } from '../../src/loop/index';
import { loopWith, rejectionCode, request, sleeper, thread, typesOf } from './helpers';

describe('createMasterAgentLoop', () => {
  it('runs a DAG to completion with results keyed by task id and dependency outputs passed on', async () => {
    const { loop } = loopWith([sleeper('w1', ['work'], 2)]);
    const out = await loop.invoke(
      request([
        { id: 'a', capability: 'work' },
        { id: 'b', capability: 'work', dependsOn: ['a'] },
        { id: 'c', capability: 'work', dependsOn: ['a'] },
        { id: 'd', capability: 'work', dependsOn: ['b', 'c'] },
      ]),
      thread(),
    );
    expect(out.status).toBe('completed');
    expect(out.results).toEqual({ a: 'a()', b: 'b(a)', c: 'c(a)', d: 'd(b,c)' });
    expect(Object.values(out.tasks).map((t) => t.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(out.plan?.order[0]).toBe('a');
    expect(Object.keys(MasterLoopAnnotation.spec)).toEqual(expect.arrayContaining(['request', 'plan', 'results', 'status']));
  });

  it('starts a ready task while a slow one runs', async () => {
    const log: string[] = [];
    const { loop } = loopWith([sleeper('w1', ['work'], 2, log)]);
    await loop.invoke(
      request([
        { id: 'slow', capability: 'work', input: { ms: 150 }, estimatedDurationMs: 150 },
        { id: 'a', capability: 'work', input: { ms: 5 } },
        { id: 'b', capability: 'work', input: { ms: 5 }, dependsOn: ['a'] },
        { id: 'c', capability: 'work', input: { ms: 5 }, dependsOn: ['b'] },
      ]),
      thread(),
    );
    expect(log.indexOf('end c')).toBeLessThan(log.indexOf('end slow'));
    expect(log.indexOf('start c')).toBeGreaterThan(log.indexOf('end b'));
  });

  it('starts the highest-priority ready task first when slots are scarce', async () => {
    const log: string[] = [];
    const { loop } = loopWith([sleeper('w1', ['work'], 1, log)]);
    await loop.invoke(
      request([
        { id: 'low', capability: 'work', priority: 1 },
        { id: 'high', capability: 'work', priority: 9 },
        { id: 'mid', capability: 'work', priority: 5 },
      ]),
      thread(),
    );
    expect(log.filter((l) => l.startsWith('start'))).toEqual(['start high', 'start mid', 'start low']);
  });

  it('emits payloads that match their type’s schema, though the loop skips that check for speed', async () => {
    let calls = 0;
    const flaky = { id: 'flaky', capabilities: ['work'], run: async () => { if (++calls === 1) throw new Error('ECONNRESET: blip'); return 'ok'; } };
    const broken = { id: 'broken', capabilities: ['fragile'], run: async () => { throw new Error('always broken'); } };
    const { loop, events } = loopWith([flaky, broken], { retries: 1 });
    await loop.invoke(request([
      { id: 'a', capability: 'work' },
      { id: 'b', capability: 'fragile', fallback: { value: 'fallback' } },
      { id: 'c', capability: 'fragile', dependsOn: ['a'] },
      { id: 'd', capability: 'work', dependsOn: ['c'] },
    ]), thread());
    expect(typesOf(events)).toEqual(expect.arrayContaining(['orchestration.task.failed', 'no.recovery.action.taken', 'orchestration.task.completed', 'no.run.completed']));
    for (const e of events) {
      const schema = ALL_EVENT_SCHEMAS[e.type as keyof typeof ALL_EVENT_SCHEMAS];
      expect([e.type, schema.safeParse(e.data).success]).toEqual([e.type, true]);
    }
  });

  it('streams every state change live as CloudEvents through the custom stream mode', async () => {
    const { loop } = loopWith([sleeper('w1')]);
    const streamed: EventEnvelope[] = [];
    const stream = await loop.stream(request([{ id: 'a', capability: 'work' }, { id: 'b', capability: 'work', dependsOn: ['a'] }]), {
      ...thread(),
      streamMode: 'custom',
    });
    for await (const chunk of stream) streamed.push(chunk as EventEnvelope);
    for (const e of streamed) expect(EventEnvelopeSchema.parse(e)).toEqual(e);
    const types = typesOf(streamed);
    expect(types[0]).toBe('orchestration.plan.created');
    expect(types).toEqual(expect.arrayContaining(['orchestration.decision.made', 'orchestration.coordination.started', 'no.agent.coordination.started', 'no.run.completed']));
    expect(typesOf(streamed, 'a')).toEqual(['orchestration.task.created', 'orchestration.agent.assigned', 'orchestration.task.started', 'orchestration.agent.freed', 'orchestration.task.completed']);
    const runId = streamed[0]!.correlationId;
    expect(streamed.every((e) => e.correlationId === runId)).toBe(true);
    // b starts only once a's result is stored and announced.
    expect(types.indexOf('orchestration.task.completed')).toBeLessThan(types.lastIndexOf('orchestration.task.started'));
  });

  it('keeps the run in the checkpointer: getState shows the plan, results and task records', async () => {
    const { loop } = loopWith([sleeper('w1')]);
    const config = thread();
    await loop.invoke(request([{ id: 'a', capability: 'work' }]), config);
    const snapshot = await loop.getState(config);
    expect(snapshot.values.results).toEqual({ a: 'a()' });
    expect(snapshot.values.tasks['a']).toMatchObject({ status: 'completed', agentId: 'w1', attempts: 1 });
    expect(snapshot.values.agents['w1']).toMatchObject({ version: 1, totalSuccesses: 1, status: 'idle' });
  });

  it('starts a new run on the same thread from a clean slate', async () => {
    const { loop } = loopWith([sleeper('w1')]);
    const config = thread();
    await loop.invoke(request([{ id: 'a', capability: 'work' }]), config);
    const second = await loop.invoke(request([{ id: 'b', capability: 'work' }]), config);
    expect(second.results).toEqual({ b: 'b()' });
    expect(Object.keys(second.tasks)).toEqual(['b']);
  });
});

describe('bad input', () => {
  const { loop } = loopWith([sleeper('w1')]);

  it.each([
    ['an invalid request', { tasks: [] }, 'INVALID_REQUEST'],
    ['a cycle', { tasks: [{ id: 'a', dependsOn: ['b'] }, { id: 'b', dependsOn: ['a'] }] }, 'CYCLE_DETECTED'],
    ['a capability no agent offers', { tasks: [{ id: 'a', capability: 'teleport' }] }, 'NO_CAPABLE_AGENT'],
    ['a fallback capability no agent offers', { tasks: [{ id: 'a', capability: 'work', fallback: { capability: 'teleport' } }] }, 'NO_CAPABLE_AGENT'],
  ])('refuses %s with a typed error before any agent runs', async (_what, req, code) => {
    expect(await rejectionCode(loop.invoke({ request: req as never }, thread()))).toBe(code);
  });

  it.each([
    ['durability exit', { durability: 'exit' as const }],
    ['checkpointDuring false', { checkpointDuring: false }],
  ])('refuses %s, under which finished tasks would not survive a crash', async (_what, extra) => {
    expect(await rejectionCode(loop.invoke(request([{ id: 'a', capability: 'work' }]), { ...thread(), ...extra }))).toBe('INVALID_REQUEST');
  });

  it('refuses to run without a request', async () => {
    expect(await rejectionCode(loop.invoke({}, thread()))).toBe('INVALID_REQUEST');
  });

  it('refuses agents with duplicate ids or no runner', () => {
    expect(() => createMasterAgentLoop({ agents: [sleeper('w'), sleeper('w')] })).toThrow(/duplicate agent id 'w'/);
    expect(() => createMasterAgentLoop({ agents: [{ id: 'w', capabilities: ['x'], run: 42 as never }] })).toThrow(/run must be a function/);
    expect(() => createMasterAgentLoop({ agents: [{ id: 'w', capabilities: [], run: async () => 1 }] })).toThrow(/capabilities/);
  });
});

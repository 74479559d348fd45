import { ALL_EVENT_SCHEMAS, type EventEnvelope, type EventType } from '../../src/contracts/events';
import type { Anomaly, Correction } from '../../src/contracts/anomaly';
import { isNoError } from '../../src/contracts/errors';
import { createListeners } from '../../src/contracts/listeners';
import { createEventEnvelope } from '../../src/telemetry/events';
import { createAgentPool, createSelfHealing, type AgentDefinition, type AgentFunction, type AnomalyNotice } from '../../src/loop/index';
import { installTestTelemetry } from '../helpers/otel';
import { loopWith, request, sleepMs, thread, until } from './helpers';

/** Records what a healer says, and checks every event against its schema. */
function watch(healing: ReturnType<typeof createSelfHealing>) {
  const notices: AnomalyNotice[] = [];
  const corrections: Correction[] = [];
  const events: EventEnvelope[] = [];
  healing.onAnomaly((n) => notices.push(n));
  healing.onCorrection((c) => corrections.push(c));
  healing.onEvent((e) => {
    ALL_EVENT_SCHEMAS[e.type as EventType].parse(e.data);
    events.push(e);
  });
  return { notices, corrections, events };
}

/** An agent whose first instance turns slow after `healthyCalls`; a rebuilt one is fast again. */
function degradingAgent(id: string, healthyCalls: number, marks: { degradedAt?: number }): AgentDefinition {
  let generation = 0;
  const build = (): AgentFunction => {
    const gen = ++generation;
    let calls = 0;
    return async (_input, ctx) => {
      calls++;
      const slow = gen === 1 && calls > healthyCalls;
      if (slow) marks.degradedAt ??= Date.now();
      await sleepMs(slow ? 300 : 5, ctx.signal);
      return { id: ctx.task.id, text: 'x'.repeat(100) };
    };
  };
  return { id, capabilities: ['work'], maxConcurrency: 1, run: build(), factory: build };
}

const independent = (n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ id: `t${i}`, capability: 'work', ...extra }));

describe('createSelfHealing on a loop', () => {
  it('detects an agent that degrades mid-run, restarts it from its factory, and the run finishes', async () => {
    const marks: { degradedAt?: number } = {};
    const { loop } = loopWith([degradingAgent('a', 12, marks)]);
    const healing = createSelfHealing({ loop, intervalMs: 0 });
    const seen = watch(healing);
    try {
      const out = await loop.invoke(request(independent(30)), thread());
      expect(out.status).toBe('completed');
      expect(Object.values(out.tasks).filter((t) => t.status === 'completed')).toHaveLength(30);
      await until(() => seen.notices.some((n) => n.state === 'resolved'));

      const detected = seen.notices.find((n) => n.state === 'detected')!.anomaly;
      expect(detected).toMatchObject({ kind: 'latency', subjectType: 'agent', subject: 'a' });
      expect(seen.corrections).toHaveLength(1);
      expect(seen.corrections[0]).toMatchObject({ anomalyId: detected.id, action: 'restart', outcome: 'applied', agentIds: ['a'] });
      expect(loop.pool.states()['a']!.restarts).toBe(1);
      const resolved = seen.notices.find((n) => n.state === 'resolved')!.anomaly;
      expect(resolved.id).toBe(detected.id);
      // Recovery: from the first slow call to the anomaly's resolution, within the seed's 30 s.
      const recoveryMs = resolved.at - marks.degradedAt!;
      if (process.env['REPORT_RECOVERY']) process.stdout.write(`self-healing recovery: ${recoveryMs} ms\n`);
      expect(recoveryMs).toBeLessThan(30_000);

      expect(seen.events.map((e) => e.type)).toEqual(['no.anomaly.detected', 'no.anomaly.corrected', 'no.anomaly.resolved']);
      const record = loop.audit.entries().find((e) => e.action === 'anomaly.restart');
      expect(record).toMatchObject({ actor: 'self-healing', outcome: 'success', details: expect.objectContaining({ subject: 'a', anomalyId: detected.id }) });
      expect(loop.audit.verify().ok).toBe(true);
    } finally {
      healing.close();
    }
  });

  it('takes no action on a clean run of a chaos-free workload', async () => {
    const jittery = (id: string, maxConcurrency: number): AgentDefinition => ({
      id, capabilities: ['work'], maxConcurrency,
      run: async (_input, ctx) => {
        // Calls of 20-60 ms: a loaded test machine's timer jitter (a few ms, sometimes tens) is not an incident.
        await sleepMs(20 + Math.floor(Math.random() * 40), ctx.signal);
        return { id: ctx.task.id, text: 'y'.repeat(200 + Math.floor(Math.random() * 50)) };
      },
    });
    const { loop } = loopWith([jittery('a', 2), jittery('b', 2), jittery('c', 1)]);
    const healing = createSelfHealing({ loop, intervalMs: 20 });
    const seen = watch(healing);
    try {
      // Layers of a DAG: each task of a layer depends on one task of the layer before.
      const tasks = Array.from({ length: 80 }, (_, i) => ({ id: `t${i}`, capability: 'work', ...(i >= 10 ? { dependsOn: [`t${i - 10}`] } : {}) }));
      const out = await loop.invoke(request(tasks), thread());
      expect(out.status).toBe('completed');
      await sleepMs(100);
      expect(seen.notices).toEqual([]);
      expect(seen.corrections).toEqual([]);
      expect(loop.audit.entries().filter((e) => e.actor === 'self-healing')).toEqual([]);
      for (const id of ['a', 'b', 'c']) {
        expect(loop.pool.states()[id]!.restarts).toBe(0);
        expect(loop.pool.concurrency(id)).toBe(loop.pool.definition(id).maxConcurrency ?? 1);
      }
    } finally {
      healing.close();
    }
  });

  it('quarantines a failing agent that has no factory: the rest of the run goes to the others', async () => {
    let calls = 0;
    const flaky: AgentDefinition = {
      id: 'a-flaky', capabilities: ['work'], maxConcurrency: 2,
      run: async () => {
        if (++calls > 4) throw new Error('model endpoint returns 500');
        await sleepMs(2);
        return 'ok';
      },
    };
    const steady: AgentDefinition = { id: 'b-steady', capabilities: ['work'], maxConcurrency: 1, run: async () => { await sleepMs(2); return 'ok'; } };
    // A breaker that would take long to open alone, so the quarantine is self-healing's doing.
    const { loop, events } = loopWith([flaky, steady], { pool: { breaker: { failureThreshold: 100 } } });
    const healing = createSelfHealing({ loop, intervalMs: 0, detectors: { errorRate: { minSamples: 3, threshold: 0.5 } } });
    const seen = watch(healing);
    // The quarantine is taken inside the listener that hears the failure: every later start is after it.
    let cut = -1;
    healing.onAnomaly(({ state }) => {
      if (state === 'detected' && cut < 0) cut = events.length;
    });
    try {
      const out = await loop.invoke(request(independent(40, { retries: 5 })), thread());
      expect(out.status).toBe('completed');
      const quarantine = seen.corrections.find((c) => c.action === 'quarantine');
      expect(quarantine).toMatchObject({ kind: 'error-rate', subject: 'a-flaky', outcome: 'applied' });
      expect(loop.pool.breaker('a-flaky').snapshot().isolated).toBe(true);
      expect(Object.keys(healing.quarantined())).toEqual(['a-flaky']);
      // After the quarantine no attempt starts on the flaky agent.
      expect(cut).toBeGreaterThan(0);
      const later = events.slice(cut).filter((e) => e.type === 'orchestration.task.started').map((e) => (e.data as { agentId: string }).agentId);
      expect(later.length).toBeGreaterThan(0);
      expect(later).not.toContain('a-flaky');
    } finally {
      healing.close();
    }
  });

  it("does not count bad input against the agent that refused it", async () => {
    const picky: AgentDefinition = {
      id: 'a', capabilities: ['work'], maxConcurrency: 2,
      run: async () => { throw Object.assign(new Error('input has no url'), { classification: 'bad-input' }); },
    };
    const other: AgentDefinition = { id: 'b', capabilities: ['work'], run: async () => 'ok' };
    const { loop } = loopWith([picky, other]);
    const healing = createSelfHealing({ loop, intervalMs: 0, detectors: { errorRate: { minSamples: 2 } } });
    const seen = watch(healing);
    try {
      const out = await loop.invoke(request(independent(8)), thread());
      expect(out.status).toBe('failed');
      expect(seen.notices).toEqual([]);
      expect(seen.corrections).toEqual([]);
    } finally {
      healing.close();
    }
  });

  it('moves the tasks of a stalled run off the agent that holds them', async () => {
    const hang: AgentDefinition = { id: 'a-hang', capabilities: ['work'], maxConcurrency: 2, run: async (_i, ctx) => { await sleepMs(60_000, ctx.signal); return 'never'; } };
    const ok: AgentDefinition = { id: 'b-ok', capabilities: ['work'], maxConcurrency: 1, run: async () => { await sleepMs(2); return 'ok'; } };
    const { loop, events } = loopWith([hang, ok]);
    const healing = createSelfHealing({ loop, intervalMs: 0, detectors: { stall: { rounds: 3 } } });
    const seen = watch(healing);
    try {
      const tasks = [{ id: 'first', capability: 'work', timeoutMs: 800 }, ...Array.from({ length: 4 }, (_, i) => ({ id: `next${i}`, capability: 'work', dependsOn: ['first'] }))];
      const running = loop.invoke(request(tasks), thread());
      await until(() => events.some((e) => e.type === 'orchestration.task.started'));
      expect((events.find((e) => e.type === 'orchestration.task.started')!.data as { agentId: string }).agentId).toBe('a-hang');
      for (let i = 0; i < 3; i++) await healing.tick();
      const stall = seen.notices.find((n) => n.state === 'detected')!.anomaly;
      expect(stall).toMatchObject({ kind: 'stall', subjectType: 'run', agentIds: ['a-hang'] });
      expect(seen.corrections[0]).toMatchObject({ action: 'move-tasks', outcome: 'applied', agentIds: ['a-hang'] });
      expect(seen.events.find((e) => e.type === 'no.anomaly.detected')!.correlationId).toBe(stall.subject);

      const out = await running;
      expect(out.status).toBe('completed');
      const starts = events.filter((e) => e.type === 'orchestration.task.started').map((e) => (e.data as { agentId: string }).agentId);
      expect(starts.slice(1).every((id) => id === 'b-ok')).toBe(true);
      // The stall ended with the run's next progress.
      expect(seen.notices.filter((n) => n.state === 'resolved').map((n) => n.anomaly.kind)).toContain('stall');
    } finally {
      healing.close();
    }
  });

  it('traces, counts and audits every action', async () => {
    const otel = installTestTelemetry();
    try {
      const { loop } = loopWith([degradingAgent('a', 12, {})]);
      const healing = createSelfHealing({ loop, intervalMs: 0 });
      await loop.invoke(request(independent(20)), thread());
      healing.close();
      const span = otel.spans().find((s) => s.name === 'no.anomaly.correct');
      expect(span?.attributes).toMatchObject({ 'no.anomaly.kind': 'latency', 'no.anomaly.subject': 'a', 'no.anomaly.action': 'restart', 'no.anomaly.outcome': 'applied' });
      expect(await otel.metric('no_anomalies_total')).toEqual([expect.objectContaining({ attributes: { kind: 'latency', subject_type: 'agent' }, value: 1 })]);
      expect(await otel.metric('no_healing_actions_total')).toEqual([
        expect.objectContaining({ attributes: { kind: 'latency', action: 'restart', outcome: 'applied' }, value: 1 }),
      ]);
    } finally {
      await otel.shutdown();
    }
  });
});

describe('createSelfHealing on a pool', () => {
  const clock = { t: 1_000_000 };
  const now = () => clock.t;
  const slowThenFast = (healing: ReturnType<typeof createSelfHealing>, values: number[]) =>
    values.forEach((ms) => healing.observe({ subjectType: 'agent', subject: 'a', ok: true, latencyMs: ms }));

  it('lowers concurrency first for slow calls, escalates to a restart, and lifts the cap once resolved', async () => {
    let built = 0;
    const pool = createAgentPool().add([{ id: 'a', capabilities: ['work'], maxConcurrency: 4, run: async () => 'ok', factory: () => { built++; return async () => 'ok'; } }]);
    const healing = createSelfHealing({ pool, intervalMs: 0, now, escalateAfterMs: 5_000 });
    const seen = watch(healing);
    slowThenFast(healing, [...Array.from({ length: 20 }, () => 100), 5_000, 5_000, 5_000]);
    await until(() => seen.corrections.length === 1);
    expect(seen.corrections[0]).toMatchObject({ action: 'lower-concurrency', outcome: 'applied' });
    expect(pool.concurrency('a')).toBe(2);

    clock.t += 4_000;
    await healing.tick();
    expect(seen.corrections).toHaveLength(1);
    clock.t += 1_000;
    await healing.tick();
    expect(seen.corrections[1]).toMatchObject({ action: 'restart', outcome: 'applied' });
    expect(built).toBe(1);

    slowThenFast(healing, [100, 101, 99]);
    expect(seen.notices.map((n) => n.state)).toEqual(['detected', 'resolved']);
    expect(pool.concurrency('a')).toBe(4);
  });

  it('quarantines for quarantineMs, then gives the agent a fresh start', async () => {
    const pool = createAgentPool().add([
      { id: 'a', capabilities: ['work'], run: async () => 'ok' },
      { id: 'b', capabilities: ['work'], run: async () => 'ok' },
    ]);
    const healing = createSelfHealing({ pool, intervalMs: 0, now, quarantineMs: 30_000 });
    const seen = watch(healing);
    for (let i = 0; i < 6; i++) healing.observe({ subjectType: 'agent', subject: 'a', ok: false });
    await until(() => seen.corrections.length === 1);
    expect(seen.corrections[0]).toMatchObject({ kind: 'error-rate', action: 'quarantine', outcome: 'applied' });
    expect(pool.available('a')).toBe(false);
    clock.t += 29_999;
    await healing.tick();
    expect(pool.available('a')).toBe(false);
    clock.t += 1;
    await healing.tick();
    expect(pool.available('a')).toBe(true);
    expect(healing.quarantined()).toEqual({});
    expect(seen.notices.map((n) => n.state)).toEqual(['detected', 'resolved']);
    expect(healing.anomalies()).toEqual([]);
  });

  it('does nothing, and says why, when no action applies or the subject is a tool', async () => {
    const pool = createAgentPool().add([{ id: 'solo', capabilities: ['work'], run: async () => 'ok' }]);
    const healing = createSelfHealing({ pool, intervalMs: 0, now });
    const seen = watch(healing);
    for (let i = 0; i < 6; i++) healing.observe({ subjectType: 'agent', subject: 'solo', ok: false });
    for (let i = 0; i < 6; i++) healing.observe({ subjectType: 'tool', subject: 'primitive/read', ok: false });
    await until(() => seen.corrections.length === 2);
    expect(seen.corrections.map((c) => [c.subjectType, c.action, c.outcome])).toEqual([['agent', 'none', 'skipped'], ['tool', 'none', 'skipped']]);
    expect(seen.corrections[0]!.reason).toMatch(/no action left for solo/);
    expect(pool.available('solo')).toBe(true);
  });

  it("watches tool layers' calls and reports a slow tool without touching the pool", async () => {
    const pool = createAgentPool().add([{ id: 'a', capabilities: ['work'], run: async () => 'ok' }]);
    const layer = createListeners<EventEnvelope>();
    const healing = createSelfHealing({ pool, tools: [{ onEvent: layer.on }], intervalMs: 0, now });
    const seen = watch(healing);
    const call = (durationMs: number) =>
      layer.emit(createEventEnvelope('no.tool.layer.invoked', { layer: 'primitive', tool: 'read', caller: 'a', success: true, durationMs }));
    for (let i = 0; i < 20; i++) call(3);
    expect(seen.notices).toEqual([]);
    for (let i = 0; i < 3; i++) call(2_000);
    expect(seen.notices[0]?.anomaly).toMatchObject({ kind: 'latency', subjectType: 'tool', subject: 'primitive/read' });
    await until(() => seen.corrections.length === 1);
    expect(seen.corrections[0]).toMatchObject({ action: 'none', outcome: 'skipped' });
    healing.close();
    call(2_000);
    expect(seen.notices).toHaveLength(1);
  });

  it('only reports when autoCorrect is off; detectAndCorrect acts on demand', async () => {
    const pool = createAgentPool().add([
      { id: 'a', capabilities: ['work'], run: async () => 'ok' },
      { id: 'b', capabilities: ['work'], run: async () => 'ok' },
    ]);
    const healing = createSelfHealing({ pool, intervalMs: 0, now, autoCorrect: false });
    const seen = watch(healing);
    for (let i = 0; i < 6; i++) healing.observe({ subjectType: 'agent', subject: 'a', ok: false });
    expect(seen.notices).toHaveLength(1);
    await sleepMs(10);
    expect(seen.corrections).toEqual([]);
    const correction = await healing.detectAndCorrect(seen.notices[0]!.anomaly);
    expect(correction).toMatchObject({ action: 'quarantine', outcome: 'applied' });
  });

  it('refuses bad options and a malformed anomaly with NoErrors that say how to fix them', async () => {
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        return isNoError(error) ? error.code : 'not a NoError';
      }
      return undefined;
    };
    expect(codeOf(() => createSelfHealing({}))).toBe('INVALID_REQUEST');
    expect(codeOf(() => createSelfHealing(undefined as never))).toBe('INVALID_REQUEST');
    const pool = createAgentPool().add([{ id: 'a', capabilities: ['work'], run: async () => 'ok' }]);
    expect(codeOf(() => createSelfHealing({ pool, quarantineMs: -1 }))).toBe('INVALID_NUMBER');
    expect(codeOf(() => createSelfHealing({ pool, detectors: { latency: { trip: 0 } } }))).toBe('INVALID_NUMBER');
    const healing = createSelfHealing({ pool, intervalMs: 0 });
    await expect(healing.detectAndCorrect({ kind: 'latency' } as Anomaly)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });
});

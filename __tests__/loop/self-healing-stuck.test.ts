import { ALL_EVENT_SCHEMAS, type EventEnvelope, type EventType } from '../../src/contracts/events';
import type { Anomaly, Correction } from '../../src/contracts/anomaly';
import { createAgentPool, createSelfHealing, type AgentDefinition } from '../../src/loop/index';
import { loopWith, request, sleepMs, thread } from './helpers';

// No task has a timeout and the loop's default is far beyond the test: only a pre-emption frees a hung attempt.
const NO_TIMEOUT = { attemptTimeoutMs: 600_000 };
const independent = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `t${i}`, capability: 'work', retries: 0 }));
const agentOf = (e: EventEnvelope): unknown => (e.data as { agentId?: unknown; metadata?: { agentId?: unknown } }).agentId ?? (e.data as { metadata?: { agentId?: unknown } }).metadata?.agentId;

/** An agent that answers in `ms` for `healthyCalls` calls, then in `slowMs`, or never (it respects its signal). */
function turning(id: string, maxConcurrency: number, ms: number, healthyCalls: number, then: number | 'hang'): AgentDefinition {
  let calls = 0;
  return {
    id, capabilities: ['work'], maxConcurrency,
    run: async (_input, ctx) => {
      const bad = ++calls > healthyCalls;
      if (bad && then === 'hang') await sleepMs(2 ** 31 - 1, ctx.signal);
      await sleepMs(bad ? (then as number) : ms, ctx.signal);
      return `${ctx.task.id} by ${id}`;
    },
  };
}
const steady = (id: string, ms: number): AgentDefinition => turning(id, 1, ms, Infinity, 0);

/** The loop's events and the healer's, in the one order they happened. */
function timeline(loop: { onEvent(l: (e: EventEnvelope) => void): () => void }, healing: ReturnType<typeof createSelfHealing>) {
  const all: EventEnvelope[] = [];
  const corrections: Correction[] = [];
  loop.onEvent((e) => all.push(e));
  healing.onEvent((e) => {
    ALL_EVENT_SCHEMAS[e.type as EventType].parse(e.data);
    all.push(e);
  });
  healing.onCorrection((c) => corrections.push(c));
  return { all, corrections };
}

describe('self-healing finds an attempt stuck on an agent while the run goes on elsewhere', () => {
  it('moves a hung agent\'s task off it before the run\'s other tasks are done, and the run completes', async () => {
    const { loop } = loopWith([turning('h', 1, 10, 5, 'hang'), steady('a', 10), steady('b', 10)], NO_TIMEOUT);
    // Rounds every 10 ms; a 50 ms floor so the 10 ms calls set a bound of tens of ms, not the default 250.
    const healing = createSelfHealing({ loop, intervalMs: 10, detectors: { stuck: { floorMs: 50 } } });
    const { all, corrections } = timeline(loop, healing);
    try {
      const out = await loop.invoke(request(independent(150)), thread());
      expect(out.status).toBe('completed');
      expect(Object.values(out.tasks).filter((t) => t.status === 'completed')).toHaveLength(150);

      const detected = all.find((e) => e.type === 'no.anomaly.detected');
      expect(detected?.data).toMatchObject({ kind: 'stuck', subjectType: 'agent', subject: 'h', message: expect.stringMatching(/has completed nothing since/) });
      const anomaly = detected!.data as Anomaly;
      expect(anomaly.value).toBeGreaterThan(anomaly.threshold);
      expect(corrections[0]).toMatchObject({ kind: 'stuck', subject: 'h', action: 'move-tasks', outcome: 'applied', agentIds: ['h'],
        reason: expect.stringMatching(/h taken out of dispatch.*1 stuck attempt\(s\) pre-empted/) });
      // No stall: the run kept going on a and b the whole time.
      expect(all.filter((e) => e.type === 'no.anomaly.detected').map((e) => (e.data as Anomaly).kind)).toEqual(['stuck']);

      // Order, not time: the move came while the other agents still had tasks of the run to complete.
      const movedAt = all.findIndex((e) => e.type === 'no.anomaly.corrected');
      const completedAfter = all.slice(movedAt).filter((e) => e.type === 'orchestration.task.completed');
      const hungTask = (all.find((e) => e.type === 'orchestration.task.failed')!.data as { taskId: string }).taskId;
      expect(completedAfter.filter((e) => (e.data as { taskId: string }).taskId !== hungTask).length).toBeGreaterThan(0);
      // The hung task itself ran again on a stand-in, outside its retry budget (retries: 0).
      expect(out.errors).toEqual([expect.objectContaining({ taskId: hungTask, agentId: 'h', code: 'PREEMPTED' })]);
      expect(out.tasks[hungTask]).toMatchObject({ status: 'completed', attempts: 2 });
      expect(['a', 'b']).toContain(out.tasks[hungTask]!.agentId);
      // h is out of dispatch: nothing started on it after the move.
      expect(all.slice(movedAt).filter((e) => e.type === 'orchestration.task.started').map(agentOf)).not.toContain('h');
      expect(Object.keys(healing.quarantined())).toEqual(['h']);
      expect(loop.audit.entries().find((e) => e.action === 'anomaly.move-tasks')).toMatchObject({
        actor: 'self-healing', outcome: 'success', details: expect.objectContaining({ kind: 'stuck', subject: 'h' }) });
    } finally {
      healing.close();
    }
  });

  it('leaves a slow but live agent alone: calls at 3x its median that still complete are not pre-empted', async () => {
    // s answers in 40 ms for 12 calls, then in 120 ms for good; floorMs 0, so only its median sets the bound.
    const { loop } = loopWith([turning('s', 2, 40, 12, 120), steady('a', 40)], NO_TIMEOUT);
    const healing = createSelfHealing({ loop, intervalMs: 10, detectors: { stuck: { floorMs: 0 } } });
    const { all, corrections } = timeline(loop, healing);
    try {
      const out = await loop.invoke(request(independent(45)), thread());
      expect(out.status).toBe('completed');
      // s did run slow calls, and completed them.
      const slowDone = all.filter((e) => e.type === 'orchestration.task.completed' && agentOf(e) === 's'
        && ((e.data as { durationMs?: number }).durationMs ?? 0) >= 100);
      expect(slowDone.length).toBeGreaterThan(3);
      expect(out.errors).toEqual([]);
      // Its slow calls are the latency detector's business (it may lower s's concurrency); nothing is stuck or moved.
      expect(all.filter((e) => e.type === 'no.anomaly.detected').map((e) => (e.data as Anomaly).kind)).not.toContain('stuck');
      expect(corrections.map((c) => c.action)).not.toContain('move-tasks');
      expect(corrections.map((c) => c.action)).not.toContain('quarantine');
      expect(healing.quarantined()).toEqual({});
    } finally {
      healing.close();
    }
  });

  it('takes no action on a clean run where one agent is much slower than its peers', async () => {
    // Before 'slow' has samples of its own it is judged by its faster peers; the floor keeps that from being a hang.
    const { loop } = loopWith([steady('slow', 80), steady('fast1', 10), steady('fast2', 10)], NO_TIMEOUT);
    const healing = createSelfHealing({ loop, intervalMs: 10 });
    const { all, corrections } = timeline(loop, healing);
    try {
      const out = await loop.invoke(request(independent(60)), thread());
      expect(out.status).toBe('completed');
      expect(all.filter((e) => e.type === 'orchestration.task.completed').map(agentOf)).toContain('slow');
      expect(all.filter((e) => e.type.startsWith('no.anomaly.'))).toEqual([]);
      expect(corrections).toEqual([]);
      expect(loop.audit.entries().filter((e) => e.actor === 'self-healing')).toEqual([]);
    } finally {
      healing.close();
    }
  });
});

describe('a stuck anomaly on a pool', () => {
  const stuckOn = (subject: string, id: string): Anomaly => ({ id, kind: 'stuck', subjectType: 'agent', subject, value: 900, baseline: 20, threshold: 375, message: `${subject} hangs`, at: 0 });

  it('judges attempts the pool tracks against the latencies fed through observe, on each tick', async () => {
    const clock = { t: 1_000_000 };
    const now = () => clock.t;
    const pool = createAgentPool({ now }).add([
      { id: 'a', capabilities: ['work'], maxConcurrency: 2, run: async () => 'ok' },
      { id: 'b', capabilities: ['work'], run: async () => 'ok' },
    ]);
    const healing = createSelfHealing({ pool, intervalMs: 0, now });
    const notices: string[] = [];
    healing.onAnomaly((n) => notices.push(`${n.state} ${n.anomaly.kind} ${n.anomaly.subject}`));
    const corrections: Correction[] = [];
    healing.onCorrection((c) => corrections.push(c));
    for (let i = 0; i < 10; i++) healing.observe({ subjectType: 'agent', subject: 'a', ok: true, latencyMs: 100 });
    const stopped: string[] = [];
    pool.track('a', (e) => stopped.push(e.code));
    // 100 ms calls: bound 500 ms, opening bound 750 ms.
    clock.t += 700;
    await healing.tick();
    expect(notices).toEqual([]);
    clock.t += 100;
    await healing.tick();
    expect(notices).toEqual(['detected stuck a']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(corrections).toEqual([expect.objectContaining({ kind: 'stuck', action: 'move-tasks', outcome: 'applied', agentIds: ['a'] })]);
    expect(stopped).toEqual(['PREEMPTED']);
    expect(pool.breaker('a').state).not.toBe('closed');
    await healing.tick();
    expect(notices).toEqual(['detected stuck a', 'resolved stuck a']);
    healing.close();
  });

  it('pre-empts the stuck attempts of an agent another anomaly took out of dispatch already', async () => {
    const pool = createAgentPool().add([
      { id: 'a', capabilities: ['work'], run: async () => 'ok' },
      { id: 'b', capabilities: ['work'], run: async () => 'ok' },
    ]);
    const healing = createSelfHealing({ pool, intervalMs: 0 });
    const stopped: string[] = [];
    pool.track('a', (e) => stopped.push(e.message));
    const first = await healing.detectAndCorrect(stuckOn('a', 'x1'));
    expect(first).toMatchObject({ kind: 'stuck', action: 'move-tasks', outcome: 'applied', reason: expect.stringMatching(/a taken out of dispatch.*1 stuck attempt/) });
    expect(stopped).toEqual(["attempt on 'a' pre-empted: a hangs"]);

    pool.track('a', (e) => stopped.push(e.message));
    const again = await healing.detectAndCorrect(stuckOn('a', 'x2'));
    expect(again).toMatchObject({ action: 'move-tasks', outcome: 'applied', reason: expect.stringMatching(/a is out of dispatch already; 1 stuck attempt/) });
    expect(stopped).toHaveLength(2);
  });

  it('does nothing, and says why, for a stuck agent no other agent covers and without a factory', async () => {
    const pool = createAgentPool().add([{ id: 'solo', capabilities: ['work'], run: async () => 'ok' }]);
    const healing = createSelfHealing({ pool, intervalMs: 0 });
    let stopped = 0;
    pool.track('solo', () => stopped++);
    const c = await healing.detectAndCorrect(stuckOn('solo', 'y1'));
    expect(c).toMatchObject({ action: 'none', outcome: 'skipped', reason: expect.stringMatching(/no action left for solo \(move-tasks/) });
    expect(stopped).toBe(0);
  });
});

describe('AgentPool.running', () => {
  it('reports the age of each attempt tracked on the agent, until it is untracked or pre-empted', () => {
    const clock = { t: 1_000 };
    const pool = createAgentPool({ now: () => clock.t }).add([
      { id: 'a', capabilities: ['work'], run: async () => 'ok' },
      { id: 'b', capabilities: ['work'], run: async () => 'ok' },
    ]);
    const done = pool.track('a', () => undefined);
    clock.t += 100;
    pool.track('a', () => undefined);
    clock.t += 50;
    expect(pool.running('a')).toEqual([150, 50]);
    expect(pool.running('b')).toEqual([]);
    done();
    expect(pool.running('a')).toEqual([50]);
    pool.preempt('a', 'stuck');
    expect(pool.running('a')).toEqual([]);
    expect(() => pool.running('ghost')).toThrow(expect.objectContaining({ code: 'AGENT_NOT_FOUND' }));
  });
});

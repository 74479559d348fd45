import { ALL_EVENT_SCHEMAS, type EventEnvelope, type EventType } from '../../src/contracts/events';
import type { Correction } from '../../src/contracts/anomaly';
import { isNoError } from '../../src/contracts/errors';
import { createAgentPool, createSelfHealing, type AgentDefinition, type AgentFunction } from '../../src/loop/index';
import { loopWith, request, sleepMs, thread, until } from './helpers';

const agentOf = (e: EventEnvelope): unknown => (e.data as { agentId?: unknown; metadata?: { agentId?: unknown } }).agentId ?? (e.data as { metadata?: { agentId?: unknown } }).metadata?.agentId;

/** An agent whose attempts never end on their own; each one's signal is kept so the test can see it fire. */
function hanging(id: string, signals: AbortSignal[], respectsSignal: boolean, late?: Promise<unknown>): AgentDefinition {
  return {
    id, capabilities: ['work'], maxConcurrency: 1,
    run: (_input, ctx) => {
      signals.push(ctx.signal);
      if (!respectsSignal) return late ?? new Promise(() => undefined);
      return new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
    },
  };
}
const steady: AgentDefinition = { id: 'b-ok', capabilities: ['work'], maxConcurrency: 1, run: async (_i, ctx) => { await sleepMs(2); return `ok ${ctx.task.id} on b-ok`; } };

// No task has a timeout and the loop's default is far beyond the test: only a pre-emption moves the run on.
const NO_TIMEOUT = { attemptTimeoutMs: 600_000 };
const tasks = [{ id: 'first', capability: 'work', retries: 0 }, ...Array.from({ length: 3 }, (_, i) => ({ id: `next${i}`, capability: 'work', dependsOn: ['first'] }))];

/** Starts a run, waits for its first attempt to land on `agentId`, then gives the healer stall rounds until it acts. */
async function stallOn(healing: ReturnType<typeof createSelfHealing>, events: EventEnvelope[], agentId: string, corrections: Correction[]): Promise<void> {
  await until(() => events.some((e) => e.type === 'orchestration.task.started'));
  expect(agentOf(events.find((e) => e.type === 'orchestration.task.started')!)).toBe(agentId);
  for (let i = 0; i < 3; i++) await healing.tick();
  await until(() => corrections.length > 0);
}

describe('self-healing pre-empts the attempts of a stalled run', () => {
  it('aborts a hanging attempt and runs the task at once on another agent, outside its retry budget', async () => {
    const signals: AbortSignal[] = [];
    const { loop, events } = loopWith([hanging('a-hang', signals, true), steady], NO_TIMEOUT);
    const healing = createSelfHealing({ loop, intervalMs: 0, detectors: { stall: { rounds: 3 } } });
    const corrections: Correction[] = [];
    const healingEvents: EventEnvelope[] = [];
    healing.onCorrection((c) => corrections.push(c));
    healing.onEvent((e) => {
      ALL_EVENT_SCHEMAS[e.type as EventType].parse(e.data);
      healingEvents.push(e);
    });
    try {
      const running = loop.invoke(request(tasks), thread());
      await stallOn(healing, events, 'a-hang', corrections);
      const out = await running;

      expect(out.status).toBe('completed');
      expect(out.tasks['first']).toMatchObject({ status: 'completed', agentId: 'b-ok', attempts: 2 });
      expect(out.results['first']).toBe('ok first on b-ok');
      // The stuck attempt's signal fired with the pre-emption, so the agent could stop its work.
      expect(signals).toHaveLength(1);
      expect(signals[0]!.aborted).toBe(true);
      expect(isNoError(signals[0]!.reason, 'PREEMPTED')).toBe(true);
      // It is in the task's record as pre-empted, and moved without touching the retry budget (retries: 0).
      expect(out.errors).toEqual([expect.objectContaining({ taskId: 'first', agentId: 'a-hang', classification: 'agent-fault', code: 'PREEMPTED', attempt: 1 })]);
      expect(out.recoveries).toEqual([expect.objectContaining({ taskId: 'first', type: 'redistribute', level: 'scheduler', agentId: 'a-hang', reason: expect.stringMatching(/pre-empted.*another agent/) })]);
      const failed = events.find((e) => e.type === 'orchestration.task.failed')!;
      expect(failed.data).toMatchObject({ taskId: 'first', retryable: true, metadata: { agentId: 'a-hang', code: 'PREEMPTED' } });

      expect(corrections[0]).toMatchObject({ kind: 'stall', action: 'move-tasks', outcome: 'applied', agentIds: ['a-hang'], reason: expect.stringMatching(/1 stuck attempt\(s\) pre-empted/) });
      expect(healingEvents.map((e) => e.type)).toContain('no.anomaly.corrected');
      const record = loop.audit.entries().find((e) => e.action === 'anomaly.move-tasks');
      expect(record).toMatchObject({ actor: 'self-healing', outcome: 'success', details: expect.objectContaining({ agentIds: ['a-hang'], reason: expect.stringMatching(/pre-empted/) }) });
      // Every later attempt went to the stand-in.
      const starts = events.filter((e) => e.type === 'orchestration.task.started').map(agentOf);
      expect(starts.slice(1).every((id) => id === 'b-ok')).toBe(true);
    } finally {
      healing.close();
    }
  });

  it('moves on from an attempt that ignores its signal, and drops its late result', async () => {
    const signals: AbortSignal[] = [];
    let finishLate!: (value: unknown) => void;
    const late = new Promise((resolve) => (finishLate = resolve));
    const { loop, events } = loopWith([hanging('a-deaf', signals, false, late), steady], NO_TIMEOUT);
    const healing = createSelfHealing({ loop, intervalMs: 0, detectors: { stall: { rounds: 3 } } });
    const corrections: Correction[] = [];
    healing.onCorrection((c) => corrections.push(c));
    try {
      const config = thread();
      const running = loop.invoke(request(tasks), config);
      await stallOn(healing, events, 'a-deaf', corrections);
      const out = await running;
      expect(out.status).toBe('completed');
      expect(out.tasks['first']).toMatchObject({ agentId: 'b-ok' });
      expect(out.results['first']).toBe('ok first on b-ok');
      expect(signals[0]!.aborted).toBe(true);

      // The deaf agent answers long after its attempt was pre-empted: nothing takes the answer.
      finishLate('late answer from a-deaf');
      await sleepMs(20);
      const { values } = await loop.getState(config);
      const stored = values as { tasks: Record<string, { agentId?: string }>; results: Record<string, unknown> };
      expect(stored.tasks['first']).toMatchObject({ agentId: 'b-ok' });
      expect(stored.results['first']).toBe('ok first on b-ok');
      const completions = events.filter((e) => e.type === 'orchestration.task.completed' && (e.data as { taskId: string }).taskId === 'first');
      expect(completions.map(agentOf)).toEqual(['b-ok']);
    } finally {
      healing.close();
    }
  });

  it('runs the task again on the rebuilt agent when no other agent has the capability', async () => {
    let generation = 0;
    const build = (): AgentFunction => {
      const gen = ++generation;
      return (_input, ctx) =>
        gen === 1
          ? new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }))
          : Promise.resolve(`ok ${ctx.task.id} from generation ${gen}`);
    };
    const solo: AgentDefinition = { id: 'solo', capabilities: ['work'], maxConcurrency: 1, run: build(), factory: build };
    const { loop, events } = loopWith([solo], NO_TIMEOUT);
    const healing = createSelfHealing({ loop, intervalMs: 0, detectors: { stall: { rounds: 3 } } });
    const corrections: Correction[] = [];
    healing.onCorrection((c) => corrections.push(c));
    try {
      const running = loop.invoke(request(tasks), thread());
      await stallOn(healing, events, 'solo', corrections);
      const out = await running;
      expect(corrections[0]).toMatchObject({ action: 'move-tasks', outcome: 'applied', reason: expect.stringMatching(/rebuilt from its factory; 1 stuck attempt/) });
      // retries: 0 and no stand-in: an ordinary agent fault would have failed the task here.
      expect(out.status).toBe('completed');
      expect(out.tasks['first']).toMatchObject({ agentId: 'solo', attempts: 2 });
      expect(out.results['first']).toBe('ok first from generation 2');
      expect(out.recoveries).toEqual([expect.objectContaining({ type: 'redistribute', agentId: 'solo', reason: expect.stringMatching(/'solo' once rebuilt/) })]);
    } finally {
      healing.close();
    }
  });

  it('leaves a stuck attempt to its timeout when preempt is off', async () => {
    const signals: AbortSignal[] = [];
    const { loop, events } = loopWith([hanging('a-hang', signals, true), steady], { attemptTimeoutMs: 1_000 });
    const healing = createSelfHealing({ loop, intervalMs: 0, preempt: false, detectors: { stall: { rounds: 3 } } });
    const corrections: Correction[] = [];
    healing.onCorrection((c) => corrections.push(c));
    try {
      const running = loop.invoke(request(tasks), thread());
      await stallOn(healing, events, 'a-hang', corrections);
      expect(corrections[0]).toMatchObject({ action: 'move-tasks', outcome: 'applied' });
      expect(corrections[0]!.reason).not.toMatch(/pre-empted/);
      const out = await running;
      expect(out.status).toBe('completed');
      expect(out.errors).toEqual([expect.objectContaining({ agentId: 'a-hang', code: 'TIMEOUT' })]);
    } finally {
      healing.close();
    }
  });
});

describe('AgentPool.preempt', () => {
  it('aborts the attempts tracked on the agent, once each, and only those', () => {
    const pool = createAgentPool().add([
      { id: 'a', capabilities: ['work'], run: async () => 'ok' },
      { id: 'b', capabilities: ['work'], run: async () => 'ok' },
    ]);
    const seen: string[] = [];
    pool.track('a', (e) => seen.push(`a1 ${e.code} ${e.message}`));
    const done = pool.track('a', () => seen.push('a2'));
    pool.track('b', () => seen.push('b1'));
    done();
    expect(pool.preempt('a', 'stuck for 30 s')).toBe(1);
    expect(seen).toEqual(["a1 PREEMPTED attempt on 'a' pre-empted: stuck for 30 s"]);
    expect(pool.preempt('a', 'again')).toBe(0);
    expect(() => pool.preempt('ghost', 'x')).toThrow(expect.objectContaining({ code: 'AGENT_NOT_FOUND' }));
  });
});

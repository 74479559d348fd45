import { createRunEmitter } from '../../src/loop/emitter';
import { threadIdOf } from '../../src/loop/runtime';
import { stopError } from '../../src/loop/run-task';
import {
  applyLimits,
  createAgentPool,
  decideRecovery,
  Dispatcher,
  initialAgentState,
  migrateAgentState,
  type FailureContext,
} from '../../src/loop/index';
import { NoError, TaskSchema, type EventEnvelope } from '../../src/contracts/index';
import { createListeners } from '../../src/contracts/listeners';
import { captureListenerErrors } from '../helpers/listener-errors';
import { loopWith, request, sleeper, thread } from './helpers';

describe('agent state versions', () => {
  it('reads the current version as it is and refuses a malformed one', () => {
    const state = initialAgentState('a', 5);
    expect(migrateAgentState(structuredClone(state))).toEqual(state);
    expect(() => migrateAgentState({ ...state, circuit: 'ajar' })).toThrow(expect.objectContaining({ code: 'STATE_MIGRATION_FAILED' }));
  });

  it('migrates a version 0 state forward, keeping its history', () => {
    expect(migrateAgentState({ agentId: 'old', healthy: false, failures: 3, successes: 9, lastSuccessAt: 100, memory: { k: 1 } })).toMatchObject({
      version: 1, agentId: 'old', status: 'degraded', totalFailures: 3, totalSuccesses: 9, lastSuccessAt: 100, memory: { k: 1 },
    });
    expect(migrateAgentState({ version: 0, agentId: 'x' })).toMatchObject({ status: 'idle', totalFailures: 0 });
  });

  it.each([[{ version: 7, agentId: 'x' }], [{ hello: 'world' }], [null], ['text']])('refuses %p rather than resetting an agent', (raw) => {
    expect(() => migrateAgentState(raw)).toThrow(expect.objectContaining({ code: 'STATE_MIGRATION_FAILED' }));
  });
});

describe('agent pool', () => {
  it('reports health, load and when an open circuit recovers', () => {
    let now = 1_000;
    const pool = createAgentPool({ now: () => now, breaker: { failureThreshold: 1, recoveryTimeoutMs: 50 } }).add([sleeper('a', ['x'], 2)]);
    expect(pool.health('a')).toBe('healthy');
    pool.begin('a');
    expect(pool.load('a')).toBe(0.5);
    expect(pool.utilization()).toBe(0.5);
    pool.end('a');
    expect(pool.recoversAt('a')).toBeUndefined();
    void pool.breaker('a').execute(async () => { throw new Error('x'); }).catch(() => undefined);
    return Promise.resolve().then(async () => {
      await new Promise((r) => setImmediate(r));
      pool.recordFailure('a');
      expect(pool.health('a')).toBe('unhealthy');
      expect(pool.available('a')).toBe(false);
      expect(pool.recoversAt('a')).toBe(1_050);
      now = 1_060;
      expect(pool.health('a')).toBe('degraded');
      expect(pool.recoversAt('a')).toBe(1_060);
      expect(pool.available('a')).toBe(true);
    });
  });

  it('does not restart an agent without a factory, and refuses unknown agents', async () => {
    const pool = await createAgentPool().initializeAgents([sleeper('a')]);
    expect(await pool.restart('a')).toBe(false);
    expect(() => pool.definition('ghost')).toThrow(expect.objectContaining({ code: 'AGENT_NOT_FOUND' }));
    expect(createAgentPool().utilization()).toBe(0);
  });

  it('restores persisted states (any known version) and ignores agents it does not have', () => {
    const pool = createAgentPool({ breaker: { recoveryTimeoutMs: 60_000 } }).add([sleeper('a')]);
    const broken = { ...initialAgentState('a'), circuit: 'open' as const, consecutiveFailures: 5, lastFailureAt: Date.now(), activeTasks: 3 };
    pool.restore({ a: broken, ghost: initialAgentState('ghost') });
    expect(pool.states()['a']).toMatchObject({ activeTasks: 0, circuit: 'open', status: 'broken' });
    expect(pool.health('a')).toBe('unhealthy');
    pool.restore({ a: { agentId: 'a', failures: 1 } });
    expect(pool.states()['a']).toMatchObject({ circuit: 'closed', totalFailures: 1 });
  });
});

describe('hierarchical recovery decisions', () => {
  const task = TaskSchema.parse({ id: 't' });
  const base: FailureContext = { task, agentId: 'a', classification: 'agent-fault', message: 'm', retriesUsed: 0, maxRetries: 2, alternatives: 0, circuitOpened: false, canRestart: false, fallbackAvailable: false };
  it.each<[string, Partial<FailureContext>, string, string]>([
    ['a transient failure with retries left', { classification: 'transient' }, 'agent', 'retry-with-backoff'],
    ['a transient failure out of retries, with another agent', { classification: 'transient', retriesUsed: 2, alternatives: 1 }, 'scheduler', 'redistribute'],
    ['an agent fault with another agent', { alternatives: 2 }, 'scheduler', 'redistribute'],
    ['an agent fault that broke a restartable agent', { alternatives: 1, circuitOpened: true, canRestart: true }, 'scheduler', 'restart-and-redistribute'],
    ['a fatal failure', { classification: 'fatal', fallbackAvailable: true }, 'system', 'abort'],
    ['bad input with a fallback', { classification: 'bad-input', alternatives: 3, fallbackAvailable: true }, 'fallback', 'fallback'],
    ['bad input without a fallback', { classification: 'bad-input', alternatives: 3 }, 'fallback', 'abort'],
    ['no agent at all', { agentId: undefined, classification: 'transient' }, 'fallback', 'abort'],
  ])('answers %s at the %s level with %s', (_what, patch, level, type) => {
    const action = decideRecovery({ ...base, ...patch });
    expect(action).toMatchObject({ level, type, taskId: 't' });
    expect(action.reason.length).toBeGreaterThan(0);
  });

  it('lets a custom strategy list take over', () => {
    const always = { level: 'system' as const, canHandle: () => true, recover: () => ({ type: 'replan' as const, reason: 'custom' }) };
    expect(decideRecovery(base, [always])).toMatchObject({ type: 'replan', level: 'system' });
  });
});

describe('dispatcher edges', () => {
  const tasks = [
    { id: 'a', index: 0, priority: 5, tail: 1, resources: {}, dependsOn: [], exclusive: false },
    { id: 'b', index: 1, priority: 5, tail: 1, resources: {}, dependsOn: ['a'], exclusive: false },
  ];
  it('blocks dependents of a failed task and refuses everything once cancelled', async () => {
    const pool = createAgentPool().add([sleeper('w', ['x'])]);
    const d = new Dispatcher({ tasks, pool, capacities: {}, maxConcurrent: 2 });
    const waiting = d.waitForDependencies('b');
    d.fail('a', 'broke');
    expect(await waiting).toEqual({ ok: false, reason: "dependency 'a' failed: broke" });
    d.complete('a', 1);
    d.fail('a', 'ignored once completed');
    d.cancel('stop');
    expect(await d.acquire('a')).toEqual({ kind: 'cancelled', reason: 'stop' });
    expect(await d.waitForDependencies('a')).toEqual({ ok: false, reason: 'stop' });
    expect(() => d.acquire('ghost')).toThrow(expect.objectContaining({ code: 'INTERNAL_ERROR' }));
  });

  it('answers no-agent at once when every capable agent is excluded or broken, and counts usage', async () => {
    const pool = createAgentPool().add([sleeper('w', ['x'])]);
    const d = new Dispatcher({ tasks: [{ ...tasks[0]!, resources: { cpu: 2 } }], pool, capacities: { cpu: 4 }, maxConcurrent: 1 });
    expect(await d.acquire('a', { exclude: new Set(['w']) })).toMatchObject({ kind: 'no-agent', reason: expect.stringContaining('any capability') });
    const grant = await d.acquire('a', { capability: 'x' });
    expect(grant.kind).toBe('granted');
    expect([d.runningCount, d.used('cpu')]).toEqual([1, 2]);
    if (grant.kind === 'granted') {
      grant.release();
      grant.release();
    }
    expect([d.runningCount, d.used('cpu')]).toEqual([0, 0]);
  });
});

describe('small pieces', () => {
  it('keeps a failing listener from breaking the run, and reports its error by the listener rule', async () => {
    const errors = captureListenerErrors();
    const seen: string[] = [];
    const listeners = createListeners<EventEnvelope>();
    const bug = new Error('listener bug');
    listeners.on(() => {
      throw bug;
    });
    listeners.on((e) => seen.push(e.type));
    const emitter = createRunEmitter({ listeners, correlationId: 'r' });
    emitter.emit('orchestration.agent.freed', { agentId: 'a' }, { causationId: 'c', subject: 's' });
    expect(seen).toEqual(['orchestration.agent.freed']);
    expect(await errors.settled()).toEqual([bug]);
  });

  it('reads thread ids of any form', () => {
    expect([threadIdOf({ configurable: { thread_id: 7 } }), threadIdOf({})]).toEqual(['7', 'default']);
  });

  it('lets the loop limits only tighten a request', () => {
    expect(applyLimits({ tasks: [], resources: { cpu: 16, gpu: 1 }, constraints: { maxConcurrentAgents: 10 } }, { maxConcurrentAgents: 4, resources: { cpu: 8 } }, 6)).toMatchObject({
      resources: { cpu: 8, gpu: 1 }, constraints: { maxConcurrentAgents: 4 },
    });
    expect(applyLimits({ tasks: [] }, {}, 3).constraints).toEqual({ maxConcurrentAgents: 3 });
  });

  it('falls back when every agent is already broken before the task starts', async () => {
    const broken = { id: 'w', capabilities: ['x'], run: async () => { throw new Error('down'); } };
    const { loop } = loopWith([broken], { retries: 0, pool: { breaker: { failureThreshold: 1, recoveryTimeoutMs: 60_000 } } });
    const out = await loop.invoke(request([
      { id: 'first', capability: 'x', priority: 9, fallback: { value: 'f1' } },
      { id: 'second', capability: 'x', priority: 1, fallback: { value: 'f2' } },
      { id: 'third', capability: 'x', priority: 1, dependsOn: ['second'] },
    ]), thread());
    expect(out.results).toMatchObject({ first: 'f1', second: 'f2' });
    expect(out.tasks['second']).toMatchObject({ attempts: 0, usedFallback: true });
    expect(out.tasks['third']?.error?.message).toContain('no healthy agent');
  });

  it("reports a stopped run's reason: the loop's own as it is, anything else as a cancellation", () => {
    expect(stopError(new NoError('TIMEOUT', 'deadline passed'))).toEqual({ message: 'deadline passed', code: 'TIMEOUT' });
    expect(stopError(new Error('user stop'))).toEqual({ message: 'run cancelled: user stop', code: 'ABORTED' });
    expect(stopError('shutting down')).toEqual({ message: 'run cancelled: shutting down', code: 'ABORTED' });
    expect(stopError(undefined)).toEqual({ message: 'run cancelled', code: 'ABORTED' });
  });
});

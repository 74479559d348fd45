import { TaskSchema } from '../../src/contracts/index';
import { createListeners } from '../../src/contracts/listeners';
import { createRunEmitter } from '../../src/loop/emitter';
import { createAgentPool, DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_TASK_RETRIES, Dispatcher, runTask, type AgentDefinition } from '../../src/loop/index';
import { exponentialBackoff } from '../../src/resilience/index';

afterEach(() => jest.useRealTimers());

describe('the default per-attempt timeout', () => {
  it('gives up on an agent that never answers after 60 s per attempt, 3 attempts in all, when nothing else sets a timeout', async () => {
    jest.useFakeTimers();
    const signals: AbortSignal[] = [];
    const silent: AgentDefinition = { id: 'h', capabilities: ['x'], run: (_input, ctx) => { signals.push(ctx.signal); return new Promise(() => {}); } };
    const pool = createAgentPool().add([silent]);
    const dispatcher = new Dispatcher({
      tasks: [{ id: 'a', index: 0, priority: 5, tail: 1, resources: {}, dependsOn: [], exclusive: false }],
      pool, capacities: {}, maxConcurrent: 1,
    });
    const outcome = runTask(TaskSchema.parse({ id: 'a', capability: 'x' }), {
      dispatcher, pool, emitter: createRunEmitter({ listeners: createListeners(), correlationId: 'r' }), threadId: 't', idempotencyKey: () => 'k',
      signal: new AbortController().signal, defaultTimeoutMs: DEFAULT_ATTEMPT_TIMEOUT_MS, defaultRetries: DEFAULT_TASK_RETRIES,
      backoff: exponentialBackoff({ jitter: 'none', initialDelayMs: 100 }), onError: () => {}, onRecovery: () => {}, onFatal: () => {},
    });

    await jest.advanceTimersByTimeAsync(60_000 - 1);
    expect(signals.map((s) => s.aborted)).toEqual([false]);
    await jest.advanceTimersByTimeAsync(1);
    expect(signals[0]?.reason).toMatchObject({ code: 'TIMEOUT' });
    // Two more attempts of 60 s, each after a short backoff wait: done within 3 minutes and a second.
    let settled: unknown;
    void outcome.then((o) => (settled = o));
    await jest.advanceTimersByTimeAsync(2 * 60_000 + 1_000);
    expect(settled).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'TIMEOUT', classification: 'transient' } });
    expect(signals.every((s) => s.aborted)).toBe(true);
  });
});

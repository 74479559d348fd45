import { NoError, TaskSchema } from '../../src/contracts/index';
import { createListeners } from '../../src/contracts/listeners';
import { createRunEmitter } from '../../src/loop/emitter';
import { createAgentPool, createMasterAgentLoop, Dispatcher, runTask, type AgentDefinition, type TaskOutcome } from '../../src/loop/index';
import { exponentialBackoff, retry, type ExponentialBackoffOptions } from '../../src/resilience/index';

afterEach(() => jest.useRealTimers());

const BACKOFF: ExponentialBackoffOptions = { initialDelayMs: 100, maxDelayMs: 10_000, jitter: 'none' };
const transient = (): Error => Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });

/** The delays `retry()` waits with a backoff built from `options`, for `failures` transient failures in a row. */
async function retryDelays(options: ExponentialBackoffOptions, failures: number): Promise<number[]> {
  const delays: number[] = [];
  let left = failures;
  await retry({ maxAttempts: failures + 1, backoff: exponentialBackoff(options), sleep: async (ms) => void delays.push(ms) })
    .execute(async () => { if (left-- > 0) throw transient(); });
  return delays;
}

/**
 * Runs one task on `agents` under fake timers, failing attempt n with `failures[n - 1]` (nothing:
 * success), and returns the outcome and the fake clock's time at each attempt's start.
 */
async function runWithFailures(agents: string[], failures: Array<(() => unknown) | undefined>): Promise<{ outcome: TaskOutcome; startedAt: number[]; agentOf: string[] }> {
  jest.useFakeTimers({ now: 0 });
  const startedAt: number[] = [];
  const agentOf: string[] = [];
  const definitions: AgentDefinition[] = agents.map((id) => ({
    id, capabilities: ['x'],
    run: async (_input, ctx) => {
      startedAt.push(Date.now());
      agentOf.push(ctx.agentId);
      const fail = failures[ctx.attempt - 1];
      if (fail) throw fail();
      return 'done';
    },
  }));
  const pool = createAgentPool().add(definitions);
  const dispatcher = new Dispatcher({
    tasks: [{ id: 'a', index: 0, priority: 5, tail: 1, resources: {}, dependsOn: [], exclusive: false }],
    pool, capacities: {}, maxConcurrent: 1,
  });
  const running = runTask(TaskSchema.parse({ id: 'a', capability: 'x', retries: 3 }), {
    dispatcher, pool, emitter: createRunEmitter({ listeners: createListeners(), correlationId: 'r' }), threadId: 't', idempotencyKey: () => 'k',
    signal: new AbortController().signal, defaultTimeoutMs: 60_000, defaultRetries: 3,
    backoff: exponentialBackoff(BACKOFF), onError: () => {}, onRecovery: () => {}, onFatal: () => {},
  });
  await jest.advanceTimersByTimeAsync(60_000);
  return { outcome: await running, startedAt, agentOf };
}

/**
 * The dispatcher grants an agent on the next macrotask (setImmediate); fake timers run one scheduled
 * while they advance 1 ms later. Each gap between attempts is the wait before it plus that tick.
 */
const GRANT_TICK_MS = 1;
const waits = (startedAt: number[]): number[] => startedAt.slice(1).map((t, i) => t - startedAt[i]! - GRANT_TICK_MS);

describe("the loop's retries", () => {
  it('wait the delays retry() waits with the same backoff', async () => {
    const { outcome, startedAt } = await runWithFailures(['w'], [transient, transient, transient]);
    expect(outcome).toMatchObject({ status: 'completed', attempts: 4 });
    expect(outcome.recoveries.map((r) => r.type)).toEqual(['retry-with-backoff', 'retry-with-backoff', 'retry-with-backoff']);
    expect(waits(startedAt)).toEqual(await retryDelays(BACKOFF, 3));
    expect(waits(startedAt)).toEqual([100, 200, 400]);
  });

  it('move to another agent at once, and carry the retry count and backoff sequence across the move', async () => {
    const agentFault = (): Error => new Error('model crashed');
    const { outcome, startedAt, agentOf } = await runWithFailures(['w1', 'w2'], [transient, agentFault, transient]);
    expect(outcome).toMatchObject({ status: 'completed', attempts: 4 });
    expect(outcome.recoveries.map((r) => r.type)).toEqual(['retry-with-backoff', 'redistribute', 'retry-with-backoff']);
    expect(outcome.recoveries[2]?.reason).toContain('retry 2 of 3');
    // The agent that faulted is not asked again.
    expect(agentOf[2]).not.toBe(agentOf[1]);
    expect(agentOf[3]).not.toBe(agentOf[1]);
    // The second retry waits the backoff's second delay: the move neither waited nor started it over.
    expect(waits(startedAt)).toEqual([100, 0, 200]);
  });

  it('stop at the first failure that is not worth a retry, as retry() does', async () => {
    const { outcome, startedAt } = await runWithFailures(['w'], [transient, () => new NoError('INVALID_INPUT', 'no such column')]);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 2, error: { classification: 'bad-input', code: 'INVALID_INPUT' } });
    expect(waits(startedAt)).toEqual([100]);
  });
});

describe('the loop’s backoff', () => {
  it('follows each task’s own retries, even when concurrent tasks retry with a decorrelated backoff', async () => {
    jest.useFakeTimers({ now: 0 });
    const startedAt = new Map<string, number[]>();
    const flaky: AgentDefinition = {
      id: 'w', capabilities: ['x'], maxConcurrency: 2,
      run: async (_input, ctx) => {
        startedAt.set(ctx.task.id, [...(startedAt.get(ctx.task.id) ?? []), Date.now()]);
        if (ctx.attempt <= 2) throw transient();
        return ctx.task.id;
      },
    };
    // With random() = 0.5 a decorrelated backoff waits 200 ms, then 100 + 0.5 × (3 × 200 − 100) = 350 ms.
    const loop = createMasterAgentLoop({ agents: [flaky], backoff: { initialDelayMs: 100, maxDelayMs: 10_000, jitter: 'decorrelated', random: () => 0.5 } });
    const running = loop.invoke({ request: { tasks: [{ id: 'a', capability: 'x' }, { id: 'b', capability: 'x' }] } }, { configurable: { thread_id: 'decorrelated' } });
    await jest.advanceTimersByTimeAsync(5_000);
    const out = await running;
    expect(out.status).toBe('completed');
    for (const id of ['a', 'b']) expect({ id, waits: waits(startedAt.get(id)!) }).toEqual({ id, waits: [200, 350] });
  });
});

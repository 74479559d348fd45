import { NoError, isNoError } from '../../src/contracts/index';
import { createMasterAgentLoop, type AgentDefinition } from '../../src/loop/index';
import { deadlineError, deadlineOf } from '../../src/loop/run-deadline';
import { MAX_TIMER_MS } from '../../src/resilience/timeout';
import { loopWith, rejectionCode, request, sleepMs, thread, typesOf } from './helpers';

/** Agents that log which tasks they start: `fast` finishes at once (and can be undone), `hang` never does. */
function agents() {
  const started: string[] = [];
  const undone: string[] = [];
  const signals = new Map<string, AbortSignal>();
  const fast: AgentDefinition = {
    id: 'fast', capabilities: ['fast'], maxConcurrency: 4,
    run: async (_input, ctx) => { started.push(ctx.task.id); return ctx.task.id; },
    compensate: (_output, ctx) => { undone.push(ctx.task.id); },
  };
  // Ignores its signal on purpose: the deadline must not wait for an agent that does not listen.
  const hang: AgentDefinition = {
    id: 'hang', capabilities: ['hang'],
    run: (_input, ctx) => { started.push(ctx.task.id); signals.set(ctx.task.id, ctx.signal); return new Promise(() => {}); },
  };
  return { started, undone, signals, list: [fast, hang] };
}

// a -> b (hangs) -> c, and a -> d, which waits for the single slot b holds (b goes first: priority).
const hangingPlan = request(
  [
    { id: 'a', capability: 'fast', priority: 10 },
    { id: 'b', capability: 'hang', dependsOn: ['a'], priority: 10 },
    { id: 'c', capability: 'fast', dependsOn: ['b'] },
    { id: 'd', capability: 'fast', dependsOn: ['a'], priority: 1 },
  ],
  { constraints: { maxConcurrentAgents: 1 }, strategy: 'parallel' },
);

describe('the run deadline (runTimeoutMs)', () => {
  it('ends a run stuck on a hanging agent: failed with a TIMEOUT naming the option, every signal aborted, nothing else started, completed work undone', async () => {
    const a = agents();
    // Long enough for 'b' to start on a loaded machine (the deadline counts from the run's start).
    const { loop, events } = loopWith(a.list, { runTimeoutMs: 1_500 });
    const out = await loop.invoke(hangingPlan, thread());

    expect(out.status).toBe('failed');
    expect(out.runError).toMatchObject({ code: 'TIMEOUT', details: { option: 'runTimeoutMs', timeoutMs: 1_500 } });
    expect(out.runError?.message).toContain('runTimeoutMs is 1500 ms');
    const reason: unknown = a.signals.get('b')?.reason;
    expect(a.signals.get('b')?.aborted).toBe(true);
    expect(isNoError(reason, 'TIMEOUT') && reason.details['option']).toBe('runTimeoutMs');

    expect(a.started).toEqual(['a', 'b']);
    expect(typesOf(events, 'c')).not.toContain('orchestration.task.started');
    expect(typesOf(events, 'd')).not.toContain('orchestration.task.started');
    for (const id of ['b', 'c', 'd']) {
      expect(out.tasks[id]).toMatchObject({ status: 'cancelled', error: { code: 'TIMEOUT', classification: 'fatal' } });
    }
    expect(out.tasks['b']?.attempts).toBe(1);

    expect(a.undone).toEqual(['a']);
    expect(out.compensated).toEqual(['a']);
    const end = events.find((e) => e.type === 'no.run.completed');
    expect(end?.data).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
  });

  it('takes one run’s deadline from configurable.runTimeoutMs over the loop’s option', async () => {
    const a = agents();
    const { loop } = loopWith(a.list, { runTimeoutMs: 600_000 });
    const out = await loop.invoke(hangingPlan, { configurable: { ...thread().configurable, runTimeoutMs: 50 } });
    expect(out.status).toBe('failed');
    expect(out.runError).toMatchObject({ code: 'TIMEOUT', details: { option: 'configurable.runTimeoutMs', timeoutMs: 50 } });
  });

  it('leaves a run that ends in time as it is', async () => {
    const a = agents();
    const { loop } = loopWith(a.list, { runTimeoutMs: 600_000 });
    const out = await loop.invoke(request([{ id: 'a', capability: 'fast' }, { id: 'b', capability: 'fast', dependsOn: ['a'] }]), thread());
    expect(out).toMatchObject({ status: 'completed', runError: null, compensated: [] });
    expect(out.runDeadline).toMatchObject({ timeoutMs: 600_000, option: 'runTimeoutMs' });
  });

  it('refuses a deadline that is not a positive whole number of ms, before any agent runs', async () => {
    expect(() => createMasterAgentLoop({ agents: agents().list, runTimeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER' }));
    expect(() => createMasterAgentLoop({ agents: agents().list, runTimeoutMs: MAX_TIMER_MS + 1 })).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER' }));
    const a = agents();
    const { loop } = loopWith(a.list);
    const bad = loop.invoke(hangingPlan, { configurable: { ...thread().configurable, runTimeoutMs: 1.5 } });
    expect(await rejectionCode(bad)).toBe('INVALID_NUMBER');
    expect(a.started).toEqual([]);
  });

  it('stops a task waiting out its backoff instead of retrying it', async () => {
    let calls = 0;
    const flaky: AgentDefinition = { id: 'w', capabilities: ['work'], run: async () => { calls++; throw Object.assign(new Error('reset'), { code: 'ECONNRESET' }); } };
    const { loop } = loopWith([flaky], { runTimeoutMs: 100, backoff: { initialDelayMs: 600_000, maxDelayMs: 600_000, jitter: 'none' } });
    const out = await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    expect(calls).toBe(1);
    expect(out).toMatchObject({ status: 'failed', runError: { code: 'TIMEOUT' } });
    expect(out.tasks['a']).toMatchObject({ status: 'cancelled', attempts: 1, error: { code: 'TIMEOUT', classification: 'fatal' } });
  });

  it('does not re-plan when the next round could only start past the deadline', async () => {
    let calls = 0;
    const recovering: AgentDefinition = { id: 'w', capabilities: ['work'], run: async () => { if (calls++ === 0) throw new Error('warming up'); return 'ok'; } };
    const { loop } = loopWith([recovering], {
      retries: 0, maxRounds: 2, maxReplanWaitMs: 60_000, runTimeoutMs: 20,
      pool: { breaker: { failureThreshold: 1, recoveryTimeoutMs: 30_000 } },
    });
    const out = await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    expect(out).toMatchObject({ status: 'failed', round: 0 });
    expect(out.recoveries.map((r) => r.type)).not.toContain('replan');
  });
});

describe("the caller's signal", () => {
  it('stops the run the same way inside: agents aborted, nothing new started, the end announced; invoke rejects with its reason', async () => {
    const a = agents();
    const { loop, events } = loopWith(a.list);
    const user = new AbortController();
    const running = loop.invoke(hangingPlan, { ...thread(), signal: user.signal });
    while (!a.signals.has('b')) await sleepMs(1);
    user.abort(new Error('user stop'));
    await expect(running).rejects.toThrow('user stop');
    expect(a.signals.get('b')?.aborted).toBe(true);
    // The stopped run finishes its bookkeeping in the background: give it a while to announce its end.
    for (let i = 0; i < 500 && !typesOf(events).includes('no.run.completed'); i++) await sleepMs(2);
    expect(events.find((e) => e.type === 'no.run.completed')?.data).toMatchObject({
      status: 'cancelled', error: { code: 'ABORTED', message: 'run cancelled: user stop' },
    });
    expect(a.started).toEqual(['a', 'b']);
    expect(typesOf(events, 'd')).not.toContain('orchestration.task.started');
    expect(a.undone).toEqual([]);
  });
});

describe('deadlineOf and deadlineError', () => {
  it('prefers the invoke’s configurable.runTimeoutMs, then the loop’s option, else no deadline', () => {
    expect(deadlineOf({ configurable: { runTimeoutMs: 5 } }, 100, 1_000)).toEqual({ at: 1_005, timeoutMs: 5, option: 'configurable.runTimeoutMs' });
    expect(deadlineOf({}, 100, 1_000)).toEqual({ at: 1_100, timeoutMs: 100, option: 'runTimeoutMs' });
    expect(deadlineOf({}, undefined)).toBeNull();
  });

  it('makes an error that no retry policy retries, since the run is over', () => {
    const error = deadlineError({ at: 0, timeoutMs: 5, option: 'runTimeoutMs' });
    expect(error).toBeInstanceOf(NoError);
    expect(error).toMatchObject({ code: 'TIMEOUT', classification: 'fatal' });
  });
});

import { NoError } from '../../src/contracts/index';
import type { AgentDefinition } from '../../src/loop/index';
import { closedPortUrl, httpServer } from '../helpers/network';
import { loopWith, request, sleeper, sleepMs, thread, typesOf } from './helpers';

const transient = (): Error => Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });

/** An agent that fails its first `failures` attempts with `error()`, then succeeds. */
function flaky(id: string, failures: number, error: () => unknown, capabilities = ['work']): AgentDefinition & { calls: string[] } {
  const calls: string[] = [];
  let left = failures;
  return {
    id,
    capabilities,
    calls,
    run: async (_input, ctx) => {
      calls.push(`${ctx.task.id}#${ctx.attempt}`);
      if (left-- > 0) throw error();
      return `${id}:${ctx.task.id}`;
    },
  };
}

describe('recovery', () => {
  it('retries a transient failure with backoff on the same task and keeps the idempotency key', async () => {
    const keys: string[] = [];
    let left = 2;
    const agent: AgentDefinition = { id: 'w1', capabilities: ['work'], run: async (_i, ctx) => { keys.push(ctx.idempotencyKey); if (left-- > 0) throw transient(); return 'ok'; } };
    const { loop, audit } = Object.assign(loopWith([agent]), { audit: undefined });
    void audit;
    const out = await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    expect(out.status).toBe('completed');
    expect(out.tasks['a']).toMatchObject({ attempts: 3, status: 'completed' });
    expect(out.recoveries.map((r) => `${r.level}:${r.type}`)).toEqual(['agent:retry-with-backoff', 'agent:retry-with-backoff']);
    expect(out.errors.map((e) => e.classification)).toEqual(['transient', 'transient']);
    expect(new Set(keys).size).toBe(1);
    expect(loop.audit.entries().map((e) => e.action)).toEqual(['recovery.retry-with-backoff', 'recovery.retry-with-backoff']);
    expect(loop.audit.verify().ok).toBe(true);
  });

  it('retries a fetch whose connection is refused instead of treating it as an agent fault', async () => {
    const refused = await closedPortUrl();
    const live = await httpServer('hello');
    try {
      const urls: string[] = [];
      // The README's fetch agent; the first attempt hits a port nothing listens on.
      const fetcher: AgentDefinition = {
        id: 'fetcher', capabilities: ['http'],
        run: async (_input, ctx) => {
          const url = ctx.attempt === 1 ? refused : live.url;
          urls.push(url);
          return fetch(url, { signal: ctx.signal }).then((r) => r.text());
        },
      };
      const { loop } = loopWith([fetcher]);
      const out = await loop.invoke(request([{ id: 'page', capability: 'http' }]), thread());
      expect(out.status).toBe('completed');
      expect(out.results['page']).toBe('hello');
      expect(out.tasks['page']).toMatchObject({ attempts: 2, agentId: 'fetcher' });
      expect(urls).toEqual([refused, live.url]);
      expect(out.errors).toEqual([expect.objectContaining({ classification: 'transient', message: 'fetch failed' })]);
      expect(out.recoveries.map((r) => `${r.level}:${r.type}`)).toEqual(['agent:retry-with-backoff']);
    } finally {
      await live.close();
    }
  });

  it('spends every retry on a connection that stays refused before giving up', async () => {
    const refused = await closedPortUrl();
    let calls = 0;
    const fetcher: AgentDefinition = {
      id: 'fetcher', capabilities: ['http'],
      run: async (_input, ctx) => { calls++; return fetch(refused, { signal: ctx.signal }).then((r) => r.text()); },
    };
    const { loop } = loopWith([fetcher], { retries: 2 });
    const out = await loop.invoke(request([{ id: 'page', capability: 'http' }]), thread());
    expect(out.status).toBe('failed');
    expect(calls).toBe(3);
    expect(out.tasks['page']).toMatchObject({ attempts: 3, status: 'failed', error: { classification: 'transient' } });
    expect(out.errors.map((e) => e.classification)).toEqual(['transient', 'transient', 'transient']);
  });

  it('moves a task to another healthy agent with the capability when its agent faults', async () => {
    const bad = flaky('bad', 99, () => new Error('model crashed'));
    const good = flaky('good', 0, () => undefined);
    const { loop, events } = loopWith([bad, good]);
    const out = await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    expect(out.results['a']).toBe('good:a');
    expect(out.recoveries[0]).toMatchObject({ type: 'redistribute', level: 'scheduler', agentId: 'bad' });
    expect(typesOf(events, 'a')).toContain('no.recovery.action.taken');
    expect(out.agents['bad']).toMatchObject({ consecutiveFailures: 1, totalFailures: 1 });
  });

  it('restarts a broken agent from its factory and redistributes its task', async () => {
    let built = 0;
    const broken: AgentDefinition = {
      id: 'w1', capabilities: ['work'], maxConcurrency: 1,
      run: async () => { throw new Error('corrupted state'); },
      factory: () => { built++; return async () => 'fresh'; },
    };
    const { loop } = loopWith([broken, sleeper('w2')], { pool: { breaker: { failureThreshold: 1 } } });
    const out = await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    expect(out.status).toBe('completed');
    expect(out.recoveries[0]).toMatchObject({ type: 'restart-and-redistribute', agentId: 'w1' });
    await sleepMs(5);
    expect(built).toBe(1);
    expect(loop.pool.states()['w1']).toMatchObject({ restarts: 1, circuit: 'closed' });
    const again = await loop.invoke(request([{ id: 'b', capability: 'work', priority: 9 }, { id: 'c', capability: 'work' }]), thread());
    expect(Object.values(again.results)).toContain('fresh');
  });

  it('uses the declared fallback value when no agent can run the task', async () => {
    const { loop } = loopWith([flaky('only', 99, () => new Error('down'))]);
    const out = await loop.invoke(request([{ id: 'a', capability: 'work', fallback: { value: 'cached answer' } }]), thread());
    expect(out.status).toBe('completed');
    expect(out.results['a']).toBe('cached answer');
    expect(out.tasks['a']).toMatchObject({ usedFallback: true });
    expect(out.recoveries.map((r) => r.type)).toEqual(['fallback']);
  });

  it('runs the fallback on an agent with the fallback capability and input', async () => {
    const backup: AgentDefinition = { id: 'backup', capabilities: ['cheap'], run: async (input) => `backup got ${String(input)}` };
    const { loop } = loopWith([flaky('primary', 99, () => new Error('down')), backup]);
    const out = await loop.invoke(request([{ id: 'a', capability: 'work', input: 'full', fallback: { capability: 'cheap', input: 'lite' } }]), thread());
    expect(out.results['a']).toBe('backup got lite');
  });

  it('fails bad input at once, without retries or moves', async () => {
    const picky = flaky('w1', 99, () => new NoError('INVALID_INPUT', 'no such column'));
    const { loop } = loopWith([picky, sleeper('w2')]);
    const out = await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    expect(out.status).toBe('failed');
    expect(picky.calls).toEqual(['a#1']);
    expect(out.tasks['a']?.error).toMatchObject({ classification: 'bad-input', code: 'INVALID_INPUT' });
  });

  it('records an agent that throws a non-Error and an agent that never returns, without hanging', async () => {
    const stringer: AgentDefinition = { id: 's', capabilities: ['s'], run: async () => { throw 'just a string'; } };
    const nothing: AgentDefinition = { id: 'u', capabilities: ['u'], run: () => Promise.reject(undefined) };
    const hang: AgentDefinition = { id: 'h', capabilities: ['h'], run: () => new Promise(() => {}) };
    const { loop } = loopWith([stringer, nothing, hang], { attemptTimeoutMs: 30, retries: 0 });
    const out = await loop.invoke(request([{ id: 's', capability: 's' }, { id: 'u', capability: 'u' }, { id: 'h', capability: 'h' }]), thread());
    expect(out.status).toBe('failed');
    const messages = out.errors.map((e) => `${e.taskId}:${e.message}`);
    expect(messages).toEqual(expect.arrayContaining(['s:just a string']));
    expect(messages.some((m) => m.startsWith('u:'))).toBe(true);
    expect(out.errors.find((e) => e.taskId === 'h')).toMatchObject({ classification: 'transient', code: 'TIMEOUT' });
  });

  it('compensates completed tasks in reverse order when the run fails (saga)', async () => {
    const undone: string[] = [];
    const worker: AgentDefinition = {
      id: 'w', capabilities: ['work'],
      run: async (_i, ctx) => { if (ctx.task.id === 'charge') throw new Error('card declined'); return ctx.task.id; },
      compensate: async (output, ctx) => { undone.push(`${ctx.task.id}:${String(output)}`); },
    };
    const { loop, events } = loopWith([worker], { retries: 0 });
    const out = await loop.invoke(
      request([
        { id: 'reserve', capability: 'work' },
        { id: 'hold', capability: 'work', dependsOn: ['reserve'] },
        { id: 'charge', capability: 'work', dependsOn: ['hold'] },
        { id: 'ship', capability: 'work', dependsOn: ['charge'] },
      ]),
      thread(),
    );
    expect(out.status).toBe('failed');
    expect(undone).toEqual(['hold:hold', 'reserve:reserve']);
    expect(out.compensated).toEqual(['hold', 'reserve']);
    expect(out.tasks['ship']?.status).toBe('skipped');
    expect(typesOf(events).filter((t) => t === 'no.task.compensated')).toHaveLength(2);
    expect(loop.audit.entries().filter((e) => e.action === 'recovery.compensate')).toHaveLength(2);
  });

  it('keeps compensating past a compensation that fails, and records it', async () => {
    const worker: AgentDefinition = {
      id: 'w', capabilities: ['work'],
      run: async (_i, ctx) => { if (ctx.task.id === 'c') throw new Error('boom'); return ctx.task.id; },
      compensate: async (_o, ctx) => { if (ctx.task.id === 'b') throw new Error('cannot undo b'); },
    };
    const { loop, events } = loopWith([worker], { retries: 0 });
    const out = await loop.invoke(request([{ id: 'a', capability: 'work' }, { id: 'b', capability: 'work', dependsOn: ['a'] }, { id: 'c', capability: 'work', dependsOn: ['b'] }]), thread());
    expect(out.compensated).toEqual(['a']);
    const failed = events.find((e) => e.type === 'no.task.compensated' && (e.data as { success: boolean }).success === false);
    expect(failed?.data).toMatchObject({ taskId: 'b', error: 'cannot undo b' });
  });

  it('stops the whole run on a fatal failure and aborts work in flight', async () => {
    let abortedSeen = false;
    const slow: AgentDefinition = { id: 'slow', capabilities: ['slow'], run: async (_i, ctx) => { try { await sleepMs(2_000, ctx.signal); } catch { abortedSeen = true; throw new Error('aborted'); } } };
    const fatal: AgentDefinition = { id: 'fatal', capabilities: ['fatal'], run: async () => { await sleepMs(10); throw Object.assign(new Error('license revoked'), { classification: 'fatal' }); } };
    const { loop } = loopWith([slow, fatal]);
    const out = await loop.invoke(request([{ id: 's', capability: 'slow' }, { id: 'f', capability: 'fatal' }, { id: 'later', capability: 'slow', dependsOn: ['s'] }]), thread());
    // The slow agent's 2 s wait ended by its signal, not by running out: the fatal failure aborted it.
    expect(out.status).toBe('failed');
    expect(abortedSeen).toBe(true);
    expect(out.recoveries.find((r) => r.taskId === 'f')).toMatchObject({ type: 'abort', level: 'system' });
    expect(out.tasks['later']?.status).toMatch(/cancelled|skipped/);
  });

  it('re-plans the unfinished tasks once broken agents recover', async () => {
    let calls = 0;
    const recovering: AgentDefinition = { id: 'w', capabilities: ['work'], run: async () => { if (calls++ === 0) throw new Error('warming up'); return 'ok'; } };
    const { loop, events } = loopWith([recovering], { retries: 0, maxRounds: 2, maxReplanWaitMs: 200, pool: { breaker: { failureThreshold: 1, recoveryTimeoutMs: 40 } } });
    const out = await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    expect(out.status).toBe('completed');
    expect(out.round).toBe(1);
    expect(out.recoveries.map((r) => r.type)).toContain('replan');
    expect(typesOf(events)).toContain('orchestration.plan.updated');
  });

  it('does not re-plan when waiting would not help: the circuit recovers too late or the input is bad', async () => {
    const late = loopWith([flaky('w', 1, () => new Error('down'))], { retries: 0, maxReplanWaitMs: 10, pool: { breaker: { failureThreshold: 1, recoveryTimeoutMs: 60_000 } } });
    const out = await late.loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    expect(out).toMatchObject({ status: 'failed', round: 0 });
    const closed = loopWith([flaky('w', 1, () => new Error('down'))], { retries: 0 });
    expect((await closed.loop.invoke(request([{ id: 'a', capability: 'work' }]), thread())).round).toBe(0);
  });
});

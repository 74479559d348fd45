import { isNoError } from '../../src/contracts/errors';
import { createAgentPool, createAutoscaler, type AgentRunner, type ScaleEvent } from '../../src/loop/index';
import { createAuditTrail } from '../../src/telemetry/index';
import { loopWith, request, sleeper, sleepMs, thread } from './helpers';

const runner: AgentRunner = async () => 'ok';
const factory = () => runner;
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('AgentPool.remove', () => {
  it('removes an idle agent and refuses a busy one with AGENT_BUSY', () => {
    const pool = createAgentPool().add([sleeper('a'), sleeper('b')]);
    pool.begin('a');
    const e = thrown(() => pool.remove('a'));
    expect(isNoError(e) && e.code).toBe('AGENT_BUSY');
    expect((e as Error).message).toMatch(/once it is idle/);
    expect(pool.ids()).toEqual(['a', 'b']);
    pool.remove('b');
    expect(pool.ids()).toEqual(['a']);
    expect(pool.capable('work')).toEqual(['a']);
    pool.end('a');
    pool.remove('a');
    expect(pool.capable('work')).toEqual([]);
    expect(isNoError(thrown(() => pool.remove('a'))) && (thrown(() => pool.remove('a')) as { code: string }).code).toBe('AGENT_NOT_FOUND');
  });

  it('tells waiting runs when an agent is added', () => {
    const pool = createAgentPool();
    let heard = 0;
    pool.onCapacityFreed(() => heard++);
    pool.add([sleeper('a')]);
    expect(heard).toBe(1);
  });
});

describe('createAutoscaler', () => {
  it('brings each capability up to its min on the first allocation, from the factory', async () => {
    const pool = createAgentPool();
    const scaler = createAutoscaler({ pool, capabilities: { summarize: { min: 2, max: 5, factory } } });
    const [result] = await scaler.optimizeAllocation({});
    expect(result).toMatchObject({ capability: 'summarize', from: 0, to: 2, added: ['summarize-auto-1', 'summarize-auto-2'] });
    expect(pool.capable('summarize')).toEqual(['summarize-auto-1', 'summarize-auto-2']);
    expect(pool.definition('summarize-auto-1').factory).toBe(factory);
    scaler.close();
  });

  it('grows on backlog up to max and no further, and stops at the pool-wide hard limit', async () => {
    const pool = createAgentPool().add([sleeper('user', ['other'])]);
    // a cools down after its growth, so the slot freed below goes to b, which waits for one.
    const scaler = createAutoscaler({ pool, maxAgents: 4, scaleUpCooldownMs: 60_000, capabilities: { a: { min: 0, max: 10, factory }, b: { min: 0, max: 2, factory } } });
    const results = await scaler.optimizeAllocation({ a: { backlog: 50 }, b: { backlog: 50 } });
    expect(results.map((r) => [r.capability, r.to])).toEqual([['a', 3], ['b', 0]]);
    expect(pool.ids()).toHaveLength(4);
    pool.remove('user');
    const again = await scaler.optimizeAllocation({ a: { backlog: 50 }, b: { backlog: 50 } }).then((r) => r.map((x) => x.to));
    expect(again).toEqual([3, 1]);
    expect(scaler.desired('b')).toBe(2);
    scaler.close();
  });

  it('shrinks only idle agents it added, after the cool-down, never below min', async () => {
    let t = 0;
    const pool = createAgentPool().add([sleeper('mine', ['a'])]);
    const scaler = createAutoscaler({ pool, now: () => t, scaleDownCooldownMs: 1_000, capabilities: { a: { min: 1, max: 5, factory } } });
    await scaler.optimizeAllocation({ a: { backlog: 5 } });
    expect(pool.capable('a')).toHaveLength(5);
    pool.begin('a-auto-1');
    t = 500;
    expect((await scaler.optimizeAllocation({ a: { backlog: 0 } }))[0]).toMatchObject({ to: 5, reason: 'cooldown' });
    t = 2_000;
    const [down] = await scaler.optimizeAllocation({ a: { backlog: 0 } });
    // The policy asks for 1 (one busy agent); the busy agent and the user's agent stay.
    expect(down!.removed.sort()).toEqual(['a-auto-2', 'a-auto-3', 'a-auto-4']);
    expect([...pool.capable('a')].sort()).toEqual(['a-auto-1', 'mine']);
    scaler.close();
  });

  it('reports every change to onScale and the audit trail', async () => {
    const audit = createAuditTrail();
    const pool = createAgentPool();
    const scaler = createAutoscaler({ pool, audit, scaleDownCooldownMs: 0, capabilities: { a: { min: 0, max: 3, factory } } });
    const events: ScaleEvent[] = [];
    scaler.onScale((e) => events.push(e));
    await scaler.optimizeAllocation({ a: { backlog: 2 } });
    await scaler.optimizeAllocation({ a: { backlog: 0 } });
    expect(events.map((e) => [e.direction, e.from, e.to, e.agentIds.length])).toEqual([['up', 0, 2, 2], ['down', 2, 0, 2]]);
    expect(audit.entries().map((e) => [e.actor, e.action])).toEqual([['autoscaler', 'pool.scale-up'], ['autoscaler', 'pool.scale-down']]);
    expect(audit.verify().ok).toBe(true);
    scaler.close();
  });

  it('never overshoots max when allocations overlap and factories are slow', async () => {
    const pool = createAgentPool();
    const slow = async () => (await sleepMs(5), runner);
    const scaler = createAutoscaler({ pool, scaleUpCooldownMs: 0, capabilities: { a: { min: 0, max: 3, factory: slow } } });
    await Promise.all([1, 2, 3].map(() => scaler.optimizeAllocation({ a: { backlog: 10 } })));
    expect(pool.capable('a')).toHaveLength(3);
    scaler.close();
  });

  it('stops adding when its signal aborts', async () => {
    const pool = createAgentPool();
    const ac = new AbortController();
    const slowly = async () => (await sleepMs(5), ac.abort(), runner);
    const scaler = createAutoscaler({ pool, capabilities: { a: { min: 0, max: 5, factory: slowly } } });
    await expect(scaler.optimizeAllocation({ a: { backlog: 5 } }, { signal: ac.signal })).rejects.toBeDefined();
    expect(pool.capable('a')).toHaveLength(0);
    // The next call still runs.
    await scaler.optimizeAllocation({ a: { backlog: 1 } });
    expect(pool.capable('a')).toHaveLength(1);
    scaler.close();
  });

  it('refuses an unknown capability and bad limits with a message that says what to change', () => {
    const pool = createAgentPool();
    expect((thrown(() => createAutoscaler({ pool, capabilities: { a: { min: 3, max: 1, factory } } })) as Error).message).toMatch(/lower min or raise max/);
    const scaler = createAutoscaler({ pool, capabilities: { a: { min: 0, max: 1, factory } } });
    expect((thrown(() => scaler.desired('zzz')) as Error).message).toMatch(/add it to the autoscaler's capabilities/);
    scaler.close();
    expect((thrown(() => createAutoscaler({} as never)) as Error).message).toMatch(/needs the pool to scale: pass \{ pool: loop.pool/);
    expect((thrown(() => createAutoscaler({ pool, capabilities: {} })) as Error).message).toMatch(/at least one capability/);
  });
});

describe('work stealing inside a loop', () => {
  it('gives each ready task to whichever capable agent is free, so a fast agent takes what a slow one would have queued', async () => {
    const ran: Record<string, string[]> = { slow: [], fast: [] };
    const agent = (id: string, ms: number) => ({
      id, capabilities: ['work'],
      run: async (_: unknown, ctx: { task: { id: string }; signal: AbortSignal }) => (ran[id]!.push(ctx.task.id), await sleepMs(ms, ctx.signal), id),
    });
    const { loop } = loopWith([agent('slow', 300), agent('fast', 10)]);
    const tasks = Array.from({ length: 8 }, (_, i) => ({ id: `t${i}`, capability: 'work' }));
    const out = await loop.invoke(request(tasks), thread());
    expect(out.status).toBe('completed');
    // No queue per agent: the slow agent holds one task, the fast one steals the other seven.
    expect(ran.slow).toHaveLength(1);
    expect(ran.fast).toHaveLength(7);
  });

  it('starts waiting tasks on agents the autoscaler adds mid-run', async () => {
    const used = new Set<string>();
    const work: AgentRunner = async (_input, ctx) => (await sleepMs(60, ctx.signal), 'done');
    const { loop } = loopWith([{ id: 'seed', capabilities: ['work'], run: work }]);
    const autoscaled = createAutoscaler({ pool: loop.pool, drainWindowMs: 100, capabilities: { work: { min: 1, max: 4, factory: () => work } } });
    loop.onEvent((e) => {
      const agentId = (e.data as { agentId?: string } | undefined)?.agentId;
      if (e.type === 'orchestration.task.started' && agentId) used.add(agentId);
    });
    const tasks = Array.from({ length: 8 }, (_, i) => ({ id: `t${i}`, capability: 'work' }));
    const running = loop.invoke(request(tasks), thread());
    await sleepMs(20);
    await autoscaled.optimizeAllocation({ work: { backlog: 7, durationsMs: [60] } });
    const out = await running;
    expect(out.status).toBe('completed');
    expect(used.size).toBe(4);
    autoscaled.close();
  });

  it('follows a live run on its own: grows on the waiting tasks it sees, then shrinks back to min once idle', async () => {
    const used = new Set<string>();
    const work: AgentRunner = async (_input, ctx) => (await sleepMs(40, ctx.signal), 'done');
    const { loop } = loopWith([{ id: 'seed', capabilities: ['work'], run: work }]);
    const scaler = createAutoscaler({ pool: loop.pool, drainWindowMs: 100, scaleUpCooldownMs: 0, scaleDownCooldownMs: 50, forecastWindowMs: 50,
      capabilities: { work: { min: 1, max: 5, factory: () => work } } });
    loop.onEvent((e) => {
      const agentId = (e.data as { agentId?: string } | undefined)?.agentId;
      if (e.type === 'orchestration.task.started' && agentId) used.add(agentId);
    });
    const ac = new AbortController();
    scaler.run({ intervalMs: 10, signal: ac.signal });
    const tasks = Array.from({ length: 20 }, (_, i) => ({ id: `t${i}`, capability: 'work' }));
    const out = await loop.invoke(request(tasks), thread());
    expect(out.status).toBe('completed');
    expect(used.size).toBeGreaterThan(2);
    await sleepMs(250);
    expect(loop.pool.capable('work')).toHaveLength(1);
    ac.abort();
    scaler.close();
  });
});

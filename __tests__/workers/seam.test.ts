/**
 * The loop's distribution seam, with an in-memory distribution: only the agent call moves, and the
 * coordinator keeps everything else (the job it sends, retries, timeouts, limits).
 */
import type { AgentJob, DistributionCallOptions, RunLeadership, TaskDistribution } from '../../src/contracts/distribution';
import { NoError } from '../../src/contracts/errors';
import { invokeAgent, type AgentDefinition } from '../../src/loop/agents';
import { loopWith, rejectionCode, request, sleepMs, thread } from '../loop/helpers';

/** Runs each job with the agent's own definition, as a worker would, on the job as it would arrive (JSON). */
function inMemoryDistribution(agents: AgentDefinition[]) {
  const jobs: AgentJob[] = [];
  const signals: AbortSignal[] = [];
  let running = 0;
  let maxRunning = 0;
  const distribution: TaskDistribution & { closed: boolean } = {
    closed: false,
    async invoke(job: AgentJob, { signal }: DistributionCallOptions): Promise<unknown> {
      const sent = JSON.parse(JSON.stringify(job)) as AgentJob;
      jobs.push(sent);
      signals.push(signal);
      const agent = agents.find((a) => a.id === sent.agentId)!;
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        return await invokeAgent(agent.run, sent.input, { ...sent, signal });
      } finally {
        running--;
      }
    },
    async close() {
      distribution.closed = true;
    },
  };
  return { distribution, jobs, signals, maxRunning: () => maxRunning };
}

const local = (): never => {
  throw new Error('ran in the coordinator process');
};

describe('a loop with a distribution', () => {
  it('sends each attempt as a job and never runs the agent in its own process', async () => {
    const remote: AgentDefinition = { id: 'up', capabilities: ['t'], run: async (input: unknown, ctx) => `${String((input as { s: string }).s).toUpperCase()}+${Object.keys(ctx.dependencies).join(',')}` };
    const { distribution, jobs } = inMemoryDistribution([remote]);
    const { loop } = loopWith([{ ...remote, run: local }], { distribution });
    const out = await loop.invoke(request([{ id: 'a', capability: 't', input: { s: 'x' } }, { id: 'b', capability: 't', input: { s: 'y' }, dependsOn: ['a'], timeoutMs: 1234 }]), thread());
    expect(out.status).toBe('completed');
    expect(out.results).toEqual({ a: 'X+', b: 'Y+a' });
    expect(jobs.map((j) => [j.task.id, j.agentId, j.attempt])).toEqual([['a', 'up', 1], ['b', 'up', 1]]);
    const b = jobs[1]!;
    expect(b).toMatchObject({ input: { s: 'y' }, dependencies: { a: 'X+' }, timeoutMs: 1234, maxConcurrency: 1 });
    expect(b.idempotencyKey).toBe(out.tasks['b']!.idempotencyKey);
    expect(distribution.closed).toBe(false);
  });

  it('retries a transient remote failure with the next attempt number and the same idempotency key', async () => {
    let calls = 0;
    const flaky: AgentDefinition = {
      id: 'f', capabilities: ['t'],
      run: async () => {
        if (++calls < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        return 'ok';
      },
    };
    const { distribution, jobs } = inMemoryDistribution([flaky]);
    const { loop } = loopWith([{ ...flaky, run: local }], { distribution });
    const out = await loop.invoke(request([{ id: 'a', capability: 't', retries: 2 }]), thread());
    expect(out.results['a']).toBe('ok');
    expect(jobs.map((j) => j.attempt)).toEqual([1, 2, 3]);
    expect(new Set(jobs.map((j) => j.idempotencyKey)).size).toBe(1);
    expect(out.errors.map((e) => e.classification)).toEqual(['transient', 'transient']);
  });

  it('fails a task at once on a remote bad-input failure, as it would in process', async () => {
    const strict: AgentDefinition = { id: 's', capabilities: ['t'], run: async () => { throw new NoError('INVALID_INPUT', 'no'); } };
    const { distribution, jobs } = inMemoryDistribution([strict]);
    const { loop } = loopWith([{ ...strict, run: local }], { distribution });
    const out = await loop.invoke(request([{ id: 'a', capability: 't', retries: 3 }]), thread());
    expect(out.tasks['a']).toMatchObject({ status: 'failed', error: { classification: 'bad-input', code: 'INVALID_INPUT' } });
    expect(jobs).toHaveLength(1);
  });

  it('aborts the distribution’s signal on the attempt’s timeout', async () => {
    const slow: AgentDefinition = { id: 'z', capabilities: ['t'], run: (_i, ctx) => sleepMs(10_000, ctx.signal) };
    const { distribution, signals } = inMemoryDistribution([slow]);
    const { loop } = loopWith([{ ...slow, run: local }], { distribution });
    const out = await loop.invoke(request([{ id: 'a', capability: 't', timeoutMs: 30, retries: 0 }]), thread());
    expect(out.tasks['a']).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
    expect(signals[0]?.aborted).toBe(true);
  });

  it('keeps the per-agent concurrency limit: the coordinator never has more jobs out than maxConcurrency', async () => {
    const busy: AgentDefinition = { id: 'b', capabilities: ['t'], maxConcurrency: 2, run: (_i, ctx) => sleepMs(15, ctx.signal) };
    const fake = inMemoryDistribution([busy]);
    const { loop } = loopWith([{ ...busy, run: local }], { distribution: fake.distribution });
    const tasks = Array.from({ length: 8 }, (_, i) => ({ id: `t${i}`, capability: 't' }));
    expect((await loop.invoke(request(tasks), thread())).status).toBe('completed');
    expect(fake.maxRunning()).toBe(2);
  });
});

describe('a loop with a leadership', () => {
  /** One holder per thread at a time, in memory. */
  function leases() {
    const held = new Set<string>();
    const log: string[] = [];
    const leadership: RunLeadership = {
      async acquire(threadId) {
        if (held.has(threadId)) throw new NoError('RUN_LOCKED', `thread '${threadId}' is coordinated elsewhere`);
        held.add(threadId);
        log.push(`acquire ${threadId}`);
        return { release: async () => void (held.delete(threadId), log.push(`release ${threadId}`)) };
      },
    };
    return { leadership, held, log };
  }

  it('holds the thread’s lease for the pass and releases it when the pass ends', async () => {
    const { leadership, held, log } = leases();
    let during = false;
    const agent: AgentDefinition = { id: 'a', capabilities: ['t'], run: () => (during = held.has('lead-1'), 1) };
    const { loop } = loopWith([agent], { leadership });
    const out = await loop.invoke(request([{ id: 'a', capability: 't' }]), { configurable: { thread_id: 'lead-1' } });
    expect(out.status).toBe('completed');
    expect(during).toBe(true);
    expect(log).toEqual(['acquire lead-1', 'release lead-1']);
  });

  it('refuses a second coordinator of the same thread with RUN_LOCKED, and lets other threads run', async () => {
    const { leadership, held } = leases();
    const agent: AgentDefinition = { id: 'a', capabilities: ['t'], run: () => 1 };
    const { loop } = loopWith([agent], { leadership });
    held.add('busy');
    expect(await rejectionCode(loop.invoke(request([{ id: 'a', capability: 't' }]), { configurable: { thread_id: 'busy' } }))).toBe('RUN_LOCKED');
    expect((await loop.invoke(request([{ id: 'a', capability: 't' }]), { configurable: { thread_id: 'free' } })).status).toBe('completed');
  });

  it('releases the lease when the pass throws', async () => {
    const { leadership, held } = leases();
    const agent: AgentDefinition = { id: 'a', capabilities: ['t'], run: (_i, ctx) => sleepMs(5_000, ctx.signal) };
    const { loop } = loopWith([agent], { leadership });
    const controller = new AbortController();
    const run = loop.invoke(request([{ id: 'a', capability: 't' }]), { configurable: { thread_id: 'cut' }, signal: controller.signal });
    await sleepMs(50);
    expect(held.has('cut')).toBe(true);
    controller.abort(new Error('stop'));
    await run.catch(() => undefined);
    expect(held.has('cut')).toBe(false);
  });
});

/**
 * jobQueue and createWorker on the machine's Redis, workers in this process: which worker takes a
 * job, cancellation, limits across workers, and failures carried back whole.
 */
import { Annotation, END, MemorySaver, START, StateGraph } from '@langchain/langgraph';
import { NoError } from '../../src/contracts/errors';
import { createWorker, jobQueue, queueNameOf, type AgentWorker, type JobQueue } from '../../src/distribution/index';
import { createMasterAgentLoop, type AgentDefinition } from '../../src/loop/index';
import { dropPrefix, REDIS_URL, uniquePrefix, waitFor } from './helpers';

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/** Opened per test, closed after it: queues, workers and the prefix's keys. */
const opened: Array<{ close(): Promise<void> }> = [];
const prefixes: string[] = [];
function open<T extends { close(): Promise<void> }>(thing: T): T {
  opened.push(thing);
  return thing;
}
function prefixFor(name: string): string {
  const p = uniquePrefix(name);
  prefixes.push(p);
  return p;
}
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await thing.close();
  for (const p of prefixes.splice(0)) await dropPrefix(p);
});

interface Trace {
  events: string[];
  running: number;
  maxRunning: number;
  signals: AbortSignal[];
}
const trace = (): Trace => ({ events: [], running: 0, maxRunning: 0, signals: [] });

function agent(id: string, t: Trace, extra: Partial<AgentDefinition> = {}): AgentDefinition {
  return {
    id,
    capabilities: [id],
    maxConcurrency: 4,
    run: async (input, ctx) => {
      t.events.push(`start ${ctx.task.id}#${ctx.attempt}`);
      t.signals.push(ctx.signal);
      t.running++;
      t.maxRunning = Math.max(t.maxRunning, t.running);
      try {
        const { ms = 0, fail } = (input ?? {}) as { ms?: number; fail?: string };
        await sleep(ms, ctx.signal);
        if (fail !== undefined && ctx.attempt === 1) throw Object.assign(new Error(fail), { code: fail });
        t.events.push(`end ${ctx.task.id}`);
        return `${ctx.task.id}@${ctx.attempt}`;
      } finally {
        t.running--;
      }
    },
    ...extra,
  };
}

async function queueAndLoop(prefix: string, agents: AgentDefinition[], loopOptions: { attemptTimeoutMs?: number; retries?: number } = {}): Promise<{ queue: JobQueue; loop: ReturnType<typeof createMasterAgentLoop> }> {
  const queue = open(jobQueue({ connection: REDIS_URL, prefix }));
  await queue.ready();
  const loop = createMasterAgentLoop({ agents, checkpointer: new MemorySaver(), distribution: queue, backoff: { initialDelayMs: 1, maxDelayMs: 5 }, ...loopOptions });
  return { queue, loop };
}

async function jobCounts(prefix: string, agentId: string): Promise<Record<string, number>> {
  const { Queue } = require('bullmq') as typeof import('bullmq');
  const IORedis = require('ioredis') as typeof import('ioredis').default;
  const connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(queueNameOf(agentId), { connection, prefix });
  try {
    return await queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

describe('a worker', () => {
  it('never takes the job of an agent it does not have; the job waits until the coordinator gives up and removes it', async () => {
    const prefix = prefixFor('capability');
    const t = trace();
    const plain = agent('plain', t);
    const special = agent('special', t);
    open(await createWorker({ agents: [plain], connection: REDIS_URL, prefix }));
    const { loop } = await queueAndLoop(prefix, [plain, special], { attemptTimeoutMs: 600, retries: 0 });
    const out = await loop.invoke({ request: { tasks: [{ id: 'p', capability: 'plain' }, { id: 's', capability: 'special' }] } }, { configurable: { thread_id: 'cap' } });
    expect(out.tasks['p']).toMatchObject({ status: 'completed' });
    expect(out.results['p']).toBe('p@1');
    expect(out.tasks['s']).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
    expect(t.events).toEqual(['start p#1', 'end p']);
    // The given-up job is gone, so a worker that has the agent and starts later does not run it.
    expect(Object.values(await jobCounts(prefix, 'special')).reduce((a, b) => a + b, 0)).toBe(0);
    open(await createWorker({ agents: [special], connection: REDIS_URL, prefix }));
    await sleep(300);
    expect(t.events).toEqual(['start p#1', 'end p']);
  });

  it('stops a running attempt on its worker when the coordinator gives up on it, and leaves no job behind', async () => {
    const prefix = prefixFor('cancel');
    const t = trace();
    const slow = agent('slow', t, { maxConcurrency: 1 });
    open(await createWorker({ agents: [slow], connection: REDIS_URL, prefix }));
    const { loop } = await queueAndLoop(prefix, [slow], { attemptTimeoutMs: 300, retries: 0 });
    const started = Date.now();
    const out = await loop.invoke(
      { request: { tasks: [{ id: 'long', capability: 'slow', input: { ms: 10_000 } }, { id: 'next', capability: 'slow', input: { ms: 10 }, dependsOn: ['long'] }] } },
      { configurable: { thread_id: 'cancel' } },
    );
    expect(out.tasks['long']).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
    // The worker's agent saw its signal abort (the cancel reached it), well before its 10 s sleep ended.
    await waitFor('the worker aborted the attempt', () => (t.signals[0]?.aborted ? true : undefined), 3_000);
    expect(t.running).toBe(0);
    expect(Date.now() - started).toBeLessThan(3_000);
    const counts = await jobCounts(prefix, 'slow');
    expect([counts['active'], counts['waiting'], counts['failed']]).toEqual([0, 0, 0]);
  });

  it('holds an agent\'s maxConcurrency over all workers together', async () => {
    const prefix = prefixFor('global');
    const t = trace();
    const limited = agent('limited', t, { maxConcurrency: 2 });
    // Two workers, each willing to run 4 at once: together they must still run at most 2.
    open(await createWorker({ agents: [limited], connection: REDIS_URL, prefix, concurrency: 4 }));
    open(await createWorker({ agents: [limited], connection: REDIS_URL, prefix, concurrency: 4 }));
    const queue = open(jobQueue({ connection: REDIS_URL, prefix }));
    // Two coordinators (two loops) at once, so the coordinator's own limit alone would allow 4.
    const loops = [0, 1].map(() => createMasterAgentLoop({ agents: [limited], checkpointer: new MemorySaver(), distribution: queue }));
    const tasks = Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, capability: 'limited', input: { ms: 80 } }));
    const outs = await Promise.all(loops.map((loop, i) => loop.invoke({ request: { tasks } }, { configurable: { thread_id: `g${i}` } })));
    expect(outs.map((o) => o.status)).toEqual(['completed', 'completed']);
    expect(t.maxRunning).toBe(2);
  });

  it('carries an agent failure back whole: a transient one is retried as the next attempt', async () => {
    const prefix = prefixFor('failure');
    const t = trace();
    const flaky = agent('flaky', t);
    open(await createWorker({ agents: [flaky], connection: REDIS_URL, prefix }));
    const { loop } = await queueAndLoop(prefix, [flaky], { retries: 1 });
    const out = await loop.invoke({ request: { tasks: [{ id: 'a', capability: 'flaky', input: { fail: 'ECONNRESET' } }] } }, { configurable: { thread_id: 'fail' } });
    expect(out.results['a']).toBe('a@2');
    expect(out.errors).toEqual([expect.objectContaining({ classification: 'transient', message: 'ECONNRESET', attempt: 1 })]);
    expect(t.events).toEqual(['start a#1', 'start a#2', 'end a']);
  });
});

describe('a graph agent on a worker', () => {
  it('reports its steps to the coordinator as no.agent.step events, and returns its final state', async () => {
    const prefix = prefixFor('steps');
    const Doc = Annotation.Root({ text: Annotation<string>() });
    const graph = new StateGraph(Doc)
      .addNode('upper', (s: { text: string }) => ({ text: s.text.toUpperCase() }))
      .addNode('exclaim', (s: { text: string }) => ({ text: `${s.text}!` }))
      .addEdge(START, 'upper').addEdge('upper', 'exclaim').addEdge('exclaim', END)
      .compile();
    const writer: AgentDefinition = { id: 'writer', capabilities: ['write'], run: graph };
    open(await createWorker({ agents: [writer], connection: REDIS_URL, prefix }));
    const { loop } = await queueAndLoop(prefix, [{ ...writer, run: () => { throw new Error('ran in the coordinator'); } }]);
    const steps: Array<{ node: string; update: unknown }> = [];
    loop.onEvent((e) => {
      if (e.type === 'no.agent.step') steps.push({ node: (e.data as { node: string }).node, update: (e.data as { update: unknown }).update });
    });
    const out = await loop.invoke({ request: { tasks: [{ id: 'w', capability: 'write', input: { text: 'hi' } }] } }, { configurable: { thread_id: 'steps' } });
    expect(out.results['w']).toEqual({ text: 'HI!' });
    expect(steps).toEqual([{ node: 'upper', update: { text: 'HI' } }, { node: 'exclaim', update: { text: 'HI!' } }]);
  });
});

describe('a job queue', () => {
  const job = (over: Record<string, unknown> = {}) => ({
    agentId: 'once', task: { id: 'a', dependsOn: [], estimatedDurationMs: 0, resources: {}, priority: 5, risk: 'low', sideEffects: 'none' },
    input: { ms: 5 }, dependencies: {}, attempt: 1, idempotencyKey: `key-${Date.now()}`, threadId: 't', timeoutMs: 5_000, maxConcurrency: 1, ...over,
  }) as never;

  it('hands a stored result to a later coordinator adding the same attempt, without running it again', async () => {
    const prefix = prefixFor('stored');
    const t = trace();
    const worker = await createWorker({ agents: [agent('once', t)], connection: REDIS_URL, prefix });
    const attempt = job();
    const first = open(jobQueue({ connection: REDIS_URL, prefix }));
    expect(await first.invoke(attempt, { signal: new AbortController().signal })).toBe('a@1');
    await first.close();
    // The worker is gone too: only the result stored in Redis can answer.
    await worker.close();
    const second = open(jobQueue({ connection: REDIS_URL, prefix }));
    expect(await second.invoke(attempt, { signal: new AbortController().signal })).toBe('a@1');
    expect(t.events).toEqual(['start a#1', 'end a']);
  });

  it('does not keep a failed attempt: the same attempt added again runs again', async () => {
    const prefix = prefixFor('not-kept');
    const t = trace();
    const failing = agent('once', t, { run: async (_i, ctx) => { t.events.push(`run ${ctx.attempt}`); throw new NoError('INVALID_INPUT', 'no'); } });
    open(await createWorker({ agents: [failing], connection: REDIS_URL, prefix }));
    const queue = open(jobQueue({ connection: REDIS_URL, prefix }));
    const attempt = job();
    for (let i = 0; i < 2; i++) {
      await expect(queue.invoke(attempt, { signal: new AbortController().signal })).rejects.toMatchObject({ code: 'INVALID_INPUT', classification: 'bad-input' });
    }
    expect(t.events).toEqual(['run 1', 'run 1']);
  });

  it('rejects the attempts still waiting when it is closed, with ABORTED', async () => {
    const queue = jobQueue({ connection: REDIS_URL, prefix: prefixFor('close') });
    const waiting = queue.invoke(job({ agentId: 'nobody' }), { signal: new AbortController().signal }).catch((e: unknown) => Promise.reject(e));
    const outcome = waiting.then(() => 'resolved', (e: unknown) => e);
    await sleep(100);
    await queue.close();
    await expect(outcome).resolves.toMatchObject({ code: 'ABORTED', message: 'the job queue was closed' });
  });

  it('marks an attempt it gave up on, so a worker that gets the job back later (after a crash) skips it', async () => {
    const prefix = prefixFor('marked');
    const t = trace();
    const queue = open(jobQueue({ connection: REDIS_URL, prefix }));
    const attempt = job({ agentId: 'once' });
    const controller = new AbortController();
    const given = queue.invoke(attempt, { signal: controller.signal }).catch((e: unknown) => e);
    await sleep(100);
    controller.abort(new Error('timed out'));
    expect(await given).toMatchObject({ code: 'ABORTED' });
    // The job as a stall recovery would put it back: the same id, in the queue again.
    const { Queue } = require('bullmq') as typeof import('bullmq');
    const IORedis = require('ioredis') as typeof import('ioredis').default;
    const connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    const raw = new Queue(queueNameOf('once'), { connection, prefix });
    try {
      await raw.add('agent', attempt, { jobId: `${(attempt as { idempotencyKey: string }).idempotencyKey}.1`, removeOnFail: false });
      open(await createWorker({ agents: [agent('once', t)], connection: REDIS_URL, prefix }));
      let failed = 0;
      for (let i = 0; i < 60 && failed === 0; i++) {
        failed = (await raw.getJobCounts('failed'))['failed'] ?? 0;
        if (failed === 0) await sleep(50);
      }
      expect(failed).toBe(1);
      const [job0] = await raw.getJobs(['failed']);
      expect(job0?.failedReason).toContain('was cancelled by its coordinator');
      expect(t.events).toEqual([]);
    } finally {
      await raw.close();
      connection.disconnect();
    }
  });

  it('rejects at once, without publishing, when the signal has already aborted', async () => {
    const queue = open(jobQueue({ connection: REDIS_URL, prefix: prefixFor('pre-aborted') }));
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(queue.invoke(job(), { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('misuse', () => {
  it('refuses a worker without agents, with duplicate ids, or with a bad concurrency or crash bound, before connecting', async () => {
    const t = trace();
    await expect(createWorker({ agents: [] })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('at least one agent') });
    await expect(createWorker({ agents: [agent('a', t), agent('a', t)] })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining("duplicate agent id 'a'") });
    await expect(createWorker({ agents: [agent('a', t)], concurrency: 0 })).rejects.toMatchObject({ code: 'INVALID_NUMBER' });
    await expect(createWorker({ agents: [agent('a', t)], crashBoundMs: 10 })).rejects.toMatchObject({ code: 'INVALID_NUMBER' });
  });

  it('refuses a job queue with a bad keepResultsMs, and any invoke after close', async () => {
    expect(() => jobQueue({ keepResultsMs: 5 })).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER' }));
    const queue = jobQueue({ connection: REDIS_URL, prefix: prefixFor('closed') });
    await queue.close();
    const job = { agentId: 'a', task: { id: 'a' }, input: null, dependencies: {}, attempt: 1, idempotencyKey: 'k', threadId: 't', timeoutMs: 10, maxConcurrency: 1 };
    await expect(queue.invoke(job as never, { signal: new AbortController().signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('gives up on a Redis it cannot reach, saying where it looked and never the password, instead of retrying forever', async () => {
    const errors: Error[] = [];
    const unreachable = 'redis://:s3cret@127.0.0.1:1';
    const started = Date.now();
    const failure = await createWorker({ agents: [agent('a', trace())], connection: unreachable, connectTimeoutMs: 300, onError: (e) => errors.push(e) }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('could not reach Redis at redis://127.0.0.1:1 within 300 ms') });
    expect((failure as Error).message).toContain('ECONNREFUSED');
    expect((failure as Error).message).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(5_000);
    // The retries before giving up are in the message, not a flood of warnings.
    expect(errors).toEqual([]);
    const queue = jobQueue({ connection: unreachable, connectTimeoutMs: 200 });
    await expect(queue.ready()).rejects.toMatchObject({ code: 'TIMEOUT' });
    // A failed connection is not remembered: the next try connects again (and fails again here).
    await expect(queue.ready()).rejects.toMatchObject({ code: 'TIMEOUT' });
    await queue.close();
    await expect(createWorker({ agents: [agent('a', trace())], connectTimeoutMs: 0 })).rejects.toMatchObject({ code: 'INVALID_NUMBER' });
  });

  it('says which package to install when bullmq is missing', async () => {
    await jest.isolateModulesAsync(async () => {
      jest.doMock('bullmq', () => {
        throw Object.assign(new Error("Cannot find module 'bullmq'"), { code: 'MODULE_NOT_FOUND' });
      });
      const { createWorker: isolated } = require('../../src/distribution/worker') as typeof import('../../src/distribution/worker');
      const { NoError: IsolatedNoError } = require('../../src/contracts/errors') as typeof import('../../src/contracts/errors');
      const error = await isolated({ agents: [agent('a', trace())] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IsolatedNoError);
      expect(error).toMatchObject({ code: 'DEPENDENCY_MISSING', message: expect.stringContaining('npm install bullmq ioredis') });
    });
    expect(NoError).toBeDefined();
  });
});

import { createAgentPool } from '../../src/loop/agent-pool';
import { createMasterAgentLoop, type AgentDefinition } from '../../src/loop/index';
import { captureListenerErrors } from '../helpers/listener-errors';
import { sleepMs, thread } from './helpers';

/** One agent with `slots` slots that records how many of its tasks run at once, over every run. */
function countingAgent(slots: number) {
  const seen = { now: 0, max: 0 };
  const agent: AgentDefinition = {
    id: 'worker',
    capabilities: ['work'],
    maxConcurrency: slots,
    run: async (_input, ctx) => {
      seen.max = Math.max(seen.max, ++seen.now);
      try {
        await sleepMs(5, ctx.signal);
        return ctx.task.id;
      } finally {
        seen.now -= 1;
      }
    },
  };
  return { agent, seen };
}

const tasks = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `t${i}`, capability: 'work' }));

/** Fails with a clear message instead of hanging the suite when runs wait for each other forever. */
function settleOrDeadlock<T>(work: Promise<T>, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadlock = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the runs did not finish within ${ms} ms: they wait for each other`)), ms);
  });
  return Promise.race([work, deadlock]).finally(() => clearTimeout(timer));
}

describe('concurrent runs on one loop', () => {
  it('finish when together they want more slots than the agent has, and never exceed its slots', async () => {
    const { agent, seen } = countingAgent(4);
    const loop = createMasterAgentLoop({ agents: [agent], limits: { maxConcurrentAgents: 4 } });
    const runs = Array.from({ length: 4 }, () => loop.invoke({ request: { tasks: tasks(10) } }, thread()));
    const outs = await settleOrDeadlock(Promise.all(runs));
    expect(outs.map((o) => [o.status, Object.keys(o.results).length])).toEqual(Array.from({ length: 4 }, () => ['completed', 10]));
    expect(seen.max).toBeLessThanOrEqual(4);
    expect(seen.max).toBeGreaterThan(1);
  });

  it('tells every listener when a slot frees, and an unsubscribed one no more', async () => {
    const errors = captureListenerErrors();
    const pool = createAgentPool().add([countingAgent(1).agent]);
    const heard: string[] = [];
    const stop = pool.onCapacityFreed(() => heard.push('a'));
    const broken = new Error('a broken listener');
    pool.onCapacityFreed(() => {
      throw broken;
    });
    pool.onCapacityFreed(() => heard.push('b'));
    pool.begin('worker');
    pool.end('worker');
    stop();
    pool.begin('worker');
    pool.end('worker');
    expect(heard).toEqual(['a', 'b', 'b']);
    expect(await errors.settled()).toEqual([broken, broken]);
  });
});

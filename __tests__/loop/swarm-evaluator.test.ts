import { MemorySaver } from '@langchain/langgraph';
import { createSwarm } from '../../src/coordination/index';
import { NoError } from '../../src/contracts/index';
import { createMasterAgentLoop, loopEvaluator, type AgentDefinition } from '../../src/loop/index';
import { loopWith, rejectionCode, sleepMs } from './helpers';

const sphere = (x: number[]): number => x.reduce((s, v) => s + v * v, 0);
const box = (n: number): Array<[number, number]> => Array.from({ length: n }, () => [-4, 4]);
interface EvalInput {
  point: number[];
  iteration: number;
  index: number;
}

function scorer(id: string, maxConcurrency: number, run: (input: EvalInput, signal: AbortSignal) => Promise<unknown> | unknown): AgentDefinition {
  return { id, capabilities: ['score'], maxConcurrency, run: async (input, ctx) => run(input as EvalInput, ctx.signal) };
}

describe('loopEvaluator: a swarm whose evaluations are master-loop tasks', () => {
  it('runs each iteration as one run whose tasks are the evaluations, under the loop\'s concurrency limit', async () => {
    let running = 0;
    let peak = 0;
    const agents = ['a', 'b'].map((id) =>
      scorer(id, 3, async ({ point }) => {
        peak = Math.max(peak, ++running);
        await sleepMs(2);
        running--;
        return sphere(point);
      }),
    );
    const { loop, events } = loopWith(agents, { limits: { maxConcurrentAgents: 2 } });
    const result = await createSwarm({ evaluate: loopEvaluator(loop, { capability: 'score' }), swarmSize: 6, seed: 1 }).optimizeCollectively({ id: 'limits', bounds: box(2), maxIterations: 3 });
    expect(peak).toBe(2);
    expect(result.evaluations).toBe(18);
    const runs = events.filter((e) => e.type === 'orchestration.plan.created');
    expect(runs).toHaveLength(3);
    const state = await loop.getState({ configurable: { thread_id: 'swarm:limits:2' } });
    expect(Object.keys(state.values.results as object).sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
  });

  it('matches the same search scored in process', async () => {
    const { loop } = loopWith([scorer('a', 4, ({ point }) => ({ value: sphere(point) }))]);
    const problem = { id: 'same-as-local', bounds: box(3), maxEvaluations: 40 };
    const viaLoop = await createSwarm({ evaluate: loopEvaluator(loop, { capability: 'score' }), swarmSize: 8, seed: 4 }).optimizeCollectively(problem);
    const local = await createSwarm({ evaluate: async (points) => points.map(sphere), swarmSize: 8, seed: 4 }).optimizeCollectively(problem);
    expect(viaLoop).toEqual(local);
  });

  it('retries an evaluation that fails transiently', async () => {
    const attempts = new Map<string, number>();
    const { loop } = loopWith([
      scorer('a', 4, ({ point, iteration, index }) => {
        const key = `${iteration}:${index}`;
        attempts.set(key, (attempts.get(key) ?? 0) + 1);
        if (attempts.get(key) === 1) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        return sphere(point);
      }),
    ]);
    const result = await createSwarm({ evaluate: loopEvaluator(loop, { capability: 'score', retries: 2 }), swarmSize: 4 }).optimizeCollectively({ id: 'flaky', bounds: box(2), maxIterations: 2 });
    expect(result.evaluations).toBe(8);
    expect([...attempts.values()]).toEqual(Array(8).fill(2));
  });

  it('scores an evaluation no agent can finish with failedValue, and fails the search without it', async () => {
    const broken = scorer('a', 4, ({ point, index }) => {
      if (index === 1) throw new NoError('INVALID_INPUT', 'this configuration does not start');
      return sphere(point);
    });
    const values: number[][] = [];
    const { loop } = loopWith([broken]);
    const evaluate = loopEvaluator(loop, { capability: 'score', failedValue: 1e9 });
    await createSwarm({ evaluate: async (points, ctx) => (values.push(await evaluate(points, ctx)), values.at(-1)!), swarmSize: 3 }).optimizeCollectively({ id: 'with-fallback', bounds: box(2), maxIterations: 2 });
    expect(values.map((v) => v[1])).toEqual([1e9, 1e9]);

    const { loop: strict } = loopWith([broken]);
    const swarm = createSwarm({ evaluate: loopEvaluator(strict, { capability: 'score' }), swarmSize: 3 });
    const error = await swarm.optimizeCollectively({ id: 'without-fallback', bounds: box(2), maxIterations: 2 }).catch((e: NoError) => e);
    expect(error).toMatchObject({ code: 'RUN_FAILED' });
    expect((error as NoError).message).toMatch(/set failedValue/);
  });

  it('refuses an agent output that is not a number', async () => {
    const { loop } = loopWith([scorer('a', 2, () => 'great')]);
    const swarm = createSwarm({ evaluate: loopEvaluator(loop, { capability: 'score' }), swarmSize: 2 });
    expect(await rejectionCode(swarm.optimizeCollectively({ id: 'words', bounds: box(1) }))).toBe('INVALID_NUMBER');
  });

  it('refuses a search id that another search with other points used', async () => {
    const { loop } = loopWith([scorer('a', 4, ({ point }) => sphere(point))]);
    await createSwarm({ evaluate: loopEvaluator(loop, { capability: 'score' }), swarmSize: 2, seed: 1 }).optimizeCollectively({ id: 'taken', bounds: box(2), maxIterations: 1 });
    const other = createSwarm({ evaluate: loopEvaluator(loop, { capability: 'score' }), swarmSize: 2, seed: 2 });
    const error = await other.optimizeCollectively({ id: 'taken', bounds: box(2), maxIterations: 1 }).catch((e: NoError) => e);
    expect(error).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((error as NoError).message).toMatch(/use a new search id/);
  });

  it.each([
    ['no capability', {}, /needs the capability/],
    ['a failedValue JSON cannot hold', { capability: 'score', failedValue: Infinity }, /finite/],
  ])('refuses options with %s', (_, options, message) => {
    const { loop } = loopWith([scorer('a', 1, () => 0)]);
    expect(() => loopEvaluator(loop, options as never)).toThrow(message);
  });

  it('resumes a crashed search: finished iterations are not evaluated again, an interrupted one runs only its missing evaluations', async () => {
    const saver = new MemorySaver();
    const calls: string[] = [];
    let crashing = true;
    let inFlight = 0;
    let allStarted!: () => void;
    const started = new Promise<void>((resolve) => (allStarted = resolve));
    const agent = scorer('a', 4, async ({ point, iteration, index }, signal) => {
      calls.push(`${iteration}:${index}`);
      if (crashing && iteration === 2 && index >= 2) {
        if (++inFlight === 2) allStarted();
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      }
      return sphere(point);
    });
    const problem = { id: 'crash-1', bounds: box(3), maxIterations: 4, patience: 100 };
    const stop = new AbortController();
    const first = createSwarm({ evaluate: loopEvaluator(createMasterAgentLoop({ agents: [agent], checkpointer: saver }), { capability: 'score' }), swarmSize: 4, seed: 8 })
      .optimizeCollectively(problem, { signal: stop.signal })
      .catch((e: NoError) => e.code);
    await started;
    // Let the two finished evaluations of iteration 2 reach the checkpointer, then stop the process's work.
    await sleepMs(50);
    stop.abort(new Error('process killed'));
    expect(await first).toBe('ABORTED');
    expect(calls.filter((c) => c.startsWith('2:')).sort()).toEqual(['2:0', '2:1', '2:2', '2:3']);

    crashing = false;
    calls.length = 0;
    const resumed = await createSwarm({ evaluate: loopEvaluator(createMasterAgentLoop({ agents: [agent], checkpointer: saver }), { capability: 'score' }), swarmSize: 4, seed: 8 }).optimizeCollectively(problem);
    expect(calls.sort()).toEqual(['2:2', '2:3', '3:0', '3:1', '3:2', '3:3']);

    const uninterrupted = await createSwarm({ evaluate: async (points) => points.map(sphere), swarmSize: 4, seed: 8 }).optimizeCollectively(problem);
    expect(resumed).toEqual(uninterrupted);
  });
});

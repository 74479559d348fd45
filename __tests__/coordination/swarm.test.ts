import { createSwarm, evaluateEach, type BatchEvaluator, type SwarmIteration } from '../../src/coordination/index';
import { isNoError, type NoError } from '../../src/contracts/index';
import { createAgentNetwork } from '../../src/network/index';
import { SPAN_NAMES, SWARM_ATTRIBUTES } from '../../src/telemetry/index';
import { installTestTelemetry } from '../helpers/otel';

const sphere = (x: number[]): number => x.reduce((s, v) => s + v * v, 0);
const box = (n: number, lo = -5, hi = 5): Array<[number, number]> => Array.from({ length: n }, () => [lo, hi]);

async function rejectionOf(promise: Promise<unknown>): Promise<NoError> {
  try {
    await promise;
  } catch (error) {
    if (isNoError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** Records every batch it scores. */
function recording(fn: (x: number[]) => number = sphere): { evaluate: BatchEvaluator; batches: number[][][] } {
  const batches: number[][][] = [];
  return { batches, evaluate: async (points) => (batches.push(points.map((p) => [...p])), points.map(fn)) };
}

describe('createSwarm().optimizeCollectively', () => {
  it('finds the minimum of a smooth bowl', async () => {
    const result = await createSwarm({ evaluate: evaluateEach(sphere), seed: 5 }).optimizeCollectively({ bounds: box(3), maxEvaluations: 2_000, tolerance: 0 });
    expect(result.bestValue).toBeLessThan(1e-6);
    expect(result.bestPoint).toHaveLength(3);
    expect(sphere(result.bestPoint)).toBe(result.bestValue);
  });

  it('stops by convergence under the default rule once the bowl is found', async () => {
    const result = await createSwarm({ evaluate: evaluateEach(sphere), seed: 5 }).optimizeCollectively({ bounds: box(3), maxEvaluations: 10_000 });
    expect(result).toMatchObject({ stopReason: 'converged', convergenceAchieved: true });
    expect(result.evaluations).toBeLessThan(10_000);
    expect(result.bestValue).toBeLessThan(1e-2);
  });

  it('gives the same search for the same seed and a different one for another seed', async () => {
    const run = async (seed: number) => {
      const { evaluate, batches } = recording();
      const result = await createSwarm({ evaluate, seed, swarmSize: 6 }).optimizeCollectively({ id: 'same', bounds: box(2), maxIterations: 5 });
      return { result, batches };
    };
    const [a, b, c] = [await run(11), await run(11), await run(12)];
    expect(b.batches).toEqual(a.batches);
    expect(b.result).toEqual(a.result);
    expect(c.batches[0]).not.toEqual(a.batches[0]);
  });

  it('draws from the injected generator', async () => {
    const seeds: number[] = [];
    let n = 0;
    const { evaluate, batches } = recording();
    await createSwarm({ evaluate, seed: 9, swarmSize: 2, createRandom: (seed) => (seeds.push(seed), () => ((n++ * 0.37) % 1)) }).optimizeCollectively({ bounds: [[0, 1]], maxIterations: 1 });
    expect(seeds).toEqual([9]);
    expect(batches[0]).toEqual([[0], [0.37]]);
  });

  it('spends exactly the budget, cutting the last batch to fit', async () => {
    const { evaluate, batches } = recording();
    const result = await createSwarm({ evaluate, swarmSize: 4 }).optimizeCollectively({ bounds: box(2), maxEvaluations: 10, patience: 100 });
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(result).toMatchObject({ evaluations: 10, iterations: 3, stopReason: 'budget', convergenceAchieved: false });
    expect(result.history.map((h) => h.evaluations)).toEqual([4, 8, 10]);
  });

  it('stops at the iteration limit without calling it convergence', async () => {
    const result = await createSwarm({ evaluate: evaluateEach(sphere), swarmSize: 4 }).optimizeCollectively({ bounds: box(2), maxIterations: 3, patience: 100 });
    expect(result).toMatchObject({ iterations: 3, evaluations: 12, stopReason: 'iterations', convergenceAchieved: false });
  });

  it('converges by target as soon as the best reaches it', async () => {
    const result = await createSwarm({ evaluate: evaluateEach(sphere), seed: 2 }).optimizeCollectively({ bounds: box(2), maxEvaluations: 10_000, targetValue: 0.01 });
    expect(result).toMatchObject({ stopReason: 'target', convergenceAchieved: true });
    expect(result.bestValue).toBeLessThanOrEqual(0.01);
    expect(result.history.at(-2)!.bestValue).toBeGreaterThan(0.01);
  });

  it('converges when the best stops improving for `patience` iterations', async () => {
    // A plateau: no point is ever better than the first batch's best.
    const result = await createSwarm({ evaluate: evaluateEach(() => 1), swarmSize: 3 }).optimizeCollectively({ bounds: box(2), maxIterations: 100, patience: 4 });
    expect(result).toMatchObject({ stopReason: 'converged', convergenceAchieved: true, iterations: 5, bestValue: 1 });
  });

  it('does not count improvements below the tolerance as progress', async () => {
    let v = 10;
    const result = await createSwarm({ evaluate: async (points) => points.map(() => (v -= 1e-9)), swarmSize: 2 }).optimizeCollectively({ bounds: box(1), maxIterations: 50, patience: 3, tolerance: 1e-6 });
    expect(result.stopReason).toBe('converged');
    expect(result.iterations).toBe(4);
  });

  it('starts particles from the initial points', async () => {
    const { evaluate, batches } = recording();
    await createSwarm({ evaluate, swarmSize: 3 }).optimizeCollectively({ bounds: box(2), initial: [[1, 2], [-3, 0.5]], maxIterations: 1 });
    expect(batches[0]!.slice(0, 2)).toEqual([[1, 2], [-3, 0.5]]);
  });

  it('treats Infinity as an infeasible point that never becomes the best', async () => {
    const result = await createSwarm({ evaluate: evaluateEach((x) => (x[0]! > 0 ? Infinity : sphere(x))), seed: 4 }).optimizeCollectively({ bounds: box(2), maxEvaluations: 400 });
    expect(result.bestPoint[0]).toBeLessThanOrEqual(0);
    expect(Number.isFinite(result.bestValue)).toBe(true);
  });

  it('tells listeners about every iteration and stops telling them after unsubscribe', async () => {
    const swarm = createSwarm({ evaluate: evaluateEach(sphere), swarmSize: 4 });
    const seen: SwarmIteration[] = [];
    const off = swarm.onIteration((i) => seen.push(i));
    await swarm.optimizeCollectively({ id: 'listened', bounds: box(2), maxIterations: 3, patience: 100 });
    off();
    await swarm.optimizeCollectively({ bounds: box(2), maxIterations: 3 });
    expect(seen.map((i) => [i.searchId, i.iteration, i.evaluations])).toEqual([['listened', 0, 4], ['listened', 1, 8], ['listened', 2, 12]]);
    expect(seen[0]!.radius).toBeGreaterThan(0);
    expect(seen.every((i) => i.bestValue === sphere(i.bestPoint))).toBe(true);
  });

  it('publishes each new best on the network topic', async () => {
    const network = createAgentNetwork();
    const got: Array<{ bestValue: number; iteration: number }> = [];
    network.subscribe('swarm.best', (m) => void got.push(m.payload as { bestValue: number; iteration: number }));
    const result = await createSwarm({ evaluate: evaluateEach(sphere), network, seed: 3, swarmSize: 5 }).optimizeCollectively({ id: 's1', bounds: box(2), maxIterations: 8 });
    await new Promise((resolve) => setImmediate(resolve));
    network.close();
    expect(got.length).toBeGreaterThan(1);
    expect(got.at(-1)!.bestValue).toBe(result.bestValue);
    // Published only on improvement, so the values strictly fall.
    expect(got.every((m, i) => i === 0 || m.bestValue < got[i - 1]!.bestValue)).toBe(true);
  });

  it('records a span per iteration', async () => {
    const otel = installTestTelemetry();
    try {
      await createSwarm({ evaluate: evaluateEach(sphere), swarmSize: 3 }).optimizeCollectively({ id: 'traced', bounds: box(2), maxIterations: 2 });
      const spans = otel.spans().filter((s) => s.name === SPAN_NAMES.swarmIteration);
      expect(spans.map((s) => s.attributes[SWARM_ATTRIBUTES.iteration])).toEqual([0, 1]);
      expect(spans[0]!.attributes[SWARM_ATTRIBUTES.searchId]).toBe('traced');
    } finally {
      await otel.shutdown();
    }
  });

  it('stops with ABORTED when its signal aborts, passing the signal to the evaluator', async () => {
    const stop = new AbortController();
    let signal: AbortSignal | undefined;
    const swarm = createSwarm({
      evaluate: async (points, ctx) => {
        signal = ctx.signal;
        if (ctx.iteration === 1) stop.abort(new Error('enough'));
        return points.map(sphere);
      },
      swarmSize: 2,
    });
    const error = await rejectionOf(swarm.optimizeCollectively({ bounds: box(1), maxIterations: 10 }, { signal: stop.signal }));
    expect(error.code).toBe('ABORTED');
    expect(signal).toBe(stop.signal);
    expect((await rejectionOf(swarm.optimizeCollectively({ bounds: box(1) }, { signal: stop.signal }))).code).toBe('ABORTED');
  });
});

describe('what the swarm refuses', () => {
  const swarm = createSwarm({ evaluate: evaluateEach(sphere), swarmSize: 4 });
  it.each([
    ['no bounds', { bounds: [] }, /needs bounds/],
    ['a non-finite bound', { bounds: [[0, Infinity]] }, /finite/],
    ['a reversed bound', { bounds: [[3, 1]] }, /swap them to \[1, 3\]/],
    ['an initial point of the wrong dimension', { bounds: box(2), initial: [[1]] }, /1 coordinates but the bounds have 2 dimensions/],
    ['an initial point outside the bounds', { bounds: box(1), initial: [[9]] }, /outside bounds/],
    ['more initial points than particles', { bounds: box(1), initial: [[0], [0], [0], [0], [0]] }, /at most swarmSize/],
    ['a budget smaller than the swarm', { bounds: box(1), maxEvaluations: 3 }, /raise maxEvaluations to at least 4/],
    ['a fractional iteration limit', { bounds: box(1), maxIterations: 1.5 }, /positive integer/],
    ['a negative tolerance', { bounds: box(1), tolerance: -1 }, /tolerance/],
    ['a NaN target', { bounds: box(1), targetValue: NaN }, /targetValue/],
    ['an id unfit for a thread id', { bounds: box(1), id: 'has space' }, /letters, digits/],
  ])('%s', async (_, problem, message) => {
    const error = await rejectionOf(swarm.optimizeCollectively(problem as never));
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toMatch(message);
  });

  it.each([
    ['no evaluator', { evaluate: undefined }, /needs evaluate/],
    ['a swarm of one', { swarmSize: 1 }, /at least 2/],
    ['an unknown topology', { topology: 'star' }, /topology/],
    ['a constriction that diverges', { constriction: { chi: 1.2, c1: 2, c2: 2 } }, /CLERC_KENNEDY/],
  ])('options with %s', (_, options, message) => {
    let error: unknown;
    try {
      createSwarm({ evaluate: evaluateEach(sphere), ...options } as never);
    } catch (e) {
      error = e;
    }
    expect(isNoError(error, 'INVALID_REQUEST')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    ['too few values', async (points: number[][]) => points.slice(1).map(sphere), /one number per point/],
    ['a NaN value', async (points: number[][]) => points.map(() => NaN), /return a number/],
  ])('an evaluator that returns %s', async (_, evaluate, message) => {
    const error = await rejectionOf(createSwarm({ evaluate, swarmSize: 3 }).optimizeCollectively({ bounds: box(1) }));
    expect(error.code).toBe('INVALID_NUMBER');
    expect(error.message).toMatch(message);
  });
});

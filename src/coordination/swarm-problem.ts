import { NoError } from '../contracts/errors.js';

/**
 * Particles in the swarm when the options do not say. @default 20
 *
 * Agent evaluations are expensive, so budgets are small: on the bench's 10-dimensional functions 20
 * particles reach a better value than 40 within 1,000 evaluations, and about as good within 5,000.
 */
export const DEFAULT_SWARM_SIZE = 20;
/** Iterations (evaluated batches, the first one included) when the problem sets no budget. @default 100 */
export const DEFAULT_MAX_ITERATIONS = 100;
/**
 * Iterations without a real improvement (see DEFAULT_TOLERANCE) after which the swarm counts as
 * converged. @default 20
 */
export const DEFAULT_PATIENCE = 20;
/**
 * Smallest improvement of the best value, relative to max(1, |best|), that counts as real. @default 1e-3
 *
 * A swarm keeps finding tiny improvements long after it has settled in a basin: with 1e-6 the bench's
 * searches almost never stopped before their budget; with 1e-3 they stop in the basin they settled in
 * (Rastrigin, Ackley) and keep going while they still make progress (Rosenbrock's valley).
 */
export const DEFAULT_TOLERANCE = 1e-3;
/** The seed of the swarm's random numbers when neither `seed` nor `random` is given. @default 1 */
export const DEFAULT_SWARM_SEED = 1;
/** The topic the best so far is published on, when a network is given. @default 'swarm.best' */
export const DEFAULT_SWARM_TOPIC = 'swarm.best';

/**
 * Clerc and Kennedy's constriction coefficients (2002): with φ = c1 + c2 = 4.1,
 * χ = 2 / |2 − φ − √(φ² − 4φ)| ≈ 0.7298. They make the swarm converge without velocity clamping
 * or a tuned inertia schedule, which is why SPSO uses them.
 */
export const CLERC_KENNEDY = Object.freeze({ chi: 0.7298437881283576, c1: 2.05, c2: 2.05 });

/** What to minimise: a box of bounds, and when to stop. Lower values are better. */
export interface SwarmProblem {
  /**
   * Names the search: part of every evaluation's thread id with `loopEvaluator`, so a crashed search
   * started again with the same id, seed and problem re-uses the evaluations already done.
   * @default a random UUID (a crashed search then starts over)
   */
  id?: string;
  /** `[lower, upper]` per dimension, finite, lower ≤ upper. The swarm never evaluates a point outside. */
  bounds: ReadonlyArray<readonly [number, number]>;
  /** Points to start some particles from (the configuration in use today, say); each inside the bounds. */
  initial?: ReadonlyArray<readonly number[]>;
  /** Most evaluations in all; the last batch is cut to fit. @default swarmSize × maxIterations */
  maxEvaluations?: number;
  /** Most iterations (evaluated batches). @default DEFAULT_MAX_ITERATIONS, or no limit when maxEvaluations is given */
  maxIterations?: number;
  /** Stop as soon as the best value is at or below this: convergence by target. @default none */
  targetValue?: number;
  /** See DEFAULT_TOLERANCE. */
  tolerance?: number;
  /** See DEFAULT_PATIENCE. */
  patience?: number;
}

/** A problem with every default applied. */
export interface ResolvedProblem {
  id: string;
  lower: number[];
  upper: number[];
  initial: number[][];
  maxEvaluations: number;
  maxIterations: number;
  targetValue: number | undefined;
  tolerance: number;
  patience: number;
}

const invalid = (message: string, details: Record<string, unknown>): NoError => new NoError('INVALID_REQUEST', message, { details });
const isPositiveInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;

/** Checks a swarm size (exported for the options' check and the loop adapter). */
export function checkSwarmSize(size: unknown): number {
  if (!isPositiveInt(size) || size < 2) {
    throw invalid(`swarmSize must be an integer of at least 2 (got ${String(size)}): use e.g. swarmSize: ${DEFAULT_SWARM_SIZE}`, { swarmSize: size });
  }
  return size;
}

function checkBounds(bounds: unknown): { lower: number[]; upper: number[] } {
  if (!Array.isArray(bounds) || bounds.length === 0) {
    throw invalid('a swarm problem needs bounds: one [lower, upper] pair per dimension, e.g. bounds: [[-5, 5], [-5, 5]]', { bounds: typeof bounds });
  }
  const lower: number[] = [];
  const upper: number[] = [];
  bounds.forEach((pair: unknown, dimension) => {
    const [lo, hi] = Array.isArray(pair) && pair.length === 2 ? (pair as unknown[]) : [undefined, undefined];
    if (typeof lo !== 'number' || typeof hi !== 'number' || !Number.isFinite(lo) || !Number.isFinite(hi)) {
      throw invalid(`bounds[${dimension}] must be a pair of finite numbers [lower, upper] (got ${JSON.stringify(pair)}): give every dimension a finite box`, { dimension, pair });
    }
    if (lo > hi) {
      throw invalid(`bounds[${dimension}] has lower ${lo} above upper ${hi}: swap them to [${hi}, ${lo}]`, { dimension, lower: lo, upper: hi });
    }
    lower.push(lo);
    upper.push(hi);
  });
  return { lower, upper };
}

function checkInitial(initial: unknown, lower: number[], upper: number[]): number[][] {
  if (initial === undefined) return [];
  if (!Array.isArray(initial)) throw invalid('initial must be an array of points, each an array of numbers', { initial: typeof initial });
  return initial.map((point: unknown, index) => {
    if (!Array.isArray(point) || point.length !== lower.length) {
      throw invalid(`initial[${index}] has ${Array.isArray(point) ? point.length : 'no'} coordinates but the bounds have ${lower.length} dimensions: give each initial point one coordinate per bound`, {
        index,
        expected: lower.length,
        got: Array.isArray(point) ? point.length : null,
      });
    }
    const outside = point.findIndex((x: unknown, d) => typeof x !== 'number' || !(x >= lower[d]! && x <= upper[d]!));
    if (outside >= 0) {
      throw invalid(`initial[${index}][${outside}] = ${String(point[outside])} lies outside bounds [${lower[outside]}, ${upper[outside]}]: move it inside or widen the bounds`, { index, dimension: outside });
    }
    return [...(point as number[])];
  });
}

/**
 * Applies the defaults and refuses a problem the swarm cannot search, with a message that says how
 * to fix it. `newId` makes the default id (a UUID in use, something fixed in tests).
 */
export function resolveProblem(problem: SwarmProblem, swarmSize: number, newId: () => string): ResolvedProblem {
  if (typeof problem !== 'object' || problem === null) throw invalid('optimizeCollectively needs a problem: { bounds: [[lower, upper], ...] }', { problem: typeof problem });
  const { lower, upper } = checkBounds(problem.bounds);
  if (problem.id !== undefined && (typeof problem.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(problem.id))) {
    throw invalid(`a search id is part of thread ids: use letters, digits and . _ : - (at most 128), not ${JSON.stringify(problem.id)}`, { id: problem.id });
  }
  for (const name of ['maxEvaluations', 'maxIterations', 'patience'] as const) {
    const value = problem[name];
    if (value !== undefined && !isPositiveInt(value)) throw invalid(`${name} must be a positive integer (got ${String(value)})`, { [name]: value });
  }
  if (problem.tolerance !== undefined && !(problem.tolerance >= 0 && Number.isFinite(problem.tolerance))) {
    throw invalid(`tolerance must be a finite number ≥ 0 (got ${String(problem.tolerance)})`, { tolerance: problem.tolerance });
  }
  if (problem.targetValue !== undefined && (typeof problem.targetValue !== 'number' || Number.isNaN(problem.targetValue))) {
    throw invalid(`targetValue must be a number (got ${String(problem.targetValue)})`, { targetValue: problem.targetValue });
  }
  const initial = checkInitial(problem.initial, lower, upper);
  if (initial.length > swarmSize) {
    throw invalid(`${initial.length} initial points for a swarm of ${swarmSize}: give at most swarmSize initial points or a larger swarmSize`, { initial: initial.length, swarmSize });
  }
  // A budget given alone binds by itself: no iteration limit then, so the stop reports 'budget'.
  const maxIterations = problem.maxIterations ?? (problem.maxEvaluations === undefined ? DEFAULT_MAX_ITERATIONS : Infinity);
  const maxEvaluations = problem.maxEvaluations ?? swarmSize * maxIterations;
  if (maxEvaluations < swarmSize) {
    throw invalid(`a budget of ${maxEvaluations} evaluations cannot evaluate a swarm of ${swarmSize} once: raise maxEvaluations to at least ${swarmSize} or lower swarmSize`, {
      maxEvaluations,
      swarmSize,
    });
  }
  return {
    id: problem.id ?? newId(),
    lower,
    upper,
    initial,
    maxEvaluations,
    maxIterations,
    targetValue: problem.targetValue,
    tolerance: problem.tolerance ?? DEFAULT_TOLERANCE,
    patience: problem.patience ?? DEFAULT_PATIENCE,
  };
}

/** Checks one batch of values against the batch of points it scores. */
export function checkValues(values: unknown, expected: number, iteration: number): number[] {
  if (!Array.isArray(values) || values.length !== expected) {
    throw new NoError('INVALID_NUMBER', `the evaluator returned ${Array.isArray(values) ? values.length : typeof values} values for ${expected} points at iteration ${iteration}: return one number per point, in the points' order`, {
      details: { iteration, expected, got: Array.isArray(values) ? values.length : null },
    });
  }
  const bad = values.findIndex((v) => typeof v !== 'number' || Number.isNaN(v));
  if (bad >= 0) {
    throw new NoError('INVALID_NUMBER', `the evaluator returned ${String(values[bad])} for point ${bad} at iteration ${iteration}: return a number (lower is better; Infinity for an infeasible point)`, {
      details: { iteration, index: bad },
    });
  }
  return values as number[];
}

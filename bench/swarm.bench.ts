/**
 * Swarm search against random search with the same budget, on Rastrigin, Rosenbrock and Ackley in
 * 10 dimensions (their usual boxes; minimum 0 each).
 *
 * Set-up: `createSwarm` with its defaults (20 particles, global topology, Clerc-Kennedy
 * constriction), `patience` off so every run spends the whole budget of 5,000 evaluations; random
 * search draws 5,000 uniform points from the same box. 10 seeds each (the same seeds for both).
 * Reported: the median and worst (over seeds) best value after 200, 1,000 and 5,000 evaluations.
 * Then, with the default stopping rule (patience 20, tolerance 1e-3): how many runs converged, and
 * the median evaluations and best value at the stop. Last, one search through a master loop
 * (`loopEvaluator`, one agent with 20 slots, MemorySaver): the same result as in process, and the
 * loop's cost per evaluation.
 * Run with `npx tsx bench/swarm.bench.ts` (~10 s). Prints tables, then one JSON line.
 */
import { createSwarm, evaluateEach } from '../src/coordination/index.js';
import { createMasterAgentLoop } from '../src/loop/builder.js';
import { loopEvaluator } from '../src/loop/swarm-evaluator.js';
import { createRandom } from '../src/scheduler/random.js';
import { printTable } from './lib/loop-bench.js';
import { TEST_FUNCTIONS, type TestFunction } from './lib/test-functions.js';

const DIMENSIONS = 10;
const BUDGET = 5_000;
const CHECKPOINTS = [200, 1_000, 5_000];
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

const boxOf = (fn: TestFunction): Array<[number, number]> => Array.from({ length: DIMENSIONS }, () => [fn.bound[0], fn.bound[1]]);
const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (x: number): string => (x === 0 ? '0' : Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5 ? x.toExponential(2) : x.toFixed(3));

/** Best value after each checkpoint's number of evaluations. */
function bestAt(history: Array<{ evaluations: number; bestValue: number }>): number[] {
  return CHECKPOINTS.map((n) => history.filter((h) => h.evaluations <= n).at(-1)!.bestValue);
}

function randomSearch(fn: TestFunction, seed: number): number[] {
  const random = createRandom(seed);
  const [lo, hi] = fn.bound;
  let best = Infinity;
  const history: Array<{ evaluations: number; bestValue: number }> = [];
  for (let n = 1; n <= BUDGET; n++) {
    best = Math.min(best, fn.f(Array.from({ length: DIMENSIONS }, () => lo + random() * (hi - lo))));
    history.push({ evaluations: n, bestValue: best });
  }
  return bestAt(history);
}

async function main(): Promise<void> {
  const rows: Array<{ fn: string; method: string; median: number[]; worst: number[] }> = [];
  const stops: Array<{ fn: string; converged: number; medianEvaluations: number; medianBest: number; medianIterations: number }> = [];
  for (const fn of TEST_FUNCTIONS) {
    const pso: number[][] = [];
    const rnd: number[][] = [];
    const stopped: Array<{ converged: boolean; evaluations: number; iterations: number; best: number }> = [];
    for (const seed of SEEDS) {
      const swarm = createSwarm({ evaluate: evaluateEach((x) => fn.f(x)), seed });
      const full = await swarm.optimizeCollectively({ bounds: boxOf(fn), maxEvaluations: BUDGET, patience: BUDGET });
      pso.push(bestAt(full.history));
      rnd.push(randomSearch(fn, seed));
      const early = await swarm.optimizeCollectively({ bounds: boxOf(fn), maxEvaluations: BUDGET });
      stopped.push({ converged: early.convergenceAchieved, evaluations: early.evaluations, iterations: early.iterations, best: early.bestValue });
    }
    for (const [method, runs] of [['swarm (PSO)', pso], ['random search', rnd]] as const) {
      rows.push({ fn: fn.name, method, median: CHECKPOINTS.map((_, c) => median(runs.map((r) => r[c]!))), worst: CHECKPOINTS.map((_, c) => Math.max(...runs.map((r) => r[c]!))) });
    }
    stops.push({
      fn: fn.name,
      converged: stopped.filter((s) => s.converged).length,
      medianEvaluations: median(stopped.map((s) => s.evaluations)),
      medianIterations: median(stopped.map((s) => s.iterations)),
      medianBest: median(stopped.map((s) => s.best)),
    });
  }

  printTable(
    `best value after n evaluations, ${DIMENSIONS} dimensions, median (worst) over ${SEEDS.length} seeds; minimum 0`,
    ['function', 'method', ...CHECKPOINTS.map((n) => `n=${n}`)],
    rows.map((r) => [r.fn, r.method, ...r.median.map((m, c) => `${fmt(m)} (${fmt(r.worst[c]!)})`)]),
  );
  printTable(
    `the swarm with its default stopping rule (patience 20, tolerance 1e-3), budget ${BUDGET}`,
    ['function', 'converged', 'median iterations', 'median evaluations', 'median best'],
    stops.map((s) => [s.fn, `${s.converged}/${SEEDS.length}`, s.medianIterations, s.medianEvaluations, fmt(s.medianBest)]),
  );

  // The same search through a master loop: each iteration one run of 20 tasks.
  const fn = TEST_FUNCTIONS[0];
  const loop = createMasterAgentLoop({ agents: [{ id: 'scorer', capabilities: ['score'], maxConcurrency: 20, run: async (input) => fn.f((input as { point: number[] }).point) }] });
  const problem = { id: 'bench', bounds: boxOf(fn), maxEvaluations: 1_000, patience: 1_000 };
  const start = performance.now();
  const viaLoop = await createSwarm({ evaluate: loopEvaluator(loop, { capability: 'score' }), seed: 1 }).optimizeCollectively(problem);
  const loopMs = performance.now() - start;
  const local = await createSwarm({ evaluate: evaluateEach((x) => fn.f(x)), seed: 1 }).optimizeCollectively(problem);
  const identical = viaLoop.bestValue === local.bestValue && viaLoop.evaluations === local.evaluations;
  const loopRow = { fn: fn.name, evaluations: viaLoop.evaluations, runs: viaLoop.iterations, bestValue: viaLoop.bestValue, identical, msPerEvaluation: loopMs / viaLoop.evaluations };
  printTable('one search through the master loop (seed 1, 1,000 evaluations)', ['function', 'runs', 'evaluations', 'best', 'same as in process', 'ms per evaluation'], [
    [loopRow.fn, loopRow.runs, loopRow.evaluations, fmt(loopRow.bestValue), String(identical), loopRow.msPerEvaluation.toFixed(2)],
  ]);
  console.log(JSON.stringify({ bench: 'swarm', dimensions: DIMENSIONS, budget: BUDGET, checkpoints: CHECKPOINTS, seeds: SEEDS.length, rows, stops, loop: loopRow }));
}

void main();

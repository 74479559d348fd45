/**
 * The pure scheduling core: how long planning takes as problems grow, and how close schedules come to
 * the lower bound on PSPLIB-like generated instances. Run with `npx tsx bench/scheduler-core.bench.ts`.
 * Prints a table, then one JSON line for tooling.
 */
import { buildDag } from '../src/scheduler/dag.js';
import { generateRcpspInstance, instanceToProblem } from '../src/scheduler/instance-generator.js';
import { makespanLowerBound } from '../src/scheduler/lower-bound.js';
import { defaultScheduleCount, solveSchedule } from '../src/scheduler/rcpsp.js';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] as number;
};
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

interface TimingRow {
  tasks: number;
  schedules: number;
  buildDagMs: number;
  solveMs: number;
  planMs: number;
  makespanOverLowerBound: number;
}

/** Sparse DAGs, about two successors per task, three resources and a concurrency limit. */
function timing(tasks: number, runs: number): TimingRow {
  const instance = generateRcpspInstance({ tasks, seed: 1, resources: 3, networkComplexity: 2, resourceStrength: 0.2 });
  const problem = { ...instanceToProblem(instance), maxConcurrent: 32 };
  const dagTimes: number[] = [];
  const solveTimes: number[] = [];
  let ratio = 0;
  // One untimed run warms the JIT up.
  solveSchedule(problem);
  for (let run = 0; run < runs; run++) {
    let at = performance.now();
    buildDag(instance.tasks);
    dagTimes.push(performance.now() - at);
    at = performance.now();
    const { makespan } = solveSchedule(problem);
    solveTimes.push(performance.now() - at);
    ratio = makespan / makespanLowerBound(problem);
  }
  const buildDagMs = median(dagTimes);
  const solveMs = median(solveTimes);
  return { tasks, schedules: defaultScheduleCount(tasks), buildDagMs, solveMs, planMs: buildDagMs + solveMs, makespanOverLowerBound: ratio };
}

interface QualityRow {
  tasks: number;
  instances: number;
  singlePass: number;
  searched: number;
  meanSolveMs: number;
}

/** Mean makespan / lower bound over generated instances, default search versus one LFT pass. */
function quality(tasks: number, instances: number): QualityRow {
  const single: number[] = [];
  const searched: number[] = [];
  const times: number[] = [];
  for (let seed = 1; seed <= instances; seed++) {
    const problem = instanceToProblem(generateRcpspInstance({ tasks, seed }));
    const bound = makespanLowerBound(problem);
    single.push(solveSchedule(problem, { maxIterations: 1 }).makespan / bound);
    const at = performance.now();
    searched.push(solveSchedule(problem).makespan / bound);
    times.push(performance.now() - at);
  }
  return { tasks, instances, singlePass: mean(single), searched: mean(searched), meanSolveMs: mean(times) };
}

const started = performance.now();
const timings = [
  timing(100, 7),
  timing(1000, 7),
  timing(2000, 5),
  timing(2001, 9),
  timing(5000, 9),
  timing(10_000, 9),
  timing(50_000, 5),
];
console.log('plan time (median; sparse DAG, ~2 successors per task, 3 resources, maxConcurrent 32, resource strength 0.2: tight)');
console.log('tasks    schedules  buildDag ms  solve ms  plan ms  makespan/LB');
for (const row of timings) {
  console.log(
    `${String(row.tasks).padEnd(8)} ${String(row.schedules).padStart(9)} ${row.buildDagMs.toFixed(2).padStart(12)} ${row.solveMs.toFixed(2).padStart(9)} ${row.planMs.toFixed(2).padStart(8)} ${row.makespanOverLowerBound.toFixed(3).padStart(12)}`,
  );
}

const qualities = [quality(30, 20), quality(60, 20), quality(120, 20)];
console.log('\nschedule quality (mean makespan / lower bound; generated like PSPLIB: 4 resources, RF 0.5, RS 0.3)');
console.log('tasks  instances  single pass  searched  gain    mean solve ms');
for (const row of qualities) {
  console.log(
    `${String(row.tasks).padEnd(6)} ${String(row.instances).padStart(9)} ${row.singlePass.toFixed(4).padStart(12)} ${row.searched.toFixed(4).padStart(9)} ${`${((row.singlePass / row.searched - 1) * 100).toFixed(1)}%`.padStart(6)} ${row.meanSolveMs.toFixed(1).padStart(15)}`,
  );
}
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(JSON.stringify({ bench: 'scheduler-core', timings, qualities }));

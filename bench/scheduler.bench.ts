/**
 * The public planner (`planExecution`: validation, strategy choice, schedule, plan): plan time as the
 * request grows, and schedule quality on generated RCPSP instances (PSPLIB-like, 4 resources), as the
 * ratio to the lower bound and the gap to the best schedule a 10x-longer search finds.
 * Run with `npx tsx bench/scheduler.bench.ts`. Prints a table, then one JSON line.
 */
import type { ExecutionRequestInput } from '../src/contracts/index.js';
import { createIntelligenceScheduler, generateRcpspInstance, type RcpspInstance } from '../src/scheduler/index.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function toRequest(instance: RcpspInstance, strategy: 'parallel' | 'adaptive' = 'parallel'): ExecutionRequestInput {
  return { tasks: instance.tasks, resources: instance.resources, strategy };
}

function planTime(tasks: number, runs: number) {
  const request = toRequest(generateRcpspInstance({ tasks, seed: 7, resources: 3, networkComplexity: 2, resourceStrength: 0.2 }), 'adaptive');
  const scheduler = createIntelligenceScheduler();
  scheduler.planExecution(request); // warm-up
  const times: number[] = [];
  let ratio = 0;
  for (let i = 0; i < runs; i++) {
    const at = performance.now();
    const plan = scheduler.planExecution(request);
    times.push(performance.now() - at);
    ratio = plan.makespanMs / plan.lowerBoundMs;
  }
  return { tasks, planMs: median(times), makespanOverLowerBound: ratio };
}

function quality(tasks: number, instances: number) {
  const rows = [];
  for (let seed = 1; seed <= instances; seed++) {
    const request = toRequest(generateRcpspInstance({ tasks, seed }));
    const single = createIntelligenceScheduler({ solve: { maxIterations: 1 } }).planExecution(request);
    const plan = createIntelligenceScheduler().planExecution(request);
    const long = createIntelligenceScheduler({ solve: { maxIterations: 50_000, seed: 99, timeBudgetMs: 20_000 } }).planExecution(request);
    const best = Math.min(plan.makespanMs, long.makespanMs);
    rows.push({ bound: plan.lowerBoundMs, single: single.makespanMs, plan: plan.makespanMs, best });
  }
  return {
    tasks,
    instances,
    singlePassOverBound: mean(rows.map((r) => r.single / r.bound)),
    planOverBound: mean(rows.map((r) => r.plan / r.bound)),
    planOverBestKnown: mean(rows.map((r) => r.plan / r.best)),
    singlePassOverBestKnown: mean(rows.map((r) => r.single / r.best)),
  };
}

const timing = [10, 100, 1_000, 10_000].map((n) => planTime(n, n >= 10_000 ? 7 : 11));
const qualityRows = [30, 60, 120].map((n) => quality(n, n === 30 ? 20 : 10));

console.log('planExecution time (median)');
console.log('tasks    plan ms   makespan/bound');
for (const r of timing) console.log(`${String(r.tasks).padEnd(8)} ${r.planMs.toFixed(1).padStart(8)}   ${r.makespanOverLowerBound.toFixed(3)}`);
const [, t100, , t10k] = timing;
console.log(`growth 100 -> 10,000 tasks: x${(t10k!.planMs / t100!.planMs).toFixed(1)} time for x100 tasks`);
console.log('\nschedule quality (means over generated instances)');
console.log('tasks  n   single/bound  plan/bound  single/best  plan/best');
for (const q of qualityRows) {
  console.log(`${String(q.tasks).padEnd(6)} ${String(q.instances).padEnd(3)} ${q.singlePassOverBound.toFixed(3).padStart(12)} ${q.planOverBound.toFixed(3).padStart(11)} ${q.singlePassOverBestKnown.toFixed(3).padStart(12)} ${q.planOverBestKnown.toFixed(3).padStart(10)}`);
}
console.log(JSON.stringify({ bench: 'scheduler', timing, quality: qualityRows }));

/**
 * What learning costs a user who asked for nothing risky: one loop (as a service keeps it), one
 * risk-free 48-task DAG (no task declares risk or side effects), run 12 times on fresh threads with
 * the default `adaptive` strategy, so the adaptive engine learns from every run and chooses the
 * strategy of the next.
 *
 * Set-up: one agent with maxConcurrency 4, `limits: { maxConcurrentAgents: 4 }`, each task a real
 * sleep of 4-12 ms (its estimate is the same number, so the plan knows the durations).
 * Reported per run: the strategy the plan chose, the plan's predicted makespan, the span (first task
 * start -> last task end, measured inside the agent), the lower bound max(critical path, work / 4) of
 * the DAG, span / bound, and span / "real bound" (the same bound over the measured sleep lengths, so
 * timer overshoot is not counted against the loop), and the reward the engine gave the run.
 * Aim: every run within 1.25 x bound (span / real bound), whatever the engine learned.
 * Run with `npx tsx bench/loop-learning.bench.ts` (~10 s). Prints a table, then one JSON line.
 */
import { createMasterAgentLoop } from '../src/loop/builder.js';
import { createRandom, type Random } from '../src/scheduler/random.js';
import { countMaxListenerWarnings, printTable, round } from './lib/loop-bench.js';
import { lowerBound, Recorder } from './lib/recorder.js';

const CAPACITY = 4;
const TASKS = 48;
const RUNS = 12;
const AIM = 1.25;
const warnings = countMaxListenerWarnings();

interface DagTask { id: string; ms: number; dependsOn: string[] }

/** Four layers of 12; each task past the first layer depends on 1-3 tasks of the layer before. */
function riskFreeDag(random: Random): DagTask[] {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const layers: DagTask[][] = [];
  for (let l = 0; l < 4; l++) {
    layers.push(Array.from({ length: TASKS / 4 }, (_, i) => {
      const prev = layers[l - 1];
      const deps = new Set<string>();
      if (prev) for (let k = int(1, 3); k > 0; k--) deps.add(prev[int(0, prev.length - 1)]!.id);
      return { id: `L${l}-${i}`, ms: int(4, 12), dependsOn: [...deps] };
    }));
  }
  return layers.flat();
}


async function main(): Promise<void> {
  const dag = riskFreeDag(createRandom(48));
  const recorder = { current: new Recorder() };
  const loop = createMasterAgentLoop({
    agents: [{
      id: 'worker',
      capabilities: ['work'],
      maxConcurrency: CAPACITY,
      run: async (input: unknown, ctx: { task: { id: string } }) => recorder.current.run(ctx.task.id, input as number),
    }],
    limits: { maxConcurrentAgents: CAPACITY },
  });
  const tasks = dag.map((t) => ({ id: t.id, dependsOn: t.dependsOn, estimatedDurationMs: t.ms, capability: 'work', input: t.ms }));
  const bound = lowerBound(dag, (t) => t.ms, CAPACITY).bound;

  const rows = [];
  for (let run = 0; run < RUNS; run++) {
    recorder.current = new Recorder();
    const out = await loop.invoke({ request: { tasks } }, { configurable: { thread_id: `learning-${run}` } });
    if (out.status !== 'completed') throw new Error(`run ${run} ended ${out.status}`);
    const r = recorder.current;
    const span = r.last - r.first;
    const realBound = lowerBound(dag, (t) => r.actual.get(t.id)!, CAPACITY).bound;
    rows.push({
      run, strategy: out.plan!.strategy, planned: round(out.plan!.makespanMs, 1), bound: round(bound, 1), span: round(span, 1),
      overBound: round(span / bound, 3), overRealBound: round(span / realBound, 3), reward: round(out.adjustment?.reward ?? Number.NaN, 3),
    });
  }

  printTable(
    `${RUNS} runs of one risk-free ${TASKS}-task DAG on one loop (capacity ${CAPACITY}; span = first task start -> last task end, ms)`,
    ['run', 'strategy', 'plan', 'bound', 'span', 'span/bound', 'span/real bound', 'reward'],
    rows.map((r) => [r.run, r.strategy, r.planned.toFixed(0), r.bound.toFixed(0), r.span.toFixed(0), r.overBound.toFixed(3), r.overRealBound.toFixed(3), r.reward.toFixed(3)]),
  );
  const worst = Math.max(...rows.map((r) => r.overRealBound));
  const serialised = rows.filter((r) => r.strategy === 'sequential-safe').length;
  console.log(`worst span/real bound ${worst.toFixed(3)}; runs planned sequential-safe: ${serialised} of ${RUNS}`);
  console.log(`aim every run <= ${AIM} x real bound: ${worst <= AIM ? 'met' : 'NOT met'}; MaxListenersExceededWarning seen: ${warnings()}`);
  console.log(JSON.stringify({ bench: 'loop-learning', capacity: CAPACITY, tasks: TASKS, runs: RUNS, aim: AIM, worst, serialised, rows }));
}

void main();

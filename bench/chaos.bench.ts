/**
 * The master loop under chaos: concurrent DAG runs on a pool of agents while a seeded chaos engine
 * (`createChaos`, src/loop/chaos.ts) injects faults, for a set duration.
 *
 * Workload (bench/lib/chaos-workload.ts): runs of 10-30 tasks each (random DAGs, up to 3 dependencies
 * per task), `--runs` of them at once, new ones started until `--minutes` have passed. One loop, 8
 * `work` agents and 2 `standby` agents (4 tasks each at once; every task declares the standby
 * capability as its fallback, for when no work agent is left to try it), a MemorySaver (`--saver
 * sqlite` for a file). Each task asks a peer agent for a review over the loop's network and waits for
 * its signed answer (1 s), computes its result with a tool through a primitive layer's gate (300 ms
 * per-call timeout), and applies its effect with a second tool keyed by its idempotency key. Loop:
 * 5 retries, backoff 20-500 ms, 5 s per attempt, breakers at their defaults but retried after 250 ms (a crash's length).
 * Standby agents are under the same chaos as the others.
 * Faults (the issue's figures): 10 % of agent attempts fail (70 % transient, 30 % crash the agent
 * for 250 ms, so every attempt on it meanwhile fails as an agent fault), 15 % of tool calls hang until
 * the gate's timeout aborts them, 5 % of message sends split the network (sender's side and the
 * peer's) for 1.5 s while no split is in force (so the network is split most of the time: the table
 * says how much), and `--memory-mb` (256) of buffers are held and churned the whole time.
 * Checked: every completed task's result against an oracle that recomputes it from the DAG alone
 * (corrupted), effects applied per idempotency key (no deduplication: 2 is a double effect), the keys
 * each task's attempts saw (one per task). Recovery time: from a fault to the completion of the task
 * it hit (a partition's: the task whose send split the network).
 * Bars (the seed's): success > 95 %, no corrupted result, recovery < 30 s.
 * Run with `npx tsx bench/chaos.bench.ts --minutes 10` (default 1 minute; `--runs 4 --seed 1
 * --memory-mb 256 --saver memory`). Prints progress, tables, then one JSON line.
 */
import { percentile, runChaosWorkload, type ChaosReport } from './lib/chaos-workload.js';
import { DEFAULT_CHAOS_OPTIONS, INJECTED_FAULT_KINDS } from '../src/loop/chaos.js';
import { createSaver, printTable, round, type SaverKind } from './lib/loop-bench.js';

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

const minutes = Number(arg('minutes', '1'));
const seed = Number(arg('seed', '1'));
const runs = Number(arg('runs', '4'));
const memoryMb = Number(arg('memory-mb', '256'));
const saverKind = arg('saver', 'memory') as SaverKind;
const asked = (x: number): string => `${round(100 * x)} %`;
const RATE_ASKED = {
  'agent-transient': asked(DEFAULT_CHAOS_OPTIONS.agentFailureRate * (1 - DEFAULT_CHAOS_OPTIONS.crashShare)),
  'agent-crash': asked(DEFAULT_CHAOS_OPTIONS.agentFailureRate * DEFAULT_CHAOS_OPTIONS.crashShare),
  'agent-down': '',
  'tool-timeout': asked(DEFAULT_CHAOS_OPTIONS.toolTimeoutRate),
  partition: asked(DEFAULT_CHAOS_OPTIONS.partitionRate),
  'partition-blocked': '',
};
const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

async function main(): Promise<void> {
  if (!(minutes > 0) || !Number.isInteger(seed) || !(runs >= 1) || !(memoryMb >= 0) || !['memory', 'sqlite'].includes(saverKind)) {
    throw new Error('usage: npx tsx bench/chaos.bench.ts [--minutes 1] [--seed 1] [--runs 4] [--memory-mb 256] [--saver memory|sqlite]');
  }
  const { saver, dispose } = createSaver(saverKind);
  let lastPrint = performance.now();
  const started = performance.now();
  let report: ChaosReport;
  try {
    report = await runChaosWorkload({
      chaos: { seed, memoryPressureMb: memoryMb },
      durationMs: minutes * 60_000,
      concurrentRuns: runs,
      checkpointer: saver,
      onRun: (r) => {
        if (performance.now() - lastPrint < 30_000) return;
        lastPrint = performance.now();
        console.log(`${Math.round((performance.now() - started) / 1000)} s: ${r.runsCompleted}/${r.runs} runs, ${r.tasksCompleted}/${r.tasks} tasks, ` +
          `corrupted ${r.corrupted}, faults ${INJECTED_FAULT_KINDS.map((k) => `${k} ${r.faults[k]}`).join(', ')}, rss ${Math.round(r.peakRssMb)} MB`);
      },
    });
  } finally {
    dispose();
  }
  const r = report;
  const taskRate = r.tasksCompleted / r.tasks;
  const runRate = r.runsCompleted / r.runs;
  const recP50 = percentile(r.recoveries, 50);
  const recP95 = percentile(r.recoveries, 95);
  const recMax = percentile(r.recoveries, 100);
  const ok = (b: boolean): string => (b ? 'yes' : 'NO');
  printTable(
    `chaos: ${minutes} min, seed ${seed}, ${runs} runs at once, ${saverKind} saver, ${memoryMb} MB held (wall ${round(r.elapsedMs / 1000, 1)} s)`,
    ['measure', 'value', 'bar (seed)', 'met'],
    [
      ['runs completed', `${r.runsCompleted}/${r.runs} = ${pct(runRate)}`, '> 95 %', ok(runRate > 0.95)],
      ['tasks completed', `${r.tasksCompleted}/${r.tasks} = ${pct(taskRate)}`, '> 95 %', ok(taskRate > 0.95)],
      ['corrupted results', r.corrupted, '0', ok(r.corrupted === 0)],
      ['double effects', r.doubleEffects, '0', ok(r.doubleEffects === 0)],
      ['tasks with > 1 idempotency key', r.keyChanges, '0', ok(r.keyChanges === 0)],
      ['recovery p50 / p95 / max ms', `${Math.round(recP50)} / ${Math.round(recP95)} / ${Math.round(recMax)}`, 'max < 30000', ok(recMax < 30_000)],
      ['faults never recovered', r.unrecovered, '0', ok(r.unrecovered === 0)],
      ['network split, share of wall time', pct(r.exposure.splitMs / r.elapsedMs), '', ''],
      ['recovery actions taken', Object.entries(r.recoveryActions).map(([k, n]) => `${k} ${n}`).join(', '), '', ''],
      ['run wall p50 / p95 ms', `${Math.round(percentile(r.runMs, 50))} / ${Math.round(percentile(r.runMs, 95))}`, '', ''],
      ['peak rss / heap MB', `${Math.round(r.peakRssMb)} / ${Math.round(r.peakHeapMb)}`, '', ''],
    ],
  );
  // Each rate is drawn on what it applies to: attempts not on a crashed agent, sends while no split is in force.
  const drawnAttempts = r.exposure.attempts - r.faults['agent-down'];
  const exposureOf = {
    'agent-transient': drawnAttempts, 'agent-crash': drawnAttempts, 'agent-down': r.exposure.attempts,
    'tool-timeout': r.exposure.toolCalls, partition: r.exposure.sendsDrawn, 'partition-blocked': r.exposure.sends,
  };
  printTable(
    'faults seen (agent-down and partition-blocked are consequences: attempts that met a crashed agent, sends across a split in force)',
    ['fault', 'count', 'out of', 'share', 'rate asked'],
    (Object.keys(r.faults) as Array<keyof typeof r.faults>).map((k) => [k, r.faults[k], exposureOf[k], pct(r.faults[k] / Math.max(1, exposureOf[k])), RATE_ASKED[k]]),
  );
  if (r.runErrors.length > 0) console.log(`runs that did not complete (first 5):\n  ${r.runErrors.join('\n  ')}`);
  console.log(JSON.stringify({
    bench: 'chaos', minutes, seed, concurrentRuns: runs, saver: saverKind, memoryPressureMb: memoryMb, elapsedMs: Math.round(r.elapsedMs),
    runs: r.runs, runsCompleted: r.runsCompleted, tasks: r.tasks, tasksCompleted: r.tasksCompleted, corrupted: r.corrupted,
    doubleEffects: r.doubleEffects, keyChanges: r.keyChanges, faults: r.faults, exposure: r.exposure, recoveryActions: r.recoveryActions, unrecovered: r.unrecovered,
    recoveryMs: { n: r.recoveries.length, p50: round(recP50), p95: round(recP95), max: round(recMax) },
    runMs: { p50: round(percentile(r.runMs, 50)), p95: round(percentile(r.runMs, 95)) },
    peakRssMb: round(r.peakRssMb, 1), peakHeapMb: round(r.peakHeapMb, 1), runErrors: r.runErrors,
  }));
  process.exit(runRate > 0.95 && taskRate > 0.95 && r.corrupted === 0 && r.doubleEffects === 0 && recMax < 30_000 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

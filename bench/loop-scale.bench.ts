/**
 * How the loop's cost per task grows with the size of a run (issue "the loop at scale").
 *
 * The workload: N no-op tasks in a layered DAG, 100 wide, each task depending on 3 tasks of the layer
 * before; one agent with `maxConcurrency: 16`; MemorySaver; one invoke. Each N runs in a fresh child
 * process (so one size's garbage does not weigh on the next), with a GC'd baseline taken just before
 * the loop is built. Reported: wall time, time per task, the ratio of that to the smallest N's, and
 * heap growth: the peak during the run (sampled every 20 ms) and what is left after the run and a full GC
 * (the results still held, as a user holds them).
 * Targets: per-task cost at 10,000 tasks <= 1.3x that at 1,000, and < 100 MB heap growth at 10,000.
 *
 * Run with `node --expose-gc --import tsx bench/loop-scale.bench.ts [N ...]` (default 1000 4000 10000; 100000 takes about a minute).
 * Prints a table, then one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { MemorySaver } from '@langchain/langgraph';
import { createMasterAgentLoop } from '../src/loop/builder.js';
import { printTable, round } from './lib/loop-bench.js';

const WIDTH = 100;
const DEPENDENCIES = 3;

interface Sample { tasks: number; status: string; ms: number; heapMb: number; peakMb: number }

/** The layered DAG: layer k's task i depends on 3 distinct tasks of layer k - 1. */
function layeredTasks(n: number): Array<{ id: string; dependsOn: string[]; estimatedDurationMs: number }> {
  return Array.from({ length: n }, (_, i) => {
    const layer = Math.floor(i / WIDTH);
    const dependsOn = layer === 0 ? [] : Array.from({ length: DEPENDENCIES }, (_, k) => `t${(layer - 1) * WIDTH + ((i + k * 7) % WIDTH)}`);
    return { id: `t${i}`, dependsOn, estimatedDurationMs: 1 };
  });
}

async function measure(n: number): Promise<Sample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const loop = createMasterAgentLoop({
    agents: [{ id: 'worker', capabilities: ['noop'], maxConcurrency: 16, run: async () => 1 }],
    checkpointer: new MemorySaver(),
    learning: false,
    // The scheduler refuses requests over 50,000 tasks by default.
    scheduler: { limits: { maxTasks: Math.max(n, 50_000) } },
  });
  let peak = heapBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
  const started = performance.now();
  const out = await loop.invoke(
    { request: { tasks: layeredTasks(n), constraints: { maxConcurrentAgents: 16 } } },
    { configurable: { thread_id: `scale-${n}` } },
  );
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  return { tasks: n, status: out.status, ms, heapMb, peakMb: (peak - heapBefore) / 2 ** 20 };
}

async function main(): Promise<void> {
  const child = process.env['LOOP_SCALE_CHILD'];
  if (child) {
    console.log(JSON.stringify(await measure(Number(child))));
    return;
  }
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const samples: Sample[] = [];
  for (const n of sizes.length > 0 ? sizes : [1000, 4000, 10000]) {
    const out = execFileSync(process.execPath, [...process.execArgv, __filename], {
      env: { ...process.env, LOOP_SCALE_CHILD: String(n) },
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    samples.push(JSON.parse(out.trim().split('\n').at(-1)!) as Sample);
  }
  const base = samples[0]!.ms / samples[0]!.tasks;
  const rows = samples.map((s) => {
    const perTask = s.ms / s.tasks;
    return { tasks: s.tasks, status: s.status, wallMs: round(s.ms, 0), perTaskMs: round(perTask, 3), perTaskVsSmallest: round(perTask / base), heapGrowthMb: round(s.heapMb, 1), peakHeapGrowthMb: round(s.peakMb, 1) };
  });
  printTable(
    'Loop cost per task as the run grows (layered DAG 100 wide, 3 deps each, 1 agent x16, MemorySaver)',
    ['tasks', 'status', 'wall ms', 'ms/task', 'vs smallest', 'peak heap MB', 'heap MB after GC'],
    rows.map((r) => [r.tasks, r.status, r.wallMs, r.perTaskMs, r.perTaskVsSmallest, r.peakHeapGrowthMb, r.heapGrowthMb]),
  );
  console.log(JSON.stringify({ bench: 'loop-scale', gc: (globalThis as { gc?: unknown }).gc !== undefined, rows }));
}

void main();

/**
 * Many runs at once on one master loop: response time, memory and CPU against the seed's bars.
 *
 * Set-up: one loop with 10 agents of one capability (each up to 10 tasks at once), a MemorySaver, no
 * faults. A run is a DAG of 12 tasks (a root, 10 that depend on it, a join); each task waits 20-60 ms
 * (a stand-in for a model or HTTP call: I/O wait, no CPU), then computes a SHA-256 digest through a
 * primitive tool layer's gate (schema check, timeout, audit record) from its input and its
 * dependencies' results; the run's join result is checked against the same digest computed outside.
 * Levels: C runs in flight at once (C = 10, 50, 100), each of C callers starting its next `invoke` as
 * soon as its last one returns, for `--seconds` (15) per level, on a fresh loop and saver per level.
 * Measured per level: response time of each run (invoke to return: avg, p50, p95, max), runs/s and
 * tasks/s, peak RSS and heap (process.memoryUsage every 50 ms), CPU (process.cpuUsage over the wall
 * time: % of one core, and % of all the machine's cores), and the machine's 1-minute load average
 * before and after (other processes share the cores, so CPU % is this process's share only).
 * Bars (the seed's): average response < 5 s, memory < 512 MB for 10 concurrent agents (peak RSS of
 * the whole process at each level: 10 agents are busy at every level), CPU < 80 % under normal load.
 * "Normal load" here is the C = 10 level: the pool's 100 task slots hold every run's fan-out, so no
 * task waits for an agent; at C = 50 and 100 tasks queue for slots (overload), reported for their
 * response times and memory, not held to the CPU bar.
 * Run with `npx tsx bench/stress.bench.ts` (about a minute; `--seconds 15 --levels 10,50,100`).
 * On a machine shared with other work, CPU % and response times move with its load: compare the
 * load columns before reading a difference between two runs.
 * Prints a table, then one JSON line.
 */
import { createHash } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { z } from 'zod';
import { MemorySaver } from '@langchain/langgraph';
import { createMasterAgentLoop } from '../src/loop/builder.js';
import type { AgentRunContext } from '../src/loop/agents.js';
import { buildToolLayer } from '../src/tools/layer.js';
import { defineTool } from '../src/tools/tool.js';
import { percentile } from './lib/chaos-workload.js';
import { collect, countMaxListenerWarnings, printTable, round, sleep } from './lib/loop-bench.js';

const warnings = countMaxListenerWarnings();

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

const seconds = Number(arg('seconds', '15'));
const levels = arg('levels', '10,50,100').split(',').map(Number);
const AGENTS = 10;
const FAN = 10;
const MB = 2 ** 20;

const sha = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

interface StressTask { id: string; dependsOn: string[]; capability: string; input: { n: number; waitMs: number } }

function dag(run: number): StressTask[] {
  const wait = (i: number): number => 20 + ((run * 31 + i * 17) % 41);
  const root: StressTask = { id: 'root', dependsOn: [], capability: 'work', input: { n: run, waitMs: wait(0) } };
  const fan = Array.from({ length: FAN }, (_, i): StressTask => ({ id: `f${i}`, dependsOn: ['root'], capability: 'work', input: { n: run * 100 + i, waitMs: wait(i + 1) } }));
  const join: StressTask = { id: 'join', dependsOn: fan.map((t) => t.id), capability: 'work', input: { n: -run, waitMs: wait(FAN + 1) } };
  return [root, ...fan, join];
}

/** The join's result, computed without the loop. */
function expectedJoin(tasks: readonly StressTask[]): string {
  const out = new Map<string, string>();
  for (const t of tasks) out.set(t.id, sha([String(t.input.n), ...t.dependsOn.map((d) => out.get(d)!)].join('|')));
  return out.get('join')!;
}

function buildLoop() {
  const layer = buildToolLayer('primitive', [
    defineTool({
      name: 'stress.digest', capability: 'compute', description: 'Digests its parts.', mutating: false,
      input: z.object({ parts: z.array(z.string()) }),
      run: async (input) => sha(input.parts.join('|')),
    }),
  ], { rateLimit: false });
  const run = async (input: unknown, ctx: AgentRunContext): Promise<string> => {
    const { n, waitMs } = input as StressTask['input'];
    await sleep(waitMs);
    const deps = ctx.task.dependsOn.map((d) => ctx.dependencies[d] as string);
    const result = await layer.invoke('stress.digest', { parts: [String(n), ...deps] }, { caller: ctx.agentId, signal: ctx.signal });
    if (!result.ok) throw new Error(result.error.message);
    return result.data as string;
  };
  const agents = Array.from({ length: AGENTS }, (_, i) => ({ id: `agent-${i}`, capabilities: ['work'], maxConcurrency: 10, run }));
  return createMasterAgentLoop({ agents, checkpointer: new MemorySaver(), learning: false });
}

interface Row {
  concurrent: number; runs: number; failed: number; avgMs: number; p50Ms: number; p95Ms: number; maxMs: number;
  runsPerS: number; tasksPerS: number; peakRssMb: number; peakHeapMb: number; cpuOneCorePct: number; cpuAllCoresPct: number;
  loadBefore: number; loadAfter: number;
}

async function level(concurrent: number): Promise<Row> {
  collect();
  const loop = buildLoop();
  // Warm-up: compile paths and JIT before the clock starts.
  for (let i = 0; i < 3; i++) await loop.invoke({ request: { tasks: dag(-1 - i) } }, { configurable: { thread_id: `warm-${concurrent}-${i}` } });
  const loadBefore = loadavg()[0]!;
  let peakRss = 0;
  let peakHeap = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const sampler = setInterval(sample, 50);
  const times: number[] = [];
  let failed = 0;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrent }, async () => {
    while (performance.now() - t0 < seconds * 1000) {
      const r = next++;
      const tasks = dag(r);
      const at = performance.now();
      const out = await loop.invoke({ request: { tasks } }, { configurable: { thread_id: `stress-${concurrent}-${r}` } });
      times.push(performance.now() - at);
      if (out.status !== 'completed' || out.results['join'] !== expectedJoin(tasks)) failed++;
    }
  }));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  sample();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    concurrent, runs: times.length, failed,
    avgMs: round(times.reduce((a, b) => a + b, 0) / times.length, 1), p50Ms: round(percentile(times, 50), 1),
    p95Ms: round(percentile(times, 95), 1), maxMs: round(Math.max(...times), 1),
    runsPerS: round(times.length / (wallMs / 1000), 1), tasksPerS: round((times.length * (FAN + 2)) / (wallMs / 1000), 1),
    peakRssMb: round(peakRss / MB, 1), peakHeapMb: round(peakHeap / MB, 1),
    cpuOneCorePct: round((100 * cpuMs) / wallMs, 1), cpuAllCoresPct: round((100 * cpuMs) / wallMs / availableParallelism(), 1),
    loadBefore: round(loadBefore), loadAfter: round(loadavg()[0]!),
  };
}

async function main(): Promise<void> {
  if (!(seconds > 0) || levels.some((c) => !(Number.isInteger(c) && c >= 1))) {
    throw new Error('usage: npx tsx bench/stress.bench.ts [--seconds 15] [--levels 10,50,100]');
  }
  const rows: Row[] = [];
  for (const c of levels) rows.push(await level(c));
  const cores = availableParallelism();
  printTable(
    `stress: ${AGENTS} agents, runs of ${FAN + 2} tasks (20-60 ms wait + a gated tool call each), ${seconds} s per level, ${cores} cores`,
    ['runs at once', 'runs', 'failed', 'avg ms', 'p50 ms', 'p95 ms', 'max ms', 'runs/s', 'tasks/s', 'peak rss MB', 'peak heap MB', 'cpu % 1 core', `cpu % ${cores} cores`, 'load 1m before/after'],
    rows.map((r) => [r.concurrent, r.runs, r.failed, r.avgMs, r.p50Ms, r.p95Ms, r.maxMs, r.runsPerS, r.tasksPerS, r.peakRssMb, r.peakHeapMb, r.cpuOneCorePct, r.cpuAllCoresPct, `${r.loadBefore} / ${r.loadAfter}`]),
  );
  const normal = rows[0]!;
  const ok = (b: boolean): string => (b ? 'yes' : 'NO');
  printTable('against the seed\'s bars', ['bar', 'measured', 'met'], [
    ['average response < 5 s, every level', `${Math.max(...rows.map((r) => r.avgMs))} ms (worst level)`, ok(rows.every((r) => r.avgMs < 5_000))],
    ['memory < 512 MB, 10 agents, every level', `${Math.max(...rows.map((r) => r.peakRssMb))} MB peak rss (worst level)`, ok(rows.every((r) => r.peakRssMb < 512))],
    [`cpu < 80 % at normal load (${normal.concurrent} runs at once)`, `${normal.cpuOneCorePct} % of one core, ${normal.cpuAllCoresPct} % of ${cores}`, ok(normal.cpuOneCorePct < 80)],
  ]);
  console.log(`MaxListenersExceededWarning seen: ${warnings()}`);
  console.log(JSON.stringify({ bench: 'stress', agents: AGENTS, tasksPerRun: FAN + 2, seconds, cores, rows, maxListenerWarnings: warnings() }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

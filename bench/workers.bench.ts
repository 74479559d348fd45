/**
 * Worker processes on BullMQ (langgraph-no/workers) against the same loop with its agents in process.
 *
 * The same layered DAG (each task depends on every task of the layer before) runs:
 * - in process (no distribution), the baseline;
 * - with 1, 2 and 4 worker processes (`langgraph-no worker`, the real CLI), the coordinator in this
 *   process with `jobQueue`.
 * Two kinds of task: CPU-bound (`cpu`: ~25 ms of hashing; each worker runs 1 at a time, as a Node
 * process can only use one core for it) and I/O-bound (`io`: a 50 ms timer; each worker runs up to 32).
 * Reported per run: wall time, tasks/s, the ratio to in process, enqueue-to-start latency (BullMQ's
 * job timestamp to processedOn, p50/p95, same machine clock) and Redis commands per task (INFO
 * commandstats before and after; includes the workers' idle polling, lock renewals and stall checks
 * during the run) and Redis's main-thread CPU per task (INFO cpu), the figure that says how many
 * tasks per second one Redis can carry. On this machine the CPU is 2 cores, shared: more than 2 CPU-bound workers cannot
 * go faster here. Run with `node --import tsx bench/workers.bench.ts` (Redis at NO_REDIS_URL or
 * redis://127.0.0.1:6379). Prints tables, then one JSON line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { MemorySaver } from '@langchain/langgraph';
import type { Redis } from 'ioredis';
import { jobQueue, queueNameOf } from '../src/distribution/index.js';
import { createMasterAgentLoop } from '../src/loop/builder.js';
import { median, printTable, round } from './lib/loop-bench.js';
import { agents, roundsPerMs } from './lib/worker-agents.js';

const REDIS_URL = process.env['NO_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const ROOT = join(__dirname, '..');
const AGENTS = join(__dirname, 'lib', 'worker-agents.ts');
const REPEATS = 2;

interface Kind {
  name: 'cpu' | 'io';
  layers: number;
  width: number;
  ms: number;
  workerConcurrency: number;
}
const KINDS: Kind[] = [
  { name: 'cpu', layers: 4, width: 16, ms: 25, workerConcurrency: 1 },
  { name: 'io', layers: 6, width: 32, ms: 50, workerConcurrency: 32 },
];

/** CPU work is a fixed number of hash rounds, measured here once, so every process does the same work. */
let cpuRounds = 0;

function tasksOf(kind: Kind) {
  const input = kind.name === 'cpu' ? { rounds: cpuRounds } : { ms: kind.ms };
  const tasks = [];
  for (let l = 0; l < kind.layers; l++) {
    for (let w = 0; w < kind.width; w++) {
      tasks.push({ id: `l${l}w${w}`, capability: kind.name, input, dependsOn: l === 0 ? [] : Array.from({ length: kind.width }, (_, i) => `l${l - 1}w${i}`) });
    }
  }
  return tasks;
}

async function startWorker(kind: Kind, prefix: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'worker', '--agents', AGENTS, '--only', kind.name,
    '--redis', REDIS_URL, '--prefix', prefix, '--concurrency', String(kind.workerConcurrency)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('worker: running')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
  });
  return child;
}

/**
 * Commands Redis ran (those inside BullMQ's Lua scripts included), script calls (EVALSHA/EVAL) among
 * them, and Redis's own CPU time (main thread, user + system, ms).
 */
async function commandCalls(redis: Redis): Promise<{ all: number; scripts: number; cpuMs: number }> {
  const info = await redis.info('commandstats');
  let all = 0;
  let scripts = 0;
  for (const m of info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) {
    all += Number(m[2]);
    if (m[1] === 'evalsha' || m[1] === 'eval') scripts += Number(m[2]);
  }
  const cpu = await redis.info('cpu');
  const seconds = (name: string): number => Number(cpu.match(new RegExp(`${name}:([\\d.]+)`))?.[1] ?? 0);
  return { all, scripts, cpuMs: 1000 * (seconds('used_cpu_user_main_thread') + seconds('used_cpu_sys_main_thread')) };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

interface Row {
  kind: string;
  workers: number | 'in-process';
  tasks: number;
  wallMs: number;
  tasksPerSec: number;
  ratio: number;
  startP50Ms?: number;
  startP95Ms?: number;
  redisCommandsPerTask?: number;
  redisScriptsPerTask?: number;
  redisCpuUsPerTask?: number;
}

async function runOnce(kind: Kind, distribution: ReturnType<typeof jobQueue> | undefined, thread: string): Promise<number> {
  const loop = createMasterAgentLoop({ agents, checkpointer: new MemorySaver(), ...(distribution ? { distribution } : {}), retries: 0 });
  const started = performance.now();
  const out = await loop.invoke({ request: { tasks: tasksOf(kind) } }, { configurable: { thread_id: thread } });
  const wall = performance.now() - started;
  if (out.status !== 'completed') throw new Error(`run ${thread} ended ${out.status}: ${JSON.stringify(out.errors.slice(0, 3))}`);
  return wall;
}

async function main(): Promise<void> {
  const { default: IORedis } = (await import('ioredis')) as unknown as { default: new (url: string) => Redis };
  const { Queue } = await import('bullmq');
  const redis = new IORedis(REDIS_URL);
  cpuRounds = Math.round(roundsPerMs() * KINDS[0]!.ms);
  const rows: Row[] = [];
  let runs = 0;
  for (const kind of KINDS) {
    const n = kind.layers * kind.width;
    // Warm the in-process path once (module loading, JIT), then measure.
    await runOnce(kind, undefined, `warm-${kind.name}`);
    const inWalls: number[] = [];
    for (let r = 0; r < REPEATS; r++) inWalls.push(await runOnce(kind, undefined, `in-${kind.name}-${r}`));
    const inProcess = median(inWalls);
    rows.push({ kind: kind.name, workers: 'in-process', tasks: n, wallMs: round(inProcess, 0), tasksPerSec: round(n / (inProcess / 1000), 0), ratio: 1 });
    for (const count of [1, 2, 4]) {
      const prefix = `no-bench-${kind.name}-${count}-${process.pid}`;
      const workers = await Promise.all(Array.from({ length: count }, () => startWorker(kind, prefix)));
      const distribution = jobQueue({ connection: REDIS_URL, prefix });
      await distribution.ready();
      try {
        await runOnce(kind, distribution, `warm-${prefix}`);
        const walls: number[] = [];
        let calls = 0;
        let scripts = 0;
        let cpuMs = 0;
        for (let r = 0; r < REPEATS; r++) {
          const before = await commandCalls(redis);
          walls.push(await runOnce(kind, distribution, `${prefix}-${r}-${runs++}`));
          const after = await commandCalls(redis);
          // The INFO call itself counts once.
          calls += after.all - before.all - 1;
          scripts += after.scripts - before.scripts;
          cpuMs += after.cpuMs - before.cpuMs;
        }
        const queue = new Queue(queueNameOf(kind.name), { connection: redis, prefix });
        const jobs = await queue.getJobs(['completed'], 0, -1);
        const latencies = jobs.filter((j) => j.processedOn !== undefined).map((j) => j.processedOn! - j.timestamp);
        await queue.close();
        const wall = median(walls);
        rows.push({
          kind: kind.name, workers: count, tasks: n, wallMs: round(wall, 0), tasksPerSec: round(n / (wall / 1000), 0), ratio: round(inProcess / wall, 2),
          startP50Ms: pct(latencies, 50), startP95Ms: pct(latencies, 95), redisCommandsPerTask: round(calls / (REPEATS * n), 1), redisScriptsPerTask: round(scripts / (REPEATS * n), 1),
          redisCpuUsPerTask: round((1000 * cpuMs) / (REPEATS * n), 0),
        });
      } finally {
        await distribution.close();
        for (const w of workers) w.kill('SIGTERM');
        await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.on('exit', r)))));
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      }
    }
  }
  await redis.quit();
  printTable('Worker processes vs in process (same DAG; ratio = in-process wall / this wall, > 1 is faster)',
    ['kind', 'workers', 'tasks', 'wall ms', 'tasks/s', 'ratio', 'start p50 ms', 'start p95 ms', 'redis cmds/task', 'scripts/task', 'redis cpu µs/task'],
    rows.map((r) => [r.kind, String(r.workers), r.tasks, r.wallMs, r.tasksPerSec, r.ratio, r.startP50Ms ?? '-', r.startP95Ms ?? '-', r.redisCommandsPerTask ?? '-', r.redisScriptsPerTask ?? '-', r.redisCpuUsPerTask ?? '-']));
  console.log(JSON.stringify({ bench: 'workers', rows }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

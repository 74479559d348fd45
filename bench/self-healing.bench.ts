/**
 * Self-healing on a real master loop: what it costs on a clean run, and what it changes when an agent
 * degrades mid-run.
 *
 * Set-up: 720 independent tasks (capability `work`, 2 retries each) on three agents w1, w2, w3, two
 * slots each, every one with a factory. A healthy call sleeps 15-25 ms (seeded). After 60 calls in all,
 * w1's instance goes bad (a rebuilt w1 is healthy again):
 *   (a) clean   no fault: self-healing on vs off, throughput ratio and the actions taken (must be 0);
 *   (b) errors  w1 fails every call after 5 ms ("model endpoint returns 500", an agent fault);
 *   (c) slow    w1 answers correctly but in 200-250 ms (10x);
 *   (d) hang    w1 never answers (it respects its signal); no task has a timeout of its own.
 * Each faulty scenario runs without and with self-healing. The loop: MemorySaver, `attemptTimeoutMs`
 * 10 s (the default is 60 s) and the default breaker (opens after 5 failures, 30 s recovery). The
 * healer: `intervalMs` 100, `escalateAfterMs` 500, stall after 5 rounds (0.5 s), the other detectors
 * (latency, error rate, output size, stuck attempts) at their defaults. Reported per run: wall time, throughput, tasks done, attempt failures the run saw
 * (`orchestration.task.failed`), the run's status, the actions taken, and from the first faulty call:
 * time to detection, to the first applied action, to the first task a healthy instance completed after
 * that action, and to the moment the last task that had an attempt on the faulty instance completed
 * ("affected done"). Clean runs alternate on/off, 3 each, median reported.
 * Run with `npx tsx bench/self-healing.bench.ts` (about a minute). Prints tables, then one JSON line.
 */
import type { Correction } from '../src/contracts/anomaly.js';
import type { AgentDefinition, AgentFunction } from '../src/loop/agents.js';
import { createMasterAgentLoop } from '../src/loop/builder.js';
import { createSelfHealing } from '../src/loop/self-healing.js';
import { createRandom } from '../src/scheduler/random.js';
import { median, printTable, round } from './lib/loop-bench.js';

const TASKS = 720;
const FAULT_AFTER_CALLS = 60;
const ATTEMPT_TIMEOUT_MS = 10_000;
const CLEAN_REPEATS = 3;
const HEALING = { intervalMs: 100, escalateAfterMs: 500, detectors: { stall: { rounds: 5 } } } as const;

type Fault = 'none' | 'errors' | 'slow' | 'hang';

interface Probe {
  faultAt?: number;
  /** End times of calls a healthy instance completed. */
  healthy: number[];
  /** Tasks that had an attempt on the faulty instance. */
  affected: Set<string>;
  /** When each task completed (loop events). */
  completedAt: Map<string, number>;
}

const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

function agents(fault: Fault, probe: Probe, seed: number): AgentDefinition[] {
  const rnd = createRandom(seed);
  let calls = 0;
  const build = (id: string, generation: number): AgentFunction => async (_input, ctx) => {
    calls++;
    const faulty = fault !== 'none' && id === 'w1' && generation === 1 && (probe.faultAt !== undefined || calls > FAULT_AFTER_CALLS);
    if (faulty) {
      probe.faultAt ??= Date.now();
      probe.affected.add(ctx.task.id);
      if (fault === 'errors') {
        await pause(5, ctx.signal);
        throw new Error('model endpoint returns 500');
      }
      if (fault === 'hang') await pause(2 ** 31 - 1, ctx.signal);
      await pause(200 + rnd() * 50, ctx.signal);
      return { task: ctx.task.id, by: id };
    }
    await pause(15 + rnd() * 10, ctx.signal);
    probe.healthy.push(Date.now());
    return { task: ctx.task.id, by: id };
  };
  return ['w1', 'w2', 'w3'].map((id) => {
    let generation = 0;
    const factory = (): AgentFunction => build(id, ++generation);
    return { id, capabilities: ['work'], maxConcurrency: 2, run: factory(), factory };
  });
}

interface Result {
  scenario: string;
  healing: boolean;
  status: string;
  wallMs: number;
  tasksPerSec: number;
  done: number;
  failures: number;
  actions: string[];
  detectMs?: number;
  actionMs?: number;
  firstHealthyMs?: number;
  affectedDoneMs?: number;
}

let runs = 0;

async function runOnce(scenario: string, fault: Fault, healing: boolean, seed: number): Promise<Result> {
  const probe: Probe = { healthy: [], affected: new Set(), completedAt: new Map() };
  const loop = createMasterAgentLoop({ agents: agents(fault, probe, seed), attemptTimeoutMs: ATTEMPT_TIMEOUT_MS, backoff: { initialDelayMs: 5, maxDelayMs: 50 } });
  let failures = 0;
  loop.onEvent((e) => {
    if (e.type === 'orchestration.task.failed') failures++;
    if (e.type === 'orchestration.task.completed') probe.completedAt.set((e.data as { taskId: string }).taskId, Date.now());
  });
  const healer = healing ? createSelfHealing({ loop, ...HEALING }) : undefined;
  let detectedAt: number | undefined;
  const corrections: Correction[] = [];
  healer?.onAnomaly(({ state, anomaly }) => {
    if (state === 'detected') detectedAt ??= anomaly.at;
  });
  healer?.onCorrection((c) => corrections.push(c));
  const tasks = Array.from({ length: TASKS }, (_, i) => ({ id: `t${i}`, capability: 'work', retries: 2 }));
  const started = Date.now();
  try {
    const out = await loop.invoke({ request: { tasks } }, { configurable: { thread_id: `heal-${++runs}` } });
    const wallMs = Date.now() - started;
    const done = Object.values(out.tasks).filter((t) => t.status === 'completed').length;
    const applied = corrections.filter((c) => c.outcome === 'applied');
    const actionAt = applied[0]?.at;
    const since = (at: number | undefined): number | undefined => (at === undefined || probe.faultAt === undefined ? undefined : at - probe.faultAt);
    const affectedEnds = [...probe.affected].map((id) => probe.completedAt.get(id));
    const affectedDone = affectedEnds.length > 0 && affectedEnds.every((t) => t !== undefined) ? Math.max(...(affectedEnds as number[])) : undefined;
    return {
      scenario, healing, status: out.status, wallMs, tasksPerSec: round((done / wallMs) * 1000, 1), done, failures,
      actions: corrections.map((c) => `${c.kind}:${c.action}:${c.outcome}`),
      detectMs: since(detectedAt), actionMs: since(actionAt),
      firstHealthyMs: since(actionAt === undefined ? undefined : probe.healthy.find((t) => t >= actionAt)),
      affectedDoneMs: since(affectedDone),
    };
  } finally {
    healer?.close();
    await loop.close();
  }
}

const ms = (x: number | undefined): string => (x === undefined ? '-' : String(Math.round(x)));

async function main(): Promise<void> {
  // A warm-up run, so the first timed run pays no JIT or module loading.
  await runOnce('warm-up', 'none', false, 1);

  const clean: Result[] = [];
  for (let i = 0; i < CLEAN_REPEATS; i++) {
    clean.push(await runOnce('clean', 'none', false, 10 + i));
    clean.push(await runOnce('clean', 'none', true, 10 + i));
  }
  const off = clean.filter((r) => !r.healing);
  const on = clean.filter((r) => r.healing);
  const throughputRatio = median(on.map((r) => r.tasksPerSec)) / median(off.map((r) => r.tasksPerSec));
  const falseActions = on.reduce((n, r) => n + r.actions.length, 0);
  printTable(
    `(a) Clean workload, ${TASKS} tasks on 3 agents x 2 slots, ${CLEAN_REPEATS} runs each (median)`,
    ['self-healing', 'wall ms', 'tasks/s', 'done', 'failures', 'actions (all runs)'],
    [
      ['off', median(off.map((r) => r.wallMs)), median(off.map((r) => r.tasksPerSec)), median(off.map((r) => r.done)), off.reduce((n, r) => n + r.failures, 0), 0],
      ['on', median(on.map((r) => r.wallMs)), median(on.map((r) => r.tasksPerSec)), median(on.map((r) => r.done)), on.reduce((n, r) => n + r.failures, 0), falseActions],
    ],
  );
  console.log(`throughput on/off: ${round(throughputRatio, 3)}; false actions: ${falseActions}`);

  const faulty: Result[] = [];
  for (const [scenario, fault] of [['(b) errors', 'errors'], ['(c) slow', 'slow'], ['(d) hang', 'hang']] as const) {
    faulty.push(await runOnce(scenario, fault, false, 20));
    faulty.push(await runOnce(scenario, fault, true, 20));
  }
  printTable(
    `w1 turns bad after ${FAULT_AFTER_CALLS} calls; times from its first bad call (ms)`,
    ['scenario', 'healing', 'status', 'wall ms', 'tasks/s', 'done', 'failures', 'detect', 'action', 'first healthy', 'affected done', 'actions'],
    faulty.map((r) => [r.scenario, r.healing ? 'on' : 'off', r.status, r.wallMs, r.tasksPerSec, r.done, r.failures,
      ms(r.detectMs), ms(r.actionMs), ms(r.firstHealthyMs), ms(r.affectedDoneMs), r.actions.join(' ') || '-']),
  );
  console.log(JSON.stringify({ bench: 'self-healing', tasks: TASKS, healing: HEALING, clean: { throughputRatio: round(throughputRatio, 3), falseActions, runs: clean }, faulty }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

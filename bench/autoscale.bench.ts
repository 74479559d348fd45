/**
 * An autoscaled pool with its defaults against fixed pools on a variable workload.
 *
 * Bar: utilization of the agents held ≥ 0.8 with p95 task wait ≤ 500 ms (one allocation interval).
 *
 * Set-up: 20 minutes of virtual time, two capabilities. `chat`: bursts of 30 tasks/s for 30 s, then
 * lulls of 3 tasks/s for 60 s; durations mixed, 70 % 100-300 ms and 30 % 0.8-1.6 s. `report`: a
 * steady 0.5 task/s with a burst of 3 tasks/s for 20 s every 2 minutes; durations 2-6 s. Arrivals are
 * Poisson, seeded; each row is the median over three seeds. Rates run at x1 and x5.
 * Autoscaled: a real `AgentPool` (one slot per agent) driven by `createAutoscaler` with nothing but
 * `pool`, `now` and `capabilities` ({ min: 1, max: 40 and 20 per rate unit, factory }), asked every
 * 500 ms with the backlog, the arrivals and the durations since the last call; each ready task goes
 * to any free agent of its capability, oldest task first, as the loop's dispatcher does. A row with
 * the previous defaults (10 s forecast and scale-down window, 1 s scale-up cool-down, target 0.85,
 * 2 s drain) shows what changed.
 * Fixed: the same dispatch over a fixed count of agents per capability. "Best fixed" is the smallest
 * count per capability whose own p95 wait meets the bound (so the pool's p95 does too), found by
 * bisection; "fixed at mean" holds the autoscaler's mean count per capability (the same agent-seconds).
 * Reported: utilization (busy agent-seconds / held agent-seconds), p50, p95 and max wait (arrival to
 * start), agent-seconds held, mean and peak agents, scale actions per minute.
 * Run with `npx tsx bench/autoscale.bench.ts`. Prints a table per rate, then one JSON line.
 */
import type { ScalingPolicyOptions } from '../src/coordination/autoscale-policy.js';
import { createAgentPool } from '../src/loop/agent-pool.js';
import { createAutoscaler, type Workload } from '../src/loop/autoscaler.js';
import { createRandom } from '../src/scheduler/random.js';
import { printTable } from './lib/loop-bench.js';

const HORIZON_MS = 20 * 60_000;
const STEP_MS = 5;
const ALLOCATE_EVERY_MS = 500;
const P95_BOUND_MS = 500;
const BAR = 0.8;
const SEEDS = [7, 11, 23];
const SCALES = [1, 5];
const CAPS = ['chat', 'report'] as const;
type Cap = (typeof CAPS)[number];

const PREVIOUS: ScalingPolicyOptions = {
  forecastWindowMs: 10_000, scaleDownCooldownMs: 10_000, scaleUpCooldownMs: 1_000, targetUtilization: 0.85, drainWindowMs: 2_000,
};

interface Job { capability: Cap; arrival: number; duration: number }

function workload(seed: number, scale: number): Job[] {
  const rnd = createRandom(seed);
  const jobs: Job[] = [];
  const poisson = (capability: Cap, rate: (t: number) => number, duration: () => number): void => {
    // Thinning with the highest rate: exact for a piecewise-constant rate.
    const peak = 30 * scale;
    for (let t = 0; t < HORIZON_MS; ) {
      t += (-Math.log(1 - rnd()) / peak) * 1000;
      if (t < HORIZON_MS && rnd() < rate(t) / peak) jobs.push({ capability, arrival: t, duration: duration() });
    }
  };
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rnd();
  poisson('chat', (t) => scale * (t % 90_000 < 30_000 ? 30 : 3), () => (rnd() < 0.7 ? between(100, 300) : between(800, 1_600)));
  poisson('report', (t) => scale * (t % 120_000 < 20_000 ? 3 : 0.5), () => between(2_000, 6_000));
  return jobs.sort((a, b) => a.arrival - b.arrival);
}

/** Where tasks run: a capability's free agents, and a tick after each dispatch round. */
interface Agents {
  held(capability: Cap): number;
  begin(capability: Cap): string | undefined;
  end(agentId: string): void;
  tick?(t: number, w: Workload): Promise<void>;
}

interface Result {
  pool: string; utilization: number; p50: number; p95: number; max: number; agentSeconds: number; meanAgents: number; peak: number;
  actionsPerMin: number; mean: Record<Cap, number>; p95By: Record<Cap, number>;
}

const quantile = (sorted: readonly number[], q: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);

async function simulate(name: string, jobs: readonly Job[], agents: Agents, actions: () => number = () => 0): Promise<Result> {
  const queues: Record<Cap, Job[]> = { chat: [], report: [] };
  const heads: Record<Cap, number> = { chat: 0, report: 0 };
  const running: Array<{ agentId: string; end: number; job: Job }> = [];
  const arrivals: Record<Cap, number> = { chat: 0, report: 0 };
  const durations: Record<Cap, number[]> = { chat: [], report: [] };
  const waits: number[] = [];
  const waitsBy: Record<Cap, number[]> = { chat: [], report: [] };
  const heldBy: Record<Cap, number> = { chat: 0, report: 0 };
  let next = 0;
  let held = 0;
  let busy = 0;
  let peak = 0;
  let t = 0;
  const waiting = (c: Cap): number => queues[c].length - heads[c];
  for (; t < HORIZON_MS || running.length > 0 || CAPS.some((c) => waiting(c) > 0); t += STEP_MS) {
    for (let i = running.length - 1; i >= 0; i--) {
      const r = running[i]!;
      if (r.end > t) continue;
      running[i] = running[running.length - 1]!;
      running.pop();
      agents.end(r.agentId);
      durations[r.job.capability].push(r.job.duration);
    }
    while (next < jobs.length && jobs[next]!.arrival <= t) {
      const job = jobs[next++]!;
      queues[job.capability].push(job);
      arrivals[job.capability]++;
    }
    for (const c of CAPS) {
      while (waiting(c) > 0) {
        const agentId = agents.begin(c);
        if (agentId === undefined) break;
        const job = queues[c][heads[c]++]!;
        waits.push(t - job.arrival);
        waitsBy[c].push(t - job.arrival);
        running.push({ agentId, end: t + job.duration, job });
      }
    }
    // Asked after dispatch, as the loop's backlog counts only tasks no free agent could take.
    if (agents.tick && t % ALLOCATE_EVERY_MS === 0) {
      const w: Workload = {};
      for (const c of CAPS) w[c] = { backlog: waiting(c), arrivals: arrivals[c], durationsMs: durations[c] };
      for (const c of CAPS) (arrivals[c] = 0), (durations[c] = []);
      await agents.tick(t, w);
    }
    let now = 0;
    for (const c of CAPS) (now += agents.held(c)), (heldBy[c] += agents.held(c) * STEP_MS);
    peak = Math.max(peak, now);
    held += now * STEP_MS;
    busy += running.length * STEP_MS;
  }
  waits.sort((a, b) => a - b);
  for (const c of CAPS) waitsBy[c].sort((a, b) => a - b);
  return {
    pool: name, utilization: busy / held, p50: quantile(waits, 0.5), p95: quantile(waits, 0.95), max: waits[waits.length - 1]!,
    agentSeconds: held / 1000, meanAgents: held / t, peak, actionsPerMin: actions() / (t / 60_000),
    mean: { chat: heldBy.chat / t, report: heldBy.report / t }, p95By: { chat: quantile(waitsBy.chat, 0.95), report: quantile(waitsBy.report, 0.95) },
  };
}

/** A fixed count of one-slot agents per capability. */
function fixedAgents(size: Record<Cap, number>): Agents {
  const free: Record<Cap, number> = { ...size };
  return {
    held: (c) => size[c],
    begin: (c) => (free[c] > 0 ? (free[c]--, c) : undefined),
    end: (id) => void free[id as Cap]++,
  };
}

function autoscaled(scale: number, policy: ScalingPolicyOptions): { agents: Agents; actions: () => number } {
  let t = 0;
  let actions = 0;
  const pool = createAgentPool({ now: () => t });
  const scaler = createAutoscaler({
    pool, now: () => t, ...policy,
    capabilities: { chat: { min: 1, max: 40 * scale, factory: () => async () => 'ok' }, report: { min: 1, max: 20 * scale, factory: () => async () => 'ok' } },
  });
  scaler.onScale(() => actions++);
  return {
    actions: () => actions,
    agents: {
      held: (c) => pool.capable(c).length,
      begin: (c) => {
        const id = pool.capable(c).find((a) => pool.available(a));
        if (id !== undefined) pool.begin(id);
        return id;
      },
      end: (id) => pool.end(id),
      async tick(now, w) {
        t = now;
        await scaler.optimizeAllocation(w);
      },
    },
  };
}

/** Smallest count of agents for which the capability's own p95 wait meets the bound. */
async function smallestMeetingBound(jobs: readonly Job[], c: Cap, hi: number): Promise<number> {
  const only = jobs.filter((j) => j.capability === c);
  const meets = async (n: number): Promise<boolean> =>
    (await simulate('', only, fixedAgents({ chat: c === 'chat' ? n : 0, report: c === 'report' ? n : 0 }))).p95By[c] <= P95_BOUND_MS;
  let lo = 1;
  while (!(await meets(hi))) hi *= 2;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await meets(mid)) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

async function runSeed(scale: number, seed: number): Promise<Result[]> {
  const jobs = workload(seed, scale);
  const mine = autoscaled(scale, {});
  const defaults = await simulate('autoscaled, defaults', jobs, mine.agents, mine.actions);
  const before = autoscaled(scale, PREVIOUS);
  const previous = await simulate('autoscaled, previous defaults', jobs, before.agents, before.actions);
  const best = { chat: await smallestMeetingBound(jobs, 'chat', 40 * scale), report: await smallestMeetingBound(jobs, 'report', 20 * scale) };
  const mean = { chat: Math.round(defaults.mean.chat), report: Math.round(defaults.mean.report) };
  return [
    defaults, previous,
    await simulate(`best fixed meeting the p95 bound (${best.chat} + ${best.report})`, jobs, fixedAgents(best)),
    await simulate(`fixed at the autoscaler's mean (${mean.chat} + ${mean.report})`, jobs, fixedAgents(mean)),
  ];
}

const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const all: Record<string, Result[][]> = {};
  for (const scale of SCALES) {
    const perSeed: Result[][] = [];
    for (const seed of SEEDS) perSeed.push(await runSeed(scale, seed));
    all[`x${scale}`] = perSeed;
    const rows = perSeed[0]!.map((first, i) => {
      const m = (f: (r: Result) => number): number => median(perSeed.map((rs) => f(rs[i]!)));
      // Fixed sizes may differ by seed: the label lists each seed's.
      const label = first.pool.replace(/\(.*\)/, `(sizes by seed: ${perSeed.map((rs) => rs[i]!.pool.match(/\((.*)\)/)?.[1] ?? '').join(', ')})`);
      const util = m((r) => r.utilization);
      const p95 = m((r) => r.p95);
      return [
        first.pool.includes('(') ? label : first.pool, util.toFixed(3), m((r) => r.p50).toFixed(0), p95.toFixed(0), m((r) => r.max).toFixed(0),
        m((r) => r.agentSeconds).toFixed(0), m((r) => r.meanAgents).toFixed(1), m((r) => r.peak), m((r) => r.actionsPerMin).toFixed(0),
        util >= BAR && p95 <= P95_BOUND_MS ? 'yes' : 'no',
      ];
    });
    printTable(
      `Rates x${scale}: medians over seeds ${SEEDS.join(', ')}; ${HORIZON_MS / 60_000} min of bursts and lulls, mixed durations. Bar: utilization ≥ ${BAR} with p95 wait ≤ ${P95_BOUND_MS} ms`,
      ['pool', 'utilization', 'p50 wait ms', 'p95 wait ms', 'max wait ms', 'agent-s held', 'mean agents', 'peak agents', 'scale actions/min', 'meets bar'],
      rows,
    );
  }
  console.log(JSON.stringify({ bench: 'autoscale', horizonMs: HORIZON_MS, p95BoundMs: P95_BOUND_MS, utilizationBar: BAR, seeds: SEEDS, results: all }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

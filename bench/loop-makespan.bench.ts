/**
 * Real wall-clock makespan of DAGs with mixed task durations, under a concurrency limit of 4.
 *
 * Compared, on the same seeded random DAGs (3-4 layers, 30-60 tasks, each task a real sleep of 5-80 ms):
 *   loop    createMasterAgentLoop with 4 agents of maxConcurrency 1, strategy 'parallel': a task starts
 *           the moment its dependencies are done and an agent is free (event-driven dispatch).
 *   waves   plain LangGraph the usual way: a `next` node fans each DAG level out with Send (one
 *           superstep per level), so a level starts only when the slowest task of the level before has
 *           ended. The same limit of 4 is a FIFO semaphore inside the `work` node; each level's tasks
 *           are sent longest first (LPT), the best simple order for a level, to give waves its best shot.
 *   bound   max(critical path, total work / 4): no schedule can beat it (it may be unreachable).
 *   plan    the loop scheduler's own predicted makespan for the same DAG (what a perfect dispatcher
 *           would realise), to tell schedule quality apart from dispatch overhead.
 * Measured the same way on both sides: the span from the first task body's start to the last task
 * body's end (performance.now() inside the agent / work function), so graph start-up (planning,
 * compile-free invoke set-up, final checkpoint) is not counted; the end-to-end invoke time is shown
 * too. Timers overshoot (setTimeout sleeps >= the asked ms), so a second bound built from the
 * measured sleep lengths ("real bound") shows how much of the gap is the timer and how much dispatch.
 * Both sides use MemorySaver, a fresh thread per run, warm-up first, median of 3 runs per DAG.
 * Project goal: loop <= 1.05 x bound. Run with `npx tsx bench/loop-makespan.bench.ts` (~40 s).
 * Prints a table, then one JSON line.
 */
import { Annotation, END, MemorySaver, Send, START, StateGraph } from '@langchain/langgraph';
import { createMasterAgentLoop } from '../src/loop/builder.js';
import { createRandom, type Random } from '../src/scheduler/random.js';
import { countMaxListenerWarnings, median, printTable, round } from './lib/loop-bench.js';
import { lowerBound, Recorder } from './lib/recorder.js';

const CAPACITY = 4;
const REPS = 3;
const warnings = countMaxListenerWarnings();

interface DagTask { id: string; ms: number; dependsOn: string[]; level: number }

/** A layered DAG: each task past layer 0 depends on 1-3 tasks of the layer just before (so its level is
 * exactly its layer) and, one time in three, on one more from any earlier layer. */
function randomDag(random: Random, name: string): DagTask[] {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const layers = int(3, 4);
  const total = int(30, 60);
  const sizes = Array.from({ length: layers }, () => 1 + random());
  const scale = total / sizes.reduce((a, b) => a + b, 0);
  const counts = sizes.map((s) => Math.max(4, Math.round(s * scale)));
  const byLayer: DagTask[][] = [];
  for (let l = 0; l < layers; l++) {
    byLayer.push(Array.from({ length: counts[l]! }, (_, i) => {
      const task: DagTask = { id: `${name}-L${l}-${i}`, ms: int(5, 80), dependsOn: [], level: l };
      if (l > 0) {
        const prev = byLayer[l - 1]!;
        const deps = new Set<string>();
        for (let k = int(1, 3); k > 0; k--) deps.add(prev[int(0, prev.length - 1)]!.id);
        if (l > 1 && random() < 1 / 3) {
          const earlier = byLayer[int(0, l - 2)]!;
          deps.add(earlier[int(0, earlier.length - 1)]!.id);
        }
        task.dependsOn = [...deps];
      }
      return task;
    }));
  }
  return byLayer.flat();
}



let threads = 0;

function buildLoop(recorder: { current: Recorder }) {
  return createMasterAgentLoop({
    agents: Array.from({ length: CAPACITY }, (_, i) => ({
      id: `agent-${i}`,
      capabilities: ['work'],
      maxConcurrency: 1,
      run: async (input: unknown, ctx: { task: { id: string }; agentId: string }) => recorder.current.run(ctx.task.id, input as number, ctx.agentId),
    })),
    checkpointer: new MemorySaver(),
    limits: { maxConcurrentAgents: CAPACITY },
  });
}

async function runLoop(loop: ReturnType<typeof buildLoop>, recorder: { current: Recorder }, dag: readonly DagTask[]) {
  recorder.current = new Recorder();
  const tasks = dag.map((t) => ({ id: t.id, dependsOn: t.dependsOn, estimatedDurationMs: t.ms, capability: 'work', input: t.ms }));
  const at = performance.now();
  const out = await loop.invoke({ request: { tasks, strategy: 'parallel' } }, { configurable: { thread_id: `loop-${threads++}` } });
  const end = performance.now();
  if (out.status !== 'completed') throw new Error(`loop run ended ${out.status}`);
  const r = recorder.current;
  return { span: r.span, wall: end - at, startLatency: r.first - at, endLatency: end - r.last, planned: out.plan!.makespanMs, recorder: r };
}

/** FIFO counting semaphore: the waves side's concurrency limit. */
class Semaphore {
  private queue: Array<(slot: number) => void> = [];
  private readonly free: number[];
  constructor(size: number) {
    this.free = Array.from({ length: size }, (_, i) => size - 1 - i);
  }
  /** Resolves with the slot number taken (so hand-offs can be measured per slot, like per agent). */
  async acquire(): Promise<number> {
    const slot = this.free.pop();
    if (slot !== undefined) return slot;
    return new Promise<number>((resolve) => this.queue.push(resolve));
  }
  release(slot: number): void {
    const next = this.queue.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }
}

const WaveState = Annotation.Root({
  level: Annotation<number>({ reducer: (_, next) => next, default: () => -1 }),
  done: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

function buildWaves(dag: readonly DagTask[], recorder: { current: Recorder }) {
  const levels: DagTask[][] = [];
  for (const t of dag) (levels[t.level] ??= []).push(t);
  for (const level of levels) level.sort((a, b) => b.ms - a.ms); // LPT within a level
  const semaphore = new Semaphore(CAPACITY);
  return new StateGraph(WaveState)
    .addNode('next', (s: typeof WaveState.State) => ({ level: s.level + 1 }))
    .addNode(
      'work',
      async (t: { id: string; ms: number }) => {
        const slot = await semaphore.acquire();
        try {
          await recorder.current.run(t.id, t.ms, `slot-${slot}`);
        } finally {
          semaphore.release(slot);
        }
        return { done: [t.id] };
      },
      { input: Annotation.Root({ id: Annotation<string>(), ms: Annotation<number>() }) },
    )
    .addEdge(START, 'next')
    .addConditionalEdges('next', (s: typeof WaveState.State) =>
      s.level < levels.length ? levels[s.level]!.map((t) => new Send('work', { id: t.id, ms: t.ms })) : END)
    .addEdge('work', 'next')
    .compile({ checkpointer: new MemorySaver() });
}

async function runWaves(waves: ReturnType<typeof buildWaves>, recorder: { current: Recorder }, dag: readonly DagTask[]) {
  recorder.current = new Recorder();
  const at = performance.now();
  const out = await waves.invoke({}, { configurable: { thread_id: `waves-${threads++}` } });
  const end = performance.now();
  if (out.done.length !== dag.length) throw new Error(`waves ran ${out.done.length} of ${dag.length} tasks`);
  const r = recorder.current;
  return { span: r.span, wall: end - at, startLatency: r.first - at, endLatency: end - r.last, recorder: r };
}

interface Row {
  /** invoke() -> first task body start (loop: includes the scheduler node's planning search). */
  loopStart: number; wavesStart: number;
  /** last task body end -> invoke() returns. */
  loopEnd: number; wavesEnd: number;
  dag: string; tasks: number; levels: number; criticalPath: number; workOverCapacity: number; bound: number; planned: number;
  loopSpan: number; loopWall: number; wavesSpan: number; wavesWall: number; realBound: number;
  loopOverBound: number; wavesOverBound: number; loopWallOverBound: number; loopOverRealBound: number; wavesOverRealBound: number;
}

const HANDOFF_TASKS = 60;
const HANDOFF_MS = 20;

/**
 * Dispatch latency alone: with more ready tasks than slots, every task end is followed at once by the
 * next start on that slot, so the idle gap between them is pure hand-off cost (timers aside). Both
 * sides run the same independent tasks, 3 runs each, gaps pooled.
 */
async function measureHandoff(loop: ReturnType<typeof buildLoop>, recorder: { current: Recorder }) {
  const dag: DagTask[] = Array.from({ length: HANDOFF_TASKS }, (_, i) => ({ id: `h${i}`, ms: HANDOFF_MS, dependsOn: [], level: 0 }));
  const waves = buildWaves(dag, recorder);
  const loopGaps: number[] = [];
  const plainGaps: number[] = [];
  const loopSpans: number[] = [];
  const plainSpans: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const l = await runLoop(loop, recorder, dag);
    loopGaps.push(...l.recorder.handoffGaps());
    loopSpans.push(l.span);
    const w = await runWaves(waves, recorder, dag);
    plainGaps.push(...w.recorder.handoffGaps());
    plainSpans.push(w.span);
  }
  const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
  return {
    ideal: (HANDOFF_TASKS / CAPACITY) * HANDOFF_MS,
    loop: { median: round(median(loopGaps), 3), p90: round(p90(loopGaps), 3), span: round(median(loopSpans), 1) },
    plain: { median: round(median(plainGaps), 3), p90: round(p90(plainGaps), 3), span: round(median(plainSpans), 1) },
  };
}

async function main(): Promise<void> {
  const random = createRandom(20_240_601);
  const dags = Array.from({ length: 6 }, (_, i) => randomDag(random, `d${i}`));
  const recorder = { current: new Recorder() };
  const loop = buildLoop(recorder);

  // Warm-up: JIT both paths on a DAG of its own before anything is timed.
  const warmDag = randomDag(createRandom(1), 'warm');
  const warmWaves = buildWaves(warmDag, recorder);
  for (let i = 0; i < 2; i++) {
    await runLoop(loop, recorder, warmDag);
    await runWaves(warmWaves, recorder, warmDag);
  }

  const rows: Row[] = [];
  for (const [d, dag] of dags.entries()) {
    const waves = buildWaves(dag, recorder);
    const lb = lowerBound(dag, (t) => t.ms, CAPACITY);
    const loopRuns: Array<Awaited<ReturnType<typeof runLoop>>> = [];
    const waveRuns: Array<Awaited<ReturnType<typeof runWaves>>> = [];
    const realBounds: number[] = [];
    for (let r = 0; r < REPS; r++) {
      // Alternate the order so neither side always follows the other.
      if (r % 2 === 0) {
        loopRuns.push(await runLoop(loop, recorder, dag));
        waveRuns.push(await runWaves(waves, recorder, dag));
      } else {
        waveRuns.push(await runWaves(waves, recorder, dag));
        loopRuns.push(await runLoop(loop, recorder, dag));
      }
      const actual = loopRuns.at(-1)!.recorder.actual;
      realBounds.push(lowerBound(dag, (t) => actual.get(t.id)!, CAPACITY).bound);
    }
    const loopSpan = median(loopRuns.map((x) => x.span));
    const wavesSpan = median(waveRuns.map((x) => x.span));
    const realBound = median(realBounds);
    rows.push({
      loopStart: round(median(loopRuns.map((x) => x.startLatency)), 1), wavesStart: round(median(waveRuns.map((x) => x.startLatency)), 1),
      loopEnd: round(median(loopRuns.map((x) => x.endLatency)), 1), wavesEnd: round(median(waveRuns.map((x) => x.endLatency)), 1),
      dag: `d${d}`, tasks: dag.length, levels: Math.max(...dag.map((t) => t.level)) + 1,
      criticalPath: lb.criticalPath, workOverCapacity: round(lb.workOverCapacity, 1), bound: round(lb.bound, 1), planned: round(loopRuns[0]!.planned, 1),
      loopSpan: round(loopSpan, 1), loopWall: round(median(loopRuns.map((x) => x.wall)), 1),
      wavesSpan: round(wavesSpan, 1), wavesWall: round(median(waveRuns.map((x) => x.wall)), 1), realBound: round(realBound, 1),
      loopOverBound: round(loopSpan / lb.bound, 3), wavesOverBound: round(wavesSpan / lb.bound, 3),
      loopWallOverBound: round(median(loopRuns.map((x) => x.wall)) / lb.bound, 3),
      loopOverRealBound: round(loopSpan / realBound, 3), wavesOverRealBound: round(wavesSpan / realBound, 3),
    });
  }

  printTable(
    `makespan, ms (median of ${REPS}; capacity ${CAPACITY}; span = first task start -> last task end)`,
    ['dag', 'tasks', 'lvls', 'crit', 'work/4', 'bound', 'plan', 'loop', 'waves', 'loop wall', 'real bnd', 'loop/bnd', 'waves/bnd', 'plan/bnd', 'loop/real', 'loop wall/bnd'],
    rows.map((r) => [r.dag, r.tasks, r.levels, r.criticalPath, r.workOverCapacity.toFixed(0), r.bound.toFixed(0), r.planned.toFixed(0),
      r.loopSpan.toFixed(0), r.wavesSpan.toFixed(0), r.loopWall.toFixed(0), r.realBound.toFixed(0),
      r.loopOverBound.toFixed(3), r.wavesOverBound.toFixed(3), (r.planned / r.bound).toFixed(3), r.loopOverRealBound.toFixed(3), r.loopWallOverBound.toFixed(3)]),
  );
  printTable(
    'outside the span, ms (median): invoke -> first task start, last task end -> invoke returns',
    ['dag', 'loop start', 'waves start', 'loop end', 'waves end'],
    rows.map((r) => [r.dag, r.loopStart.toFixed(1), r.wavesStart.toFixed(1), r.loopEnd.toFixed(1), r.wavesEnd.toFixed(1)]),
  );
  const handoff = await measureHandoff(loop, recorder);
  printTable(
    `hand-off: ${HANDOFF_TASKS} independent ${HANDOFF_MS} ms tasks on ${CAPACITY} slots (loop: agents; plain: one Send level + semaphore); idle ms between a slot's tasks`,
    ['side', 'median gap', 'p90 gap', 'span ms', 'ideal ms'],
    [
      ['loop', handoff.loop.median.toFixed(2), handoff.loop.p90.toFixed(2), handoff.loop.span.toFixed(0), handoff.ideal.toFixed(0)],
      ['plain', handoff.plain.median.toFixed(2), handoff.plain.p90.toFixed(2), handoff.plain.span.toFixed(0), handoff.ideal.toFixed(0)],
    ],
  );
  const mean = (f: (r: Row) => number) => round(rows.reduce((s, r) => s + f(r), 0) / rows.length, 3);
  const summary = {
    loopOverBound: mean((r) => r.loopOverBound), wavesOverBound: mean((r) => r.wavesOverBound),
    planOverBound: mean((r) => r.planned / r.bound), loopOverRealBound: mean((r) => r.loopOverRealBound),
    loopOverPlan: mean((r) => r.loopSpan / r.planned), loopWallOverBound: mean((r) => r.loopWallOverBound),
    wavesOverLoop: mean((r) => r.wavesSpan / r.loopSpan),
    loopStartMs: mean((r) => r.loopStart), wavesStartMs: mean((r) => r.wavesStart),
  };
  console.log(`means: loop/bound ${summary.loopOverBound}, waves/bound ${summary.wavesOverBound}, plan/bound ${summary.planOverBound}, ` +
    `loop/plan ${summary.loopOverPlan}, loop/real bound ${summary.loopOverRealBound}, loop wall/bound ${summary.loopWallOverBound}, waves/loop ${summary.wavesOverLoop}`);
  console.log(`goal loop <= 1.05 x bound (span): ${summary.loopOverBound <= 1.05 ? 'met' : 'NOT met'}; MaxListenersExceededWarning seen: ${warnings()}`);
  console.log(JSON.stringify({ bench: 'loop-makespan', capacity: CAPACITY, reps: REPS, goalRatio: 1.05, summary, handoff, rows }));
}

void main();

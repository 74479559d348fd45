/**
 * Dispatch overhead of the master loop over plain LangGraph, with no-op work so that only the
 * machinery is timed.
 *
 * Compared, for N independent no-op tasks (N = 100 and 1,000):
 *   loop   createMasterAgentLoop with one agent (maxConcurrency N, so no limit binds), strategy
 *          'parallel', no resources: scheduler node (plan) -> coordinator node (N tasks, each
 *          outcome one putWrites) -> recovery node (feedback, learning).
 *   plain  the idiomatic LangGraph map step: a `fanout` node whose conditional edge returns
 *          Send('work', { i }) x N, and a `work` node that returns its result into an append-reducer
 *          channel. No planning, no events, no recovery: the floor for "run N things durably".
 * Why it is fair: same process, same kind of checkpointer (a fresh instance per side), LangGraph's default durability on both,
 * every task's result written through the checkpointer on both sides, a fresh thread_id per run, both
 * graphs compiled once before timing, warm-up runs first, and the two sides alternate run by run so
 * drift (GC, JIT, a growing checkpoint store) hits both alike. Reported: median wall time per
 * `invoke`, and loop/plain (the goal: <= 0.5, half the time of the plain fan-out).
 * Run with `npx tsx bench/loop-overhead.bench.ts` (about a minute). Prints tables, then one JSON line.
 */
import { Annotation, END, Send, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import { createMasterAgentLoop } from '../src/loop/builder.js';
import { countMaxListenerWarnings, createSaver, median, printTable, round, timeInvoke, type SaverKind } from './lib/loop-bench.js';

const warnings = countMaxListenerWarnings();
const GOAL = 0.5;

function buildLoop(checkpointer: BaseCheckpointSaver, n: number) {
  return createMasterAgentLoop({
    agents: [{ id: 'noop', capabilities: ['noop'], maxConcurrency: n, run: async () => null }],
    checkpointer,
  });
}

const PlainState = Annotation.Root({
  n: Annotation<number>(),
  // Append, not object spread: a spread reducer is O(N^2) over a fan-in of N writes and would slow the
  // baseline for a reason that has nothing to do with LangGraph's dispatch.
  results: Annotation<Array<{ i: number; output: null }>>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

function buildPlain(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(PlainState)
    .addNode('fanout', () => ({}))
    .addNode('work', async (arg: { i: number }) => ({ results: [{ i: arg.i, output: null }] }), { input: Annotation.Root({ i: Annotation<number>() }) })
    .addEdge('__start__', 'fanout')
    .addConditionalEdges('fanout', (s: typeof PlainState.State) => Array.from({ length: s.n }, (_, i) => new Send('work', { i })))
    .addEdge('work', END)
    .compile({ checkpointer });
}

function timeLoop(loop: ReturnType<typeof buildLoop>, n: number): Promise<number> {
  const tasks = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, capability: 'noop', input: i }));
  return timeInvoke(loop, { request: { tasks, strategy: 'parallel' } }, 'loop', (out) => {
    if (out.status !== 'completed' || Object.keys(out.results).length !== n) throw new Error(`loop run did not complete: ${out.status}`);
  });
}

function timePlain(plain: ReturnType<typeof buildPlain>, n: number): Promise<number> {
  return timeInvoke(plain, { n }, 'plain', (out) => {
    if (out.results.length !== n) throw new Error(`plain run wrote ${out.results.length} results, not ${n}`);
  });
}

interface Row {
  saver: SaverKind; tasks: number; runs: number; loopMs: number; plainMs: number;
  /** median(loop) / median(plain). */
  ratio: number;
  /** Median of the run-by-run ratios (each loop run against the plain run beside it): robust to drift. */
  pairedRatio: number;
  loopUsPerTask: number; plainUsPerTask: number;
}

async function measure(kind: SaverKind, n: number, runs: number, warmMs: number): Promise<Row> {
  const a = createSaver(kind);
  const b = createSaver(kind);
  try {
    const loop = buildLoop(a.saver, n);
    const plain = buildPlain(b.saver);
    // Warm up until both sides have had `warmMs` of JIT and caches (at least one run each): at 100 tasks
    // the first ~30 runs of either side are still getting faster.
    const warmUntil = performance.now() + warmMs;
    do {
      await timeLoop(loop, n);
      await timePlain(plain, n);
    } while (performance.now() < warmUntil);
    const loopMs: number[] = [];
    const plainMs: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate which side goes first, so neither always runs right after the other's garbage.
      const [l, p] = i % 2 === 0
        ? [await timeLoop(loop, n), await timePlain(plain, n)]
        : await (async () => { const p = await timePlain(plain, n); return [await timeLoop(loop, n), p] as const; })();
      loopMs.push(l);
      plainMs.push(p);
      ratios.push(l / p);
    }
    const lm = median(loopMs);
    const pm = median(plainMs);
    return { saver: kind, tasks: n, runs, loopMs: round(lm), plainMs: round(pm), ratio: round(lm / pm, 3), pairedRatio: round(median(ratios), 3),
      loopUsPerTask: round((lm * 1000) / n, 1), plainUsPerTask: round((pm * 1000) / n, 1) };
  } finally {
    a.dispose();
    b.dispose();
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const kind of ['memory', 'sqlite'] as const) {
    rows.push(await measure(kind, 100, 31, 4_000));
    rows.push(await measure(kind, 1_000, 7, 0));
  }
  printTable(
    'no-op tasks: median wall ms per invoke (loop = createMasterAgentLoop, plain = Send fan-out)',
    ['saver', 'tasks', 'runs', 'loop ms', 'plain ms', 'loop/plain', 'paired ratio', 'loop us/task', 'plain us/task'],
    rows.map((r) => [r.saver, r.tasks, r.runs, r.loopMs.toFixed(1), r.plainMs.toFixed(1), r.ratio.toFixed(3), r.pairedRatio.toFixed(3), r.loopUsPerTask.toFixed(1), r.plainUsPerTask.toFixed(1)]),
  );
  const worst = Math.max(...rows.map((r) => r.ratio));
  const worstPaired = Math.max(...rows.map((r) => r.pairedRatio));
  console.log(`goal loop/plain <= ${GOAL}: ratio of medians ${worst <= GOAL ? 'met' : 'NOT met'} (worst ${worst.toFixed(3)}), ` +
    `paired ${worstPaired <= GOAL ? 'met' : 'NOT met'} (worst ${worstPaired.toFixed(3)}); MaxListenersExceededWarning seen: ${warnings()}`);
  console.log(JSON.stringify({ bench: 'loop-overhead', goalRatio: GOAL, rows, maxListenerWarnings: warnings() }));
}

void main();

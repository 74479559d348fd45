/**
 * Durable throughput and memory of the master loop on SqliteSaver (a checkpoint file in a temp dir).
 *
 * 1. Throughput: N short no-op tasks (N = 200 and 1,000), independent, one agent with N slots, so
 *    the number is the loop's own cost per durable task: plan, dispatch, run, store the result with
 *    the checkpointer (`putWrites` to the file), announce it. For scale, the same N tasks through a
 *    plain LangGraph Send fan-out on its own SqliteSaver file (the floor for "N durable steps").
 *    Each run is checked: the loop's thread must hold one stored task result per task in the
 *    `writes` table, so we count durable work, not just finished promises.
 * 2. Memory: 2,000 tasks of ~5 ms (a real sleep) spread over 10 agents and over 1,000 agents (each
 *    agent maxConcurrency 1, tasks without capability so any agent may take any task). Reported:
 *    heapUsed and RSS growth at the peak (sampled every 10 ms) and what is still held after the run
 *    and a full GC (loop, pool and saver alive), all relative to a GC'd baseline taken just before
 *    the loop is built; plus the absolute peak RSS of the process. The seed's bar: 10 agents < 512 MB.
 * Run with `node --expose-gc --import tsx bench/loop-durable.bench.ts` (without --expose-gc the
 * numbers include uncollected garbage; the output says so). Prints tables, then one JSON line.
 */
import { Annotation, END, Send, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import { createMasterAgentLoop } from '../src/loop/builder.js';
import { OUTCOME_CHANNEL } from '../src/loop/outcome-log.js';
import {
  chargedTo, collect, countMaxListenerWarnings, createSaver, hasGc, MB, median, memoryNow, printTable, round, sleep,
} from './lib/loop-bench.js';

const warnings = countMaxListenerWarnings();
let threads = 0;

/** Rows the saver holds for a thread's task outcomes (the loop stores each as a write on the coordinator's checkpoint). */
function storedResults(saver: BaseCheckpointSaver, threadId: string): number {
  const db = (saver as unknown as { db: { prepare(sql: string): { get(...args: unknown[]): { n: number } } } }).db;
  return db.prepare(`SELECT count(*) AS n FROM writes WHERE thread_id = ? AND channel = ?`).get(threadId, OUTCOME_CHANNEL).n;
}

const PlainState = Annotation.Root({
  n: Annotation<number>(),
  results: Annotation<number[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

function buildPlain(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(PlainState)
    .addNode('fanout', () => ({}))
    .addNode('work', async (arg: { i: number }) => ({ results: [arg.i] }), { input: Annotation.Root({ i: Annotation<number>() }) })
    .addEdge('__start__', 'fanout')
    .addConditionalEdges('fanout', (s: typeof PlainState.State) => Array.from({ length: s.n }, (_, i) => new Send('work', { i })))
    .addEdge('work', END)
    .compile({ checkpointer });
}

interface ThroughputRow { tasks: number; runs: number; loopMs: number; loopTasksPerS: number; plainMs: number; plainTasksPerS: number; loopOverPlainTime: number; storedPerRun: number }

async function throughput(n: number, runs: number): Promise<ThroughputRow> {
  const a = createSaver('sqlite');
  const b = createSaver('sqlite');
  try {
    const loop = createMasterAgentLoop({ agents: [{ id: 'noop', capabilities: ['noop'], maxConcurrency: n, run: async (input) => input }], checkpointer: a.saver });
    const plain = buildPlain(b.saver);
    const tasks = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, capability: 'noop', input: i }));
    let stored = 0;
    const runLoop = async (): Promise<number> => {
      const threadId = `loop-${threads++}`;
      const at = performance.now();
      const out = await chargedTo('loop', () => loop.invoke({ request: { tasks, strategy: 'parallel' } }, { configurable: { thread_id: threadId } }));
      const ms = performance.now() - at;
      stored = storedResults(a.saver, threadId);
      if (out.status !== 'completed' || stored < n) throw new Error(`loop run: ${out.status}, ${stored} of ${n} results stored`);
      return ms;
    };
    const runPlain = async (): Promise<number> => {
      const at = performance.now();
      const out = await chargedTo('plain', () => plain.invoke({ n }, { configurable: { thread_id: `plain-${threads++}` } }));
      if (out.results.length !== n) throw new Error('plain run incomplete');
      return performance.now() - at;
    };
    // Warm-up: at least 2 runs and ~2 s per side.
    const warmUntil = performance.now() + 2_000;
    for (let i = 0; i < 2 || performance.now() < warmUntil; i++) {
      await runLoop();
      await runPlain();
    }
    const loopMs: number[] = [];
    const plainMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      loopMs.push(await runLoop());
      plainMs.push(await runPlain());
    }
    const lm = median(loopMs);
    const pm = median(plainMs);
    return { tasks: n, runs, loopMs: round(lm, 1), loopTasksPerS: Math.round((n * 1000) / lm), plainMs: round(pm, 1),
      plainTasksPerS: Math.round((n * 1000) / pm), loopOverPlainTime: round(lm / pm, 3), storedPerRun: stored };
  } finally {
    a.dispose();
    b.dispose();
  }
}

interface MemoryRow {
  agents: number; tasks: number; taskMs: number; wallMs: number; agentsUsed: number;
  peakHeapDeltaMB: number; peakRssDeltaMB: number; retainedHeapDeltaMB: number; peakRssMB: number;
}

async function memory(agents: number, tasks: number, taskMs: number): Promise<MemoryRow> {
  collect();
  const base = memoryNow();
  const { saver, dispose } = createSaver('sqlite');
  const used = new Set<string>();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  const sample = (): void => {
    const m = memoryNow();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const sampler = setInterval(sample, 10);
  try {
    const loop = createMasterAgentLoop({
      agents: Array.from({ length: agents }, (_, i) => ({
        id: `agent-${i}`,
        capabilities: ['work'],
        maxConcurrency: 1,
        run: async (input: unknown, ctx: { agentId: string }) => {
          used.add(ctx.agentId);
          await sleep(taskMs);
          return input;
        },
      })),
      checkpointer: saver,
    });
    const request = { tasks: Array.from({ length: tasks }, (_, i) => ({ id: `t${i}`, estimatedDurationMs: taskMs, input: i })), strategy: 'parallel' as const };
    const at = performance.now();
    const out = await chargedTo('loop', () => loop.invoke({ request }, { configurable: { thread_id: `mem-${threads++}` } }));
    const wallMs = performance.now() - at;
    sample();
    if (out.status !== 'completed') throw new Error(`memory run ended ${out.status}`);
    clearInterval(sampler);
    collect();
    const after = memoryNow(); // loop, pool, saver and the result still referenced
    void loop;
    return {
      agents, tasks, taskMs, wallMs: round(wallMs, 0), agentsUsed: used.size,
      peakHeapDeltaMB: round((peakHeap - base.heapUsed) / MB, 1), peakRssDeltaMB: round((peakRss - base.rss) / MB, 1),
      retainedHeapDeltaMB: round((after.heapUsed - base.heapUsed) / MB, 1), peakRssMB: round(peakRss / MB, 1),
    };
  } finally {
    clearInterval(sampler);
    dispose();
  }
}

async function main(): Promise<void> {
  const rows = [await throughput(200, 9), await throughput(1_000, 3)];
  printTable(
    'durable throughput, SqliteSaver file (median wall ms per invoke; no-op tasks)',
    ['tasks', 'runs', 'loop ms', 'loop tasks/s', 'plain ms', 'plain tasks/s', 'loop/plain time', 'stored results'],
    rows.map((r) => [r.tasks, r.runs, r.loopMs.toFixed(1), r.loopTasksPerS, r.plainMs.toFixed(1), r.plainTasksPerS, r.loopOverPlainTime.toFixed(3), r.storedPerRun]),
  );

  const mem = [await memory(10, 2_000, 5), await memory(1_000, 2_000, 5)];
  printTable(
    `memory, SqliteSaver file, each agent maxConcurrency 1 (MB; deltas from a GC'd baseline${hasGc ? '' : '; NO --expose-gc: includes garbage'})`,
    ['agents', 'tasks', 'task ms', 'wall ms', 'agents used', 'peak heap +MB', 'peak RSS +MB', 'retained heap +MB', 'peak RSS MB'],
    mem.map((m) => [m.agents, m.tasks, m.taskMs, m.wallMs, m.agentsUsed, m.peakHeapDeltaMB.toFixed(1), m.peakRssDeltaMB.toFixed(1), m.retainedHeapDeltaMB.toFixed(1), m.peakRssMB.toFixed(1)]),
  );
  const bar = mem[0]!.peakRssMB < 512;
  console.log(`seed bar, 10 agents under 512 MB (peak process RSS): ${bar ? 'met' : 'NOT met'}; gc exposed: ${hasGc}; MaxListenersExceededWarning seen: ${warnings()}`);
  console.log(JSON.stringify({ bench: 'loop-durable', gcExposed: hasGc, throughput: rows, memory: mem, tenAgentsUnder512MB: bar }));
}

void main();

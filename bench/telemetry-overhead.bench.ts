/**
 * What the telemetry costs on the 1,000-task loop: the same run with no OpenTelemetry SDK (the
 * package records to the API's no-op provider), with the Prometheus provider of
 * `createPrometheusMetrics()` handed to the package, and with that plus a tracer provider recording
 * every span (the invoke_agent span per attempt, the coordination and scheduling spans) to memory,
 * and with the Prometheus provider plus the live dashboard attached (`serveDashboard` on that side's
 * loop, with one viewer in this process that, like the page, reads /api/metrics, /api/runs and the
 * open run on every server-sent change).
 *
 * The work is bench/loop-overhead.bench.ts's: N independent no-op tasks on one agent (maxConcurrency
 * N), strategy 'parallel', MemorySaver (a fresh one per side). The three sides use the same compiled
 * loops; they alternate run by run (the order rotates) so drift hits all alike, and the provider is
 * switched between runs (useMeterProvider, trace.setGlobalTracerProvider), never during one. One
 * scrape of /metrics' text is timed after the runs: Prometheus scrapes every 15 s or so, not per run.
 * Reported: median wall ms per invoke, and each side over the side without telemetry.
 * A full GC runs before each timed run (node --expose-gc; `npm run bench` passes it), so no side pays for
 * the garbage of the one before.
 * Run with `node --import tsx --expose-gc bench/telemetry-overhead.bench.ts` (about a minute). Prints a table, then one JSON line.
 */
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createMasterAgentLoop } from '../src/loop/builder.js';
import { request } from 'node:http';
import { serveDashboard } from '../src/observe/dashboard/serve.js';
import { createPrometheusMetrics } from '../src/observe/prometheus.js';
import { useMeterProvider } from '../src/telemetry/provider.js';
import { collect, createSaver, hasGc, median, printTable, round, timeInvoke } from './lib/loop-bench.js';

const N = 1_000;
const RUNS = 15;
const WARM = 2;

type Side = 'off' | 'metrics' | 'metrics+spans' | 'metrics+dashboard';

/** A viewer like the page: on each change, the figures, the run list and the newest run. */
function watch(url: string): () => void {
  let busy = false;
  let again = false;
  let reads = 0;
  const read = async (): Promise<void> => {
    if (busy) return void (again = true);
    busy = true;
    try {
      const runs = (await (await fetch(`${url}/api/runs`)).json()) as { runs: Array<{ runId: string }> };
      await (await fetch(`${url}/api/metrics`)).json();
      if (runs.runs[0]) await (await fetch(`${url}/api/run?id=${runs.runs[0].runId}`)).json();
      reads++;
    } catch {
      // The dashboard closed at the end of the bench.
    } finally {
      busy = false;
    }
    if (again) {
      again = false;
      void read();
    }
  };
  const req = request(`${url}/events`, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (chunk.includes('event: change')) void read();
    });
  });
  req.on('error', () => undefined);
  req.end();
  return () => {
    req.destroy();
    console.log(`the viewer read the dashboard ${reads} times`);
  };
}

async function main(): Promise<void> {
  const prom = await createPrometheusMetrics();
  // createPrometheusMetrics hands its provider over at once; each run below chooses.
  const restoreDefault = useMeterProvider(undefined);
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const savers = { off: createSaver('memory'), metrics: createSaver('memory'), 'metrics+spans': createSaver('memory'), 'metrics+dashboard': createSaver('memory') };
  const loops = Object.fromEntries(Object.entries(savers).map(([side, s]) => [side, createMasterAgentLoop({
    agents: [{ id: 'noop', capabilities: ['noop'], maxConcurrency: N, run: async () => null }],
    checkpointer: s.saver,
  })])) as Record<Side, ReturnType<typeof createMasterAgentLoop>>;
  const dashboard = await serveDashboard({ loops: { bench: loops['metrics+dashboard'] }, port: 0 });
  const stopWatching = watch(dashboard.url);
  const tasks = Array.from({ length: N }, (_, i) => ({ id: `t${i}`, capability: 'noop', input: i }));

  const run = async (side: Side): Promise<number> => {
    const restore = side === 'off' ? () => undefined : useMeterProvider(prom.meterProvider);
    if (side === 'metrics+spans') trace.setGlobalTracerProvider(tracerProvider);
    // Each run starts with no garbage of the run before: spans and series would be charged to the next side.
    collect();
    try {
      return await timeInvoke(loops[side], { request: { tasks, strategy: 'parallel' } }, side, (out) => {
        if (out.status !== 'completed' || Object.keys(out.results).length !== N) throw new Error(`${side} run did not complete: ${out.status}`);
      });
    } finally {
      restore();
      trace.disable();
      spans.reset();
    }
  };

  const sides: Side[] = ['off', 'metrics', 'metrics+spans', 'metrics+dashboard'];
  for (let i = 0; i < WARM; i++) for (const side of sides) await run(side);
  const ms: Record<Side, number[]> = { off: [], metrics: [], 'metrics+spans': [], 'metrics+dashboard': [] };
  // Each side over the off run of the same round: robust to the drift of a shared machine.
  const paired: Record<Side, number[]> = { off: [], metrics: [], 'metrics+spans': [], 'metrics+dashboard': [] };
  for (let i = 0; i < RUNS; i++) {
    const order = [...sides.slice(i % sides.length), ...sides.slice(0, i % sides.length)];
    const round: Partial<Record<Side, number>> = {};
    for (const side of order) ms[side].push((round[side] = await run(side)));
    for (const side of sides) paired[side].push(round[side]! / round.off!);
  }
  const restore = useMeterProvider(prom.meterProvider);
  const scrapeStart = performance.now();
  const text = await prom.scrape();
  const scrapeMs = performance.now() - scrapeStart;
  restore();

  const off = median(ms.off);
  const rows = sides.map((side) => {
    const m = median(ms[side]);
    return { side, tasks: N, runs: RUNS, ms: round(m), usPerTask: round((m * 1000) / N, 1), overOff: round(m / off, 3), pairedOverOff: round(median(paired[side]), 3) };
  });
  printTable(
    `${N} no-op tasks: median wall ms per invoke, with and without telemetry`,
    ['side', 'tasks', 'runs', 'ms', 'us/task', 'side/off', 'paired side/off'],
    rows.map((r) => [r.side, r.tasks, r.runs, r.ms.toFixed(1), r.usPerTask.toFixed(1), r.overOff.toFixed(3), r.pairedOverOff.toFixed(3)]),
  );
  console.log(`one scrape: ${scrapeMs.toFixed(1)} ms, ${text.length} bytes, ${text.split('\n').filter((l) => l && !l.startsWith('#')).length} samples`);
  if (!hasGc) console.log('run with --expose-gc: without it, a side pays for the garbage of the side before');
  console.log(JSON.stringify({ bench: 'telemetry-overhead', rows, scrape: { ms: round(scrapeMs), bytes: text.length }, gcBetweenRuns: hasGc }));
  stopWatching();
  await dashboard.close();
  restoreDefault();
  for (const s of Object.values(savers)) s.dispose();
  await tracerProvider.shutdown();
  await prom.shutdown();
}

void main();

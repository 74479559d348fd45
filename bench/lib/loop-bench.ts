/**
 * Small helpers shared by the bench/loop-*.bench.ts files: statistics, a fixed-width table printer,
 * the checkpointers both sides of a comparison use, a quiet-warnings switch and a memory probe.
 * Nothing here is timed itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySaver, type BaseCheckpointSaver } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
export const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Prints rows under a header, each column padded to its widest cell (numbers right-aligned). */
export function printTable(title: string, header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): void {
  const cells = [header.map(String), ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  const line = (r: readonly string[], right: boolean) =>
    r.map((cell, c) => (right && c > 0 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(cells[0]!, false));
  for (const r of cells.slice(1)) console.log(line(r, true));
}

export type SaverKind = 'memory' | 'sqlite';

/**
 * A fresh checkpointer. Each side of a comparison gets its own instance of the same kind, so neither
 * side's stored writes weigh on the other's lookups.
 * `sqlite` uses a file in a temp dir (WAL, the library's defaults); call `dispose` when done.
 */
export function createSaver(kind: SaverKind): { saver: BaseCheckpointSaver; dispose: () => void } {
  if (kind === 'memory') return { saver: new MemorySaver(), dispose: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'loop-bench-'));
  const saver = SqliteSaver.fromConnString(join(dir, 'checkpoints.db'));
  return {
    saver,
    dispose: () => {
      try {
        (saver as unknown as { db: { close(): void } }).db.close();
      } catch {
        /* already closed */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Node warns once per AbortSignal that gets more than 10 listeners. LangGraph's own runner puts
 * listeners on a run's signal per running task, so a plain 1,000-task fan-out prints dozens of warnings
 * that would bury the table (the loop gives each task a signal of its own and triggers none itself).
 * The warnings are counted by the side that was running (and reported) instead of printed: a plain
 * LangGraph Send fan-out of 1,000 tasks triggers them too, so a total alone would blame the loop.
 */
export function countMaxListenerWarnings(): () => string {
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name === 'MaxListenersExceededWarning') warningsBySide.set(warningSide, (warningsBySide.get(warningSide) ?? 0) + 1);
    else console.warn(w);
  });
  return () => (warningsBySide.size === 0 ? '0' : [...warningsBySide].map(([side, n]) => `${n} (${side})`).join(', '));
}

/** Which side of a comparison is running, so each warning is charged to the graph that caused it. */
let warningSide = 'outside a timed invoke';
const warningsBySide = new Map<string, number>();

const gc = (globalThis as { gc?: () => void }).gc;
export const hasGc = gc !== undefined;

/** Runs a full GC (twice, so finalizers' garbage goes too) when node runs with --expose-gc. */
export function collect(): void {
  gc?.();
  gc?.();
}

export const MB = 1024 * 1024;
export function memoryNow(): { rss: number; heapUsed: number } {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

/** Runs `work` with every MaxListenersExceededWarning it causes charged to `side`. */
export async function chargedTo<T>(side: string, work: () => Promise<T>): Promise<T> {
  warningSide = side;
  try {
    const out = await work();
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
    return out;
  } finally {
    warningSide = 'outside a timed invoke';
  }
}

let benchThreads = 0;
/** Wall ms of one `invoke` on a fresh thread; `check` throws when the run did not do the work. */
export async function timeInvoke<T>(
  graph: { invoke(input: never, config: { configurable: { thread_id: string } }): Promise<T> },
  input: unknown,
  prefix: string,
  check: (out: T) => void,
): Promise<number> {
  warningSide = prefix;
  const at = performance.now();
  const out = await graph.invoke(input as never, { configurable: { thread_id: `${prefix}-${benchThreads++}` } });
  const ms = performance.now() - at;
  await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
  warningSide = 'outside a timed invoke';
  check(out);
  return ms;
}

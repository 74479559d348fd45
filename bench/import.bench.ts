/**
 * What importing the package costs a user: the root entry, the subpaths and `@langchain/langgraph`
 * alone, each required in a fresh Node process (from the built dist/, as a user gets it), alternating
 * so a slow moment hits both sides. Reports median wall time and RSS, and the ratio of each entry to
 * LangGraph's own import. Run with `node --import tsx bench/import.bench.ts` (builds dist/ first).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { median, printTable, round } from './lib/loop-bench.js';

const root = join(__dirname, '..');
const RUNS = Number(process.env.IMPORT_RUNS ?? 15);
const ENTRIES = ['@langchain/langgraph', 'langgraph-no', 'langgraph-no/mcp', 'langgraph-no/a2a'] as const;

const probe = (specifier: string): { ms: number; rssMb: number; files: number } => {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(specifier)});
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    console.log(JSON.stringify({ ms, rssMb: process.memoryUsage().rss / 2 ** 20, files: Object.keys(require.cache).length }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as { ms: number; rssMb: number; files: number };
};

execFileSync(process.execPath, [join(root, '.ci', 'build.mjs')], { cwd: root, stdio: 'ignore' });
const samples = new Map<string, { ms: number[]; rssMb: number[]; files: number }>(ENTRIES.map((e) => [e, { ms: [], rssMb: [], files: 0 }]));
for (let run = 0; run < RUNS + 1; run++) {
  for (const entry of ENTRIES) {
    const { ms, rssMb, files } = probe(entry);
    if (run === 0) continue; // the first round warms the disk cache
    const s = samples.get(entry)!;
    s.ms.push(ms);
    s.rssMb.push(rssMb);
    s.files = files;
  }
}
const base = samples.get('@langchain/langgraph')!;
const rows = ENTRIES.map((entry) => {
  const s = samples.get(entry)!;
  return {
    entry,
    ms: round(median(s.ms), 1),
    rssMb: round(median(s.rssMb), 1),
    files: s.files,
    timeVsLangGraph: round(median(s.ms) / median(base.ms)),
    rssVsLangGraph: round(median(s.rssMb) / median(base.rssMb)),
  };
});
printTable(`require() in a fresh process, median of ${RUNS}`, ['entry', 'ms', 'RSS MB', 'files', 'time / LangGraph', 'RSS / LangGraph'],
  rows.map((r) => [r.entry, r.ms, r.rssMb, r.files, r.timeVsLangGraph, r.rssVsLangGraph]));
console.log(JSON.stringify({ bench: 'import', runs: RUNS, rows }));

// Fails when src/ folders import each other in a cycle, or when a folder that must stay free of
// LangGraph (the scheduler, contracts, resilience) imports it. docs/architecture.md shows the order.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { sourceFiles } from './source-files.mjs';

const src = resolve(new URL('..', import.meta.url).pathname, 'src');
const LANGGRAPH_FREE = new Set(['contracts', 'scheduler', 'resilience']);
const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

const files = sourceFiles(src);

const folderOf = (file) => {
  const parts = relative(src, file).split('/');
  return parts.length > 1 ? parts[0] : null; // root files (index.ts, version.ts) are not a folder
};
const edges = new Map();
const problems = [];
for (const file of files) {
  const from = folderOf(file);
  if (from === null) continue;
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    if (spec.startsWith('@langchain/') && LANGGRAPH_FREE.has(from)) {
      problems.push(`${relative(src, file)} imports ${spec}, but ${from}/ must not depend on LangGraph`);
    }
    if (!spec.startsWith('.')) continue;
    const to = folderOf(resolve(dirname(file), spec));
    if (to === null || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    edges.get(from).set(to, relative(src, file));
  }
}

// Depth-first search for a back edge; report the cycle as a path of folders.
const state = new Map();
const stack = [];
const visit = (node) => {
  state.set(node, 'open');
  stack.push(node);
  for (const next of edges.get(node)?.keys() ?? []) {
    if (state.get(next) === 'open') {
      const cycle = [...stack.slice(stack.indexOf(next)), next];
      problems.push(`import cycle between src/ folders: ${cycle.join(' -> ')} (e.g. ${edges.get(node).get(next)})`);
    } else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(node, 'done');
};
for (const node of edges.keys()) if (!state.has(node)) visit(node);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
const summary = [...edges].map(([f, t]) => `${f} -> ${[...t.keys()].sort().join(', ')}`).sort();
console.log(`no import cycles between src/ folders (${summary.length} folders import others)`);
for (const line of summary) console.log(`  ${line}`);

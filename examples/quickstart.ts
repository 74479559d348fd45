/**
 * nO quickstart: a team of agents reads and analyses this repository's own source in parallel and
 * writes a report. Readers share an I/O budget (a hard resource limit), analysts summarise each folder
 * as soon as its files are read, and a writer assembles the report. Analysts message the writer and
 * publish their findings over the signed agent network (kept in the graph's channels). Progress
 * streams live from the loop's CloudEvents; the run ends with the plan as a Mermaid graph. No
 * service, no API key.
 *
 *   npm run example        (or: npx tsx examples/quickstart.ts)
 */
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { createAgentNetwork, createMasterAgentLoop, planToMermaid, type AgentDefinition, type EventEnvelope, type MasterLoopState, type TaskInput } from '../src/index.js';

const root = join(__dirname, '..');

interface FileFacts { path: string; lines: number; exports: number; imports: string[]; todos: number; longestFunction: number }
interface FolderFacts { folder: string; files: number; lines: number; exports: number; biggest: string; dependsOn: string[] }

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : []))));
  return nested.flat().sort();
}

/** Reads one file and extracts facts from its text. */
const reader = (id: string): AgentDefinition => ({
  id,
  capabilities: ['read'],
  maxConcurrency: 2,
  run: async (input, ctx): Promise<FileFacts> => {
    const path = (input as { path: string }).path;
    const text = await readFile(join(root, path), { encoding: 'utf8', signal: ctx.signal });
    const lines = text.split('\n');
    let longest = 0;
    let current = 0;
    for (const line of lines) {
      if (/^(export )?(async )?function |=> \{$/.test(line.trim())) current = 0;
      current++;
      longest = Math.max(longest, current);
    }
    const imports = [...text.matchAll(/from '\.\.\/([a-z-]+)\//g)].map((m) => m[1]!);
    return { path, lines: lines.length, exports: (text.match(/^export /gm) ?? []).length, imports: [...new Set(imports)], todos: (text.match(/TODO|FIXME/g) ?? []).length, longestFunction: longest };
  },
});

/** Summarises a folder from its files' facts (the outputs of the read tasks it depends on). */
const analyst = (id: string): AgentDefinition => ({
  id,
  capabilities: ['analyse'],
  run: async (input, ctx): Promise<FolderFacts> => {
    const files = Object.values(ctx.dependencies) as FileFacts[];
    const biggest = files.reduce((a, b) => (b.lines > a.lines ? b : a));
    const folder = (input as { folder: string }).folder;
    // A signed note for the writer's mailbox, and a finding for anyone listening on the topic.
    const lines = files.reduce((n, f) => n + f.lines, 0);
    const share = Math.round((100 * biggest.lines) / lines);
    if (files.length > 1 && share >= 30) await ctx.network?.send('writer', { type: 'note', payload: `${biggest.path} holds ${share} % of ${folder}/ (${biggest.lines} of ${lines} lines)` });
    await ctx.network?.broadcast({ topic: 'findings', type: 'folder.analysed', payload: { folder, files: files.length } });
    return {
      folder,
      files: files.length,
      lines,
      exports: files.reduce((n, f) => n + f.exports, 0),
      biggest: `${biggest.path} (${biggest.lines} lines)`,
      dependsOn: [...new Set(files.flatMap((f) => f.imports))].filter((d) => d !== (input as { folder: string }).folder).sort(),
    };
  },
});

/** Writes the report from every folder summary. */
const writer: AgentDefinition = {
  id: 'writer',
  capabilities: ['report'],
  run: async (input, ctx) => {
    const folders = (Object.values(ctx.dependencies) as FolderFacts[]).sort((a, b) => b.lines - a.lines);
    const total = folders.reduce((n, f) => n + f.lines, 0);
    const notes = (await ctx.network?.receive()) ?? [];
    const report = [
      '# langgraph-no: source report',
      '',
      `${folders.reduce((n, f) => n + f.files, 0)} files, ${total} lines, ${folders.reduce((n, f) => n + f.exports, 0)} exports.`,
      '',
      '| folder | files | lines | share | biggest file | imports from |',
      '| --- | ---: | ---: | ---: | --- | --- |',
      ...folders.map((f) => `| ${f.folder} | ${f.files} | ${f.lines} | ${((100 * f.lines) / total).toFixed(0)} % | ${f.biggest} | ${f.dependsOn.join(', ') || '-'} |`),
      ...(notes.length > 0 ? ['', 'Notes from the analysts:', ...notes.map((m) => `- ${String(m.payload)} (${m.from})`)] : []),
    ].join('\n');
    const out = (input as { out: string }).out;
    await writeFile(out, report + '\n', { signal: ctx.signal });
    return { out, report };
  },
};

async function main(): Promise<void> {
  const files = (await sourceFiles(join(root, 'src'))).map((f) => relative(root, f));
  const folderOf = (path: string): string => path.split('/')[1]!.replace(/\.ts$/, '') || 'root';
  const folders = [...new Set(files.map((f) => (f.split('/').length > 2 ? folderOf(f) : 'root')))];
  const tasks: TaskInput[] = [
    ...files.map((path) => ({ id: `read:${path}`, capability: 'read', input: { path }, estimatedDurationMs: 2, resources: { io: 1 } })),
    ...folders.map((folder) => ({
      id: `analyse:${folder}`,
      capability: 'analyse',
      input: { folder },
      estimatedDurationMs: 1,
      dependsOn: files.filter((f) => (f.split('/').length > 2 ? folderOf(f) : 'root') === folder).map((p) => `read:${p}`),
    })),
    { id: 'report', capability: 'report', dependsOn: folders.map((f) => `analyse:${f}`), input: { out: join(tmpdir(), 'langgraph-no-report.md') }, estimatedDurationMs: 1, priority: 9 },
  ];

  // Every finished task is in this SQLite file before the run moves on (kill the process and invoke
  // the thread again with null to resume).
  const dbPath = join(tmpdir(), `langgraph-no-quickstart-${process.pid}.sqlite`);
  const checkpointer = SqliteSaver.fromConnString(dbPath);
  const network = createAgentNetwork();
  let findings = 0;
  network.subscribe('findings', () => void findings++);
  const loop = createMasterAgentLoop({
    network,
    agents: [reader('reader-1'), reader('reader-2'), reader('reader-3'), analyst('analyst-1'), analyst('analyst-2'), writer],
    checkpointer,
    limits: { maxConcurrentAgents: 6, resources: { io: 4 } },
  });

  let done = 0;
  const started = Date.now();
  const stream = await loop.stream({ request: { tasks, resources: { io: 4 } } }, { configurable: { thread_id: 'quickstart' }, streamMode: 'custom' });
  for await (const chunk of stream) {
    const event = chunk as EventEnvelope;
    const data = event.data as Record<string, unknown>;
    if (event.type === 'orchestration.plan.created') console.log(`plan: ${String(data['summary'])}`);
    if (event.type === 'orchestration.task.completed') {
      const meta = data['metadata'] as { agentId: string };
      console.log(`  [${String(++done).padStart(3)}/${tasks.length}] ${String(data['taskId']).padEnd(44)} ${meta.agentId.padEnd(10)} ${String(data['durationMs'])} ms`);
    }
    if (event.type === 'orchestration.task.failed') console.log(`  ! ${String(data['taskId'])}: ${String(data['error'])}`);
    if (event.type === 'no.run.completed') console.log(`run ${String(data['status'])} in ${Date.now() - started} ms`);
  }

  const state = (await loop.getState({ configurable: { thread_id: 'quickstart' } })).values as MasterLoopState;
  const { report, out } = state.results['report'] as { report: string; out: string };
  console.log(`\n${report}\n\n(report written to ${out})`);
  console.log(`${findings} findings published live; the checkpoint's topics channel holds ${state.topics['findings']?.length ?? 0} of them.`);
  // The folder level of the plan; the full plan has a node per file.
  const plan = state.plan!;
  const summary = { ...plan, tasks: plan.tasks.filter((t) => !t.id.startsWith('read:')).map((t) => ({ ...t, dependsOn: t.dependsOn.filter((d) => !d.startsWith('read:')) })) };
  console.log('\nPlan (folders and report), as Mermaid:\n```mermaid');
  console.log(planToMermaid(summary, { statuses: Object.fromEntries(Object.entries(state.tasks).map(([id, r]) => [id, r.status])) }));
  console.log('```');
  network.close();
  await rm(dbPath, { force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * Upgrades the current package's graph in place: `npx tsx examples/upgrade-existing-graph.ts`.
 *
 * 1. Runs `createCerebrumGraph()` unchanged (guard -> selectModel -> chat -> echo).
 * 2. Takes the same builder with the chat -> echo edge left open (`gapAfter: 'chat'`) and puts the
 *    master loop there, as one node whose own nodes show in a `subgraphs: true` stream. The
 *    loop splits the input into sections, analyses each section in parallel (words, sentences,
 *    readability, keywords) and summarises them; the report becomes the graph's `output`.
 * Nothing leaves the machine: the model selection reads environment variables only.
 */
import type { EventEnvelope } from '../src/contracts/index.js';
import { createCerebrumGraph, createCerebrumGraphBuilder, type CerebrumState } from '../src/compat/index.js';
import { addMasterLoop, type AgentDefinition, type MasterLoopState } from '../src/loop/index.js';

const INPUT = `# Release notes
The orchestration package now plans every request as a graph of tasks. Each task runs on an agent
that offers its capability, and finished work is saved before the run moves on.

# Accessibility
Every screen meets WCAG 2.2 AA. Focus order follows the reading order. Colour is never the only cue.

# Security
Tool calls pass a security gate. Inputs are validated against schemas, callers need the right
permission, and every call leaves an audit record that cannot be altered without detection.

# Next steps
We will measure scheduling latency on large plans and publish the results.`;

interface Section { title: string; text: string }
interface SectionAnalysis { title: string; words: number; sentences: number; readingEase: number; keywords: string[] }

const STOP_WORDS = new Set(
  'a against also an and are as at be before by each every for from is it its never not of on only or that the their them then this to we will with without'.split(' '),
);

function sectionsOf(text: string): Section[] {
  return text
    .split(/^# /m)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk.length > 0)
    .map((chunk) => {
      const [title = '', ...body] = chunk.split('\n');
      return { title: title.trim(), text: body.join(' ').replace(/\s+/g, ' ').trim() };
    });
}

/** Vowel groups, minus a silent final e: a rough syllable count, good enough for Flesch. */
const syllables = (word: string): number => Math.max(1, (word.toLowerCase().replace(/e$/, '').match(/[aeiouy]+/g) ?? []).length);

function analyse(section: Section): SectionAnalysis {
  const words = section.text.match(/[A-Za-z][A-Za-z'-]*/g) ?? [];
  const sentences = Math.max(1, (section.text.match(/[.!?]+/g) ?? []).length);
  const syllableCount = words.reduce((n, w) => n + syllables(w), 0);
  const readingEase = 206.835 - 1.015 * (words.length / sentences) - 84.6 * (syllableCount / Math.max(1, words.length));
  const counts = new Map<string, number>();
  for (const w of words.map((x) => x.toLowerCase()).filter((x) => x.length > 3 && !STOP_WORDS.has(x))) counts.set(w, (counts.get(w) ?? 0) + 1);
  const keywords = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3).map(([w]) => w);
  return { title: section.title, words: words.length, sentences, readingEase: Math.round(readingEase), keywords };
}

function summarise(analyses: SectionAnalysis[]): string {
  const total = analyses.reduce((n, a) => n + a.words, 0);
  const easiest = analyses.reduce((a, b) => (b.readingEase > a.readingEase ? b : a));
  const hardest = analyses.reduce((a, b) => (b.readingEase < a.readingEase ? b : a));
  const lines = analyses.map(
    (a) => `- ${a.title}: ${a.words} words, ${a.sentences} sentence${a.sentences === 1 ? '' : 's'}, reading ease ${a.readingEase}, keywords ${a.keywords.join(', ')}`,
  );
  return [
    `Report: ${analyses.length} sections, ${total} words.`,
    ...lines,
    `Easiest to read: ${easiest.title} (${easiest.readingEase}); hardest: ${hardest.title} (${hardest.readingEase}).`,
  ].join('\n');
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

const agents: AgentDefinition[] = [
  // Two analysers, two slots each: four sections are analysed at once.
  ...['analyser-1', 'analyser-2'].map((id) => ({
    id,
    capabilities: ['analyse'],
    maxConcurrency: 2,
    run: async (input: unknown, ctx: { signal: AbortSignal }) => {
      await pause(20, ctx.signal); // stands in for real work, so the overlap shows in the timings
      return analyse(input as Section);
    },
  })),
  {
    id: 'summariser',
    capabilities: ['summarise'],
    run: (_input, ctx) => summarise(Object.values(ctx.dependencies) as SectionAnalysis[]),
  },
];

function toRequest(state: CerebrumState) {
  const sections = sectionsOf(state.input);
  const analyses = sections.map((section, i) => ({ id: `analyse-${i + 1}`, capability: 'analyse', input: section, estimatedDurationMs: 20 }));
  return {
    tasks: [...analyses, { id: 'summarise', capability: 'summarise', dependsOn: analyses.map((t) => t.id), estimatedDurationMs: 5 }],
    strategy: 'parallel' as const,
  };
}

function fromResult(run: MasterLoopState, state: CerebrumState): Partial<CerebrumState> {
  if (run.status !== 'completed') return { output: `analysis ${run.status}: ${run.errors.map((e) => e.message).join('; ')}` };
  return { output: String(run.results['summarise'] ?? state.input) };
}

const started = Date.now();
const printEvent = (event: EventEnvelope): void => {
  const data = event.data as Record<string, unknown>;
  const what = data['outcome'] ?? data['taskId'] ?? data['planId'] ?? data['runId'] ?? '';
  console.log(`  +${String(Date.now() - started).padStart(4)} ms  ${event.type.padEnd(34)} ${event.subject ?? ''} ${String(what)}`);
};

async function main(): Promise<void> {
  console.log('1. the current package graph, unchanged');
  const current = createCerebrumGraph({ onEvent: printEvent });
  const before = await current.invoke({ input: INPUT });
  console.log(`   output is the input: ${before.output === INPUT}; model: ${JSON.stringify(before.selectedModel)}\n`);

  console.log('2. the same builder with the master loop between chat and echo (events live)');
  let run: MasterLoopState | undefined;
  const upgraded = addMasterLoop(createCerebrumGraphBuilder({ gapAfter: 'chat' }), {
    agents, after: 'chat', then: 'echo', toRequest,
    fromResult: (outcome, state) => ((run = outcome), fromResult(outcome, state)),
  }).compile();
  let after: CerebrumState | undefined;
  for await (const [namespace, mode, chunk] of await upgraded.stream({ input: INPUT }, { streamMode: ['custom', 'updates', 'values'], subgraphs: true })) {
    const where = namespace.length > 0 ? 'masterLoop/' : '';
    if (mode === 'custom') printEvent(chunk as EventEnvelope);
    else if (mode === 'updates') console.log(`  node done: ${where}${Object.keys(chunk as object).join(', ')}`);
    else if (where === '') after = chunk as CerebrumState;
  }
  if (!after || !run) throw new Error('the graph produced no state');

  const { input, output, selectedModel, violations } = after;
  console.log('\nfinal state (the graph\'s own fields only; the loop keeps its state in its own namespace):');
  console.log({ input: `${input.slice(0, 40)}...`, selectedModel, violations });
  console.log('what the run came to, as fromResult saw it:');
  console.log({
    loopStatus: run.status,
    strategy: run.plan?.strategy,
    tasks: Object.values(run.tasks).map((t) => `${t.taskId} on ${t.agentId} (${t.durationMs} ms)`),
  });
  console.log(`\noutput:\n${output}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * The A2A bridge both ways. A pool agent (a keyword extractor) is served over A2A, as it would be on
 * another machine; a master loop elsewhere then takes it into its own pool with createA2AAgent and
 * dispatches to it like to a local agent: a local reader loads this repository's README, the remote
 * extracts keywords from the reader's output (it arrives as a dependency), and a local writer
 * prints a summary. Any A2A client could call the served agent too; any A2A agent could be the remote.
 * No service, no API key.
 *
 *   npx tsx examples/a2a-bridge.ts
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createA2AAgent, serveAgentOverA2A } from '../src/a2a/index.js';
import { createMasterAgentLoop, type AgentDefinition } from '../src/index.js';

const STOP = new Set('a an and are as at be by for from has in is it its of on or that the this to with you your not can each any'.split(' '));

/** Counts words in the dependency outputs it is sent and returns the most frequent ones. */
const keywords: AgentDefinition = {
  id: 'keywords',
  capabilities: ['keywords'],
  metadata: { description: 'Extracts the most frequent words of the texts it is given.' },
  run: (input, ctx) => {
    const { top } = input as { top: number };
    const counts = new Map<string, number>();
    for (const text of Object.values(ctx.dependencies)) {
      for (const word of String(text).toLowerCase().match(/[a-z][a-z-]{2,}/g) ?? []) {
        if (!STOP.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
      }
    }
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, top).map(([word, count]) => ({ word, count }));
  },
};

async function main(): Promise<void> {
  // 1. Serve the agent over A2A: agent card, message send and stream, task status and cancel.
  const server = await serveAgentOverA2A(keywords, { name: 'Keyword Extractor' });
  console.log(`serving '${server.agentCard.name}' at ${server.url} (card: ${server.url}/.well-known/agent-card.json)`);
  try {
    // 2. Elsewhere: the remote agent joins a pool from its card.
    const remote = await createA2AAgent({ url: server.url });
    console.log(`joined the pool as '${remote.id}' with capabilities ${remote.capabilities.join(', ')}`);

    const reader: AgentDefinition = { id: 'reader', capabilities: ['read'], run: (_input, ctx) => readFile(join(__dirname, '..', 'README.md'), { encoding: 'utf8', signal: ctx.signal }) };
    const writer: AgentDefinition = {
      id: 'writer',
      capabilities: ['write'],
      run: (_input, ctx) => {
        const words = ctx.dependencies['keywords'] as Array<{ word: string; count: number }>;
        return `README.md is about: ${words.map((w) => `${w.word} (${w.count})`).join(', ')}`;
      },
    };
    const loop = createMasterAgentLoop({ agents: [reader, remote, writer] });
    const out = await loop.invoke(
      {
        request: {
          tasks: [
            { id: 'read', capability: 'read' },
            { id: 'keywords', capability: 'keywords', dependsOn: ['read'], input: { top: 8 } },
            { id: 'summary', capability: 'write', dependsOn: ['keywords'] },
          ],
        },
      },
      { configurable: { thread_id: 'a2a-bridge-example' } },
    );

    // 3. The remote ran its task like a local agent would have.
    for (const id of ['read', 'keywords', 'summary']) console.log(`  ${id.padEnd(8)} ran on ${out.tasks[id]?.agentId}`);
    console.log(`\n${String(out.results['summary'])}`);
    console.log(`\nrun ${out.status}`);
  } finally {
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

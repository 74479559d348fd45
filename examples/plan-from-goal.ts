/**
 * Plans from a goal: a chat model turns "write a brief on three vector databases" into a DAG of
 * tasks for the agents below, checked by the package's own validation, and the loop runs it. One
 * research task asks about a database the researcher has no notes on, fails for good, and the loop
 * asks the planner for a revised plan of the work left, keeping the research that finished.
 *
 *   npx tsx examples/plan-from-goal.ts
 *
 * With OPENAI_API_KEY (and `npm i @langchain/openai`) or ANTHROPIC_API_KEY (and `npm i
 * @langchain/anthropic`) in the environment it plans with that provider; otherwise with a scripted
 * model, so it runs offline. It prints which one it used.
 */
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { chooseModel } from './lib/models.js';
import { createLlmPlanner, createMasterAgentLoop, NoError, type AgentDefinition, type EventEnvelope } from '../src/index.js';

const NOTES: Record<string, string> = {
  qdrant: 'Qdrant: Rust, HNSW with payload filtering, gRPC and REST, Apache-2.0.',
  milvus: 'Milvus: Go and C++, many index types (IVF, HNSW, DiskANN), distributed, Apache-2.0.',
  weaviate: 'Weaviate: Go, HNSW, hybrid BM25 + vector search, GraphQL API, BSD-3.',
  chroma: 'Chroma: Python and Rust, embedded or client-server, simple API, Apache-2.0.',
};

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value ?? ''));

const agents: AgentDefinition[] = [
  {
    id: 'researcher', capabilities: ['research'], maxConcurrency: 3,
    run: async (input) => {
      const asked = text(input).toLowerCase();
      const found = Object.keys(NOTES).filter((name) => asked.includes(name));
      // The same input fails the same way on any agent: bad input, so the task fails for good at once.
      if (found.length === 0) throw new NoError('INVALID_INPUT', `no notes on ${text(input)}; notes exist on ${Object.keys(NOTES).join(', ')}`);
      return found.map((name) => NOTES[name]).join(' ');
    },
  },
  { id: 'analyst', capabilities: ['compare'], run: async (_input, ctx) => `Compared: ${Object.values(ctx.dependencies).map(text).join(' | ')}` },
  { id: 'writer', capabilities: ['write'], run: async (_input, ctx) => `BRIEF\n${Object.values(ctx.dependencies).map(text).join('\n')}` },
];

const capabilities = {
  research: 'looks up notes on one named vector database (input: its name)',
  compare: 'compares the research it depends on',
  write: 'writes the brief from what it depends on',
};

/** Answers like a model would: a first plan (with one database it has no notes on), then a revision. */
class ScriptedPlanner extends BaseChatModel {
  _llmType(): string {
    return 'scripted';
  }
  override bindTools(): this {
    return this;
  }
  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const revising = messages.some((m) => m.text.includes('needs a revised plan'));
    const research = (db: string) => ({ id: `research-${db}`, capability: 'research', input: db });
    const args = revising
      ? { tasks: [research('chroma'), { id: 'compare', capability: 'compare', dependsOn: ['research-qdrant', 'research-milvus', 'research-chroma'] }, { id: 'write', capability: 'write', dependsOn: ['compare'] }] }
      : { tasks: [research('qdrant'), research('milvus'), research('pinecone'), { id: 'compare', capability: 'compare', dependsOn: ['research-qdrant', 'research-milvus', 'research-pinecone'] }, { id: 'write', capability: 'write', dependsOn: ['compare'] }] };
    const message = new AIMessage({ content: '', tool_calls: [{ name: 'execution_plan', args, id: 'call-1', type: 'tool_call' }] });
    return { generations: [{ message, text: '' }] };
  }
}

async function main(): Promise<void> {
  const chosen = await chooseModel();
  const model = chosen.make(() => new ScriptedPlanner({}));
  console.log(`planning with ${chosen.name}`);
  const planner = createLlmPlanner({ model, capabilities, instructions: 'Research each database in a task of its own, so they run in parallel.' });
  const goal = 'Write a short brief comparing three open-source vector databases: Qdrant, Milvus and Pinecone.';
  const draft = await planner.draft(goal);
  console.log(`plan (${draft.attempts} model call${draft.attempts > 1 ? 's' : ''}${draft.usage ? `, ${draft.usage.totalTokens} tokens` : ''}):`);
  for (const task of draft.request.tasks) console.log(`  ${task.id.padEnd(18)} ${String(task.capability).padEnd(9)} after [${(task.dependsOn ?? []).join(', ')}]`);

  const loop = createMasterAgentLoop({ agents, replan: { planner } });
  loop.onEvent((event: EventEnvelope) => {
    const data = event.data as Record<string, unknown>;
    if (event.type === 'orchestration.task.failed') console.log(`  ✗ ${String(data['taskId'])}: ${String(data['error'])}`);
    if (event.type === 'no.plan.revised') {
      console.log(`re-plan ${String(data['replan'])} (${String(data['reason'])}): ${String(data['outcome'])}; kept [${(data['kept'] as string[]).join(', ')}], added [${(data['added'] as string[]).join(', ')}], dropped [${(data['dropped'] as string[]).join(', ')}]`);
    }
  });
  const run = await loop.invoke({ request: draft.request }, { configurable: { thread_id: 'plan-from-goal' } });
  console.log(`run ${run.status} after ${run.replans.length} re-plan(s)`);
  const brief = Object.entries(run.results).find(([id]) => run.plan?.tasks.find((t) => t.id === id)?.capability === 'write')?.[1];
  console.log(text(brief ?? '(no brief)'));
  if (run.status !== 'completed') process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

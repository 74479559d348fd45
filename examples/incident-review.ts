/**
 * From a goal to a reviewed incident report, through every layer (see incident-review/scenario.ts):
 * an LLM planner plans the DAG, seven agents run it under the master loop, using the primitive,
 * execution and dashboard tool layers and messaging each other, and the run is watchable live.
 *
 *   npx tsx examples/incident-review.ts              # offline, scripted models
 *   OPENAI_API_KEY=... npx tsx examples/incident-review.ts   # with npm i @langchain/openai
 *   npx tsx examples/incident-review.ts --dashboard  # and watch it on http://127.0.0.1:9465
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveDashboard } from '../src/observe/index.js';
import { chooseModel } from './lib/models.js';
import { createIncidentReview, GOAL } from './incident-review/scenario.js';

async function main(): Promise<void> {
  const chosen = await chooseModel();
  console.log(`models: ${chosen.name}`);
  const review = createIncidentReview({
    model: chosen.make,
    onEvent: (event) => {
      const data = event.data as Record<string, unknown>;
      if (event.type === 'orchestration.task.started') console.log(`  ▶ ${String(data['taskId'])} on ${String(data['agentId'])}`);
      if (event.type === 'orchestration.task.failed') console.log(`  ✗ ${String(data['taskId'])}: ${String(data['error'])}`);
    },
  });
  const watch = process.argv.includes('--dashboard') ? await serveDashboard({ loops: { incident: review.loop }, toolLayers: Object.values(review.layers) }) : undefined;
  if (watch) console.log(`dashboard: ${watch.url} (Ctrl-C to stop)`);
  try {
    console.log(`goal: ${GOAL}`);
    const out = await review.run('incident-2026-12-02');
    console.log(`plan (${out.draft.attempts} model call(s)): ${out.draft.request.tasks.map((t) => `${t.id}[${(t.dependsOn ?? []).join(',')}]`).join(' ')}`);
    console.log(`run ${out.result.status}: ${out.agentsCoordinated} agents coordinated, ${out.toolLayersUsed} tool layers used, ${review.audit.entries().length} audited tool calls`);
    console.log(`review: ${out.review}`);
    console.log(`\n${readFileSync(join(review.root, 'report.md'), 'utf8')}`);
    if (out.result.status !== 'completed') process.exitCode = 1;
    if (watch) await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  } finally {
    await watch?.close();
    review.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

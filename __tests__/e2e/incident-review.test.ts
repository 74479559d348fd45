/**
 * The end-to-end scenario of examples/incident-review.ts: goal -> LLM plan -> seven agents under the
 * master loop -> all three tool layers -> messages between agents -> a reviewed report, watched by
 * the dashboard. Offline models; everything else is the real package.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { serveDashboard } from '../../src/observe/index';
import type { NetworkActivity } from '../../src/network/index';
import type { EventEnvelope } from '../../src/contracts/index';
import { CAPABILITIES, createIncidentReview, OFFLINE_PLAN } from '../../examples/incident-review/scenario';

describe('end to end: from a goal to a reviewed incident report', () => {
  it('plans from the goal, coordinates more than 5 agents over all 3 tool layers and messages, and writes the report', async () => {
    const events: EventEnvelope[] = [];
    const review = createIncidentReview({ onEvent: (e) => events.push(e) });
    const activity: NetworkActivity[] = [];
    review.network.onActivity((a) => activity.push(a));
    const dashboard = await serveDashboard({ loops: { incident: review.loop }, toolLayers: Object.values(review.layers), port: 0 });
    try {
      const out = await review.run('e2e-1');

      // The plan is the planner's, checked against the pool's capabilities.
      expect(out.draft.attempts).toBe(1);
      expect(out.draft.request.tasks.map((t) => t.id)).toEqual(OFFLINE_PLAN.tasks.map((t) => t.id));
      expect(new Set(out.draft.request.tasks.map((t) => t.capability))).toEqual(new Set(Object.keys(CAPABILITIES)));

      expect(out.result.status).toBe('completed');
      expect(out.agentsCoordinated).toBeGreaterThan(5);
      expect(out.toolLayersUsed).toBe(3);

      // Each tool call was made, and audited, as the agent that made it.
      const byLayer = new Map<string, Set<string>>();
      for (const entry of review.audit.entries()) {
        const layer = String(entry.details['layer']);
        byLayer.set(layer, (byLayer.get(layer) ?? new Set()).add(entry.actor));
      }
      expect(Object.fromEntries([...byLayer].map(([layer, actors]) => [layer, [...actors].sort()]))).toEqual({
        execution: ['config-reader', 'log-reader', 'reviewer', 'writer'],
        primitive: ['statistician', 'writer'],
        dashboard: ['visualizer'],
      });
      expect(review.audit.verify()).toMatchObject({ ok: true });

      // The analyst briefed the writer over the signed network.
      const sent = activity.filter((a) => a.message.type === 'incident.finding');
      expect(sent.length).toBeGreaterThan(0);
      expect(sent[0]!.message).toMatchObject({ from: 'analyst', to: 'writer' });

      // The result: a report in the workspace with the root cause and the run's diagram, approved.
      const report = readFileSync(join(review.root, 'report.md'), 'utf8');
      expect(report).toContain('migration 0042_add_email failed: column "email" of relation "users" already exists');
      expect(report).toContain('Error rate of the deploy log: 0.25');
      expect(report).toMatch(/```mermaid\nflowchart LR[\s\S]*n5 ==> n6/);
      expect(out.review).toMatch(/^APPROVED/);

      // Observable: every task started and completed once in the events, and the dashboard shows the run.
      const started = events.filter((e) => e.type === 'orchestration.task.started').map((e) => (e.data as { taskId: string }).taskId);
      expect(started.sort()).toEqual(OFFLINE_PLAN.tasks.map((t) => t.id).sort());
      const runs = (await (await fetch(`${dashboard.url}/api/runs`)).json()) as { runs: Array<{ runId: string; status: string }> };
      expect(runs.runs).toEqual([expect.objectContaining({ runId: out.result.runId, status: 'completed' })]);
    } finally {
      await dashboard.close();
      review.close();
    }
  });

  it('runs again on a durable checkpointer: a second run on the thread does no task twice', async () => {
    const saver = SqliteSaver.fromConnString(':memory:');
    const review = createIncidentReview({ checkpointer: saver });
    try {
      const first = await review.run('e2e-durable');
      expect(first.result.status).toBe('completed');
      const calls = review.audit.entries().length;
      // Resuming a finished thread re-runs nothing: no tool is called again.
      const again = await review.loop.invoke(null, { configurable: { thread_id: 'e2e-durable' } });
      expect(again.status).toBe('completed');
      expect(review.audit.entries()).toHaveLength(calls);
    } finally {
      review.close();
    }
  });
});

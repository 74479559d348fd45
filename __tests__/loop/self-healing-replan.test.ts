import type { Correction } from '../../src/contracts/anomaly';
import type { EventEnvelope } from '../../src/contracts/events';
import { createSelfHealing, type AgentDefinition } from '../../src/loop/index';
import { createLlmPlanner } from '../../src/planning/index';
import { PlanScriptModel, planCall } from '../planning/plan-model';
import { loopWith, request, thread, until } from './helpers';

/** The only agent that can fetch: it hangs (respecting its signal) and nothing can stand in for it. */
const primary: AgentDefinition = {
  id: 'primary', capabilities: ['fetch'],
  run: (_input, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })),
};
const mirror: AgentDefinition = { id: 'mirror', capabilities: ['fetch-mirror'], run: async (input) => `mirrored ${String(input)}` };
const writer: AgentDefinition = { id: 'writer', capabilities: ['write'], run: async (_input, ctx) => `wrote ${Object.keys(ctx.dependencies).sort().join(',')}` };

const tasks = [{ id: 'fetch', capability: 'fetch', input: 'page' }, { id: 'write', capability: 'write', dependsOn: ['fetch'] }];
const NO_TIMEOUT = { attemptTimeoutMs: 600_000 };

describe('self-healing re-plans a run that stays stalled', () => {
  it('moves the tasks first; when nothing can take them, asks the planner for the remaining work, and the run completes', async () => {
    const model = new PlanScriptModel([planCall({ tasks: [
      { id: 'fetch-2', capability: 'fetch-mirror', input: 'page' },
      { id: 'write', capability: 'write', dependsOn: ['fetch-2'] },
    ] })]);
    const { loop, events } = loopWith([primary, mirror, writer], { ...NO_TIMEOUT, replan: { planner: createLlmPlanner({ model }) } });
    const healing = createSelfHealing({ loop, intervalMs: 0, escalateAfterMs: 0, detectors: { stall: { rounds: 2 }, stuck: false } });
    const corrections: Correction[] = [];
    healing.onCorrection((c) => corrections.push(c));
    try {
      const running = loop.invoke(request(tasks), thread());
      await until(() => events.some((e) => e.type === 'orchestration.task.started'));
      // Stall rounds until the healer has tried both steps.
      for (let i = 0; i < 20 && !corrections.some((c) => c.action === 're-plan'); i++) await healing.tick();
      const out = await running;

      expect(corrections.map((c) => [c.kind, c.action, c.outcome])).toEqual([
        ['stall', 'move-tasks', 'failed'],
        ['stall', 're-plan', 'applied'],
      ]);
      expect(corrections[0]!.reason).toMatch(/no agent can take over from primary/);
      expect(corrections[1]!.reason).toMatch(/revised plan of thread .*remaining work/);
      expect(out.status).toBe('completed');
      expect(out.results).toEqual({ 'fetch-2': 'mirrored page', write: 'wrote fetch-2' });
      expect(out.replans).toEqual([expect.objectContaining({ trigger: 'requested', reason: expect.stringMatching(/^self-healing: run .* no task end/), dropped: ['fetch'] })]);
      // The planner was told why, and the action is audited and announced.
      expect(model.prompt(0)).toContain('self-healing');
      expect(loop.audit.entries().find((e) => e.action === 'anomaly.re-plan')).toMatchObject({ actor: 'self-healing', outcome: 'success' });
      expect(events.filter((e: EventEnvelope) => e.type === 'no.plan.revised')).toHaveLength(1);
    } finally {
      healing.close();
    }
  });

  it('says what to do when the loop cannot re-plan: no replan option', async () => {
    const { loop, events } = loopWith([primary, writer], NO_TIMEOUT);
    const healing = createSelfHealing({ loop, intervalMs: 0, escalateAfterMs: 0, detectors: { stall: { rounds: 2 }, stuck: false } });
    const corrections: Correction[] = [];
    healing.onCorrection((c) => corrections.push(c));
    const stop = new AbortController();
    try {
      const running = loop.invoke(request(tasks), { ...thread(), signal: stop.signal }).catch(() => 'stopped');
      await until(() => events.some((e) => e.type === 'orchestration.task.started'));
      for (let i = 0; i < 10 && corrections.length < 2; i++) await healing.tick();
      expect(corrections.map((c) => [c.action, c.outcome])).toEqual([['move-tasks', 'failed'], ['re-plan', 'failed']]);
      expect(corrections[1]!.reason).toMatch(/no replan option \(give createMasterAgentLoop replan: \{ planner \}\)/);
      stop.abort();
      expect(await running).toBe('stopped');
    } finally {
      healing.close();
    }
  });
});

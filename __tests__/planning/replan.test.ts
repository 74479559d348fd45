import { MemorySaver } from '@langchain/langgraph';
import { NoError } from '../../src/contracts/errors';
import type { EventEnvelope } from '../../src/contracts/index';
import { createMasterAgentLoop, type AgentDefinition } from '../../src/loop/index';
import { createLlmPlanner } from '../../src/planning/index';
import { loopWith, request, sleepMs, thread } from '../loop/helpers';
import { PlanScriptModel, planCall } from './plan-model';

/** Agents that count their runs: `work` answers with the task id, `flaky` always fails with bad input. */
function agents(ran: string[], hang?: { on: string; started: () => void }): AgentDefinition[] {
  return [
    {
      id: 'worker', capabilities: ['work'], maxConcurrency: 2,
      run: async (_input, ctx) => {
        ran.push(ctx.task.id);
        if (hang?.on === ctx.task.id) {
          hang.started();
          await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
        }
        return `${ctx.task.id}(${Object.keys(ctx.dependencies).sort().join(',')})`;
      },
    },
    { id: 'broken', capabilities: ['flaky'], run: async (_input, ctx) => { ran.push(ctx.task.id); throw new NoError('INVALID_INPUT', 'the page is gone'); } },
  ];
}

const original = [
  { id: 'a', capability: 'work' },
  { id: 'b', capability: 'flaky', dependsOn: ['a'] },
  { id: 'c', capability: 'work', dependsOn: ['b'] },
];
const revision = { tasks: [{ id: 'b2', capability: 'work', dependsOn: ['a'] }, { id: 'c', capability: 'work', dependsOn: ['b2'] }] };
const revisedEvents = (events: EventEnvelope[]) => events.filter((e) => e.type === 'no.plan.revised').map((e) => e.data as Record<string, unknown>);

describe('re-planning a run whose tasks failed for good', () => {
  it('runs the planner\'s revision of the work left, keeping finished results without running them again', async () => {
    const ran: string[] = [];
    const model = new PlanScriptModel([planCall(revision)]);
    const { loop, events } = loopWith(agents(ran), { replan: { planner: createLlmPlanner({ model }) } });
    const out = await loop.invoke(request(original, { metadata: { goal: 'fetch and report' }, strategy: 'sequential-safe', resources: { io: 2 } }), thread());
    expect(out.status).toBe('completed');
    // Only the work left changed: the request's capacities, strategy and goal stay.
    expect(out.plan).toMatchObject({ requestedStrategy: 'sequential-safe', resources: { io: 2 } });
    expect(out.request?.metadata).toEqual({ goal: 'fetch and report' });
    expect(ran).toEqual(['a', 'b', 'b2', 'c']);
    expect(out.results).toEqual({ a: 'a()', b2: 'b2(a)', c: 'c(b2)' });
    expect(out.plan!.tasks.map((t) => t.id).sort()).toEqual(['a', 'b2', 'c']);
    expect(out.replans).toEqual([expect.objectContaining({ replan: 1, trigger: 'tasks-failed', outcome: 'revised', kept: ['a'], added: ['b2', 'c'], dropped: ['b'], attempts: 1 })]);
    expect(revisedEvents(events)).toEqual([expect.objectContaining({ outcome: 'revised', kept: ['a'], added: ['b2', 'c'], dropped: ['b'], reason: "task 'b' failed for good" })]);
    const updated = events.filter((e) => e.type === 'orchestration.plan.updated').map((e) => e.data);
    expect(updated).toEqual([{ planId: out.replans[0]!.previousPlanId, changes: [{ taskId: 'b2', change: 'added' }, { taskId: 'c', change: 'added' }, { taskId: 'b', change: 'dropped' }] }]);
    expect(events.filter((e) => e.type === 'orchestration.plan.created').map((e) => (e.data as { planId: string }).planId)).toEqual([out.replans[0]!.previousPlanId, out.plan!.id]);
    // The planner saw the goal, what finished with its output, and what failed with its error.
    const prompt = model.prompt(0);
    expect(prompt).toContain('Goal: fetch and report');
    expect(prompt).toContain('- a (work): output a()');
    expect(prompt).toContain("- c (work): skipped: run failing: task 'b' failed");
    expect(prompt).toContain('- b (flaky): the page is gone');
    expect(prompt).toContain('- work\n- flaky');
    const completed = events.filter((e) => e.type === 'no.run.completed').map((e) => e.data);
    expect(completed).toEqual([expect.objectContaining({ status: 'completed', completedTasks: 3, failedTasks: 0 })]);
  });

  it('sends a revision that reuses a finished task\'s id back to the model', async () => {
    const ran: string[] = [];
    const clash = { tasks: [{ id: 'a', capability: 'work' }, { id: 'c', capability: 'work', dependsOn: ['a'] }] };
    const model = new PlanScriptModel([planCall(clash), planCall(revision)]);
    const { loop } = loopWith(agents(ran), { replan: { planner: createLlmPlanner({ model }) } });
    const out = await loop.invoke(request(original), thread());
    expect(out.status).toBe('completed');
    expect(model.prompt(1)).toContain("task 'a' already finished: give the new task another id");
    expect(ran.filter((id) => id === 'a')).toHaveLength(1);
  });

  it('stops after maxReplans, failing the run as it would have without a planner', async () => {
    const ran: string[] = [];
    const again = (n: number) => planCall({ tasks: [{ id: `b${n}`, capability: 'flaky', dependsOn: ['a'] }] });
    const model = new PlanScriptModel([again(1), again(2), again(3)]);
    const { loop, events } = loopWith(agents(ran), { replan: { planner: createLlmPlanner({ model }), maxReplans: 2 } });
    const out = await loop.invoke(request(original), thread());
    expect(out.status).toBe('failed');
    expect(model.seen).toHaveLength(2);
    expect(ran).toEqual(['a', 'b', 'b1', 'b2']);
    expect(out.replans.map((r) => r.outcome)).toEqual(['revised', 'revised']);
    expect(revisedEvents(events).map((e) => e['replan'])).toEqual([1, 2]);
  });

  it('fails the run when the planner gives no valid plan, and says so in a no.plan.revised event', async () => {
    const ran: string[] = [];
    const model = new PlanScriptModel([planCall({ tasks: [{ id: 'x', capability: 'teleport' }] })]);
    const { loop, events } = loopWith(agents(ran), { replan: { planner: createLlmPlanner({ model, maxAttempts: 2 }) } });
    const out = await loop.invoke(request(original), thread());
    expect(out.status).toBe('failed');
    expect(model.seen).toHaveLength(2);
    expect(out.replans).toEqual([expect.objectContaining({ outcome: 'failed', error: expect.objectContaining({ code: 'PLAN_INVALID' }) })]);
    expect(revisedEvents(events)).toEqual([expect.objectContaining({ outcome: 'failed', added: [], dropped: [] })]);
  });

  it('fails the run when the planner\'s model fails, recording the model\'s error', async () => {
    const model = new PlanScriptModel([Object.assign(new Error('503 Service Unavailable'), { name: 'APIError' })]);
    const { loop, events } = loopWith(agents([]), { replan: { planner: createLlmPlanner({ model }) } });
    const out = await loop.invoke(request(original), thread());
    expect(out.status).toBe('failed');
    expect(model.seen).toHaveLength(1);
    expect(out.replans).toEqual([expect.objectContaining({ outcome: 'failed', attempts: 0, error: { code: 'APIError', message: '503 Service Unavailable' } })]);
    expect(revisedEvents(events)).toHaveLength(1);
  });

  it('leaves a run without failures alone', async () => {
    const model = new PlanScriptModel([planCall(revision)]);
    const { loop, events } = loopWith(agents([]), { replan: { planner: createLlmPlanner({ model }) } });
    const out = await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    expect(out.status).toBe('completed');
    expect(model.seen).toHaveLength(0);
    expect(revisedEvents(events)).toEqual([]);
  });

  it('does not ask the planner again when a run resumes after a crash after its re-plan', async () => {
    const saver = new MemorySaver();
    const config = thread();
    const ran: string[] = [];
    let started!: () => void;
    const hanging = new Promise<void>((resolve) => (started = resolve));
    const first = new PlanScriptModel([planCall(revision)]);
    const stop = new AbortController();
    const crashed = createMasterAgentLoop({ agents: agents(ran, { on: 'b2', started }), checkpointer: saver, replan: { planner: createLlmPlanner({ model: first }) } })
      .invoke(request(original), { ...config, signal: stop.signal })
      .then(() => 'finished', () => 'crashed');
    await hanging;
    await sleepMs(20);
    stop.abort(new Error('crash'));
    expect(await crashed).toBe('crashed');
    expect(first.seen).toHaveLength(1);

    const second = new PlanScriptModel([planCall({ tasks: [{ id: 'other', capability: 'work' }] })]);
    ran.length = 0;
    const out = await createMasterAgentLoop({ agents: agents(ran), checkpointer: saver, replan: { planner: createLlmPlanner({ model: second }) } }).invoke(null, config);
    expect(out.status).toBe('completed');
    expect(second.seen).toHaveLength(0);
    expect(ran).toEqual(['b2', 'c']);
    expect(out.results).toEqual({ a: 'a()', b2: 'b2(a)', c: 'c(b2)' });
    expect(out.replans).toHaveLength(1);
  });

  it.each([['no planner', { planner: {} }, 'INVALID_REQUEST'], ['a negative maxReplans', { planner: { revise: async () => ({}) }, maxReplans: -1 }, 'INVALID_NUMBER']])(
    'refuses a replan option with %s',
    (_what, replan, code) => {
      expect(() => createMasterAgentLoop({ agents: agents([]), replan: replan as never })).toThrow(expect.objectContaining({ code }));
    },
  );
});

describe('requestReplan', () => {
  it('stops a running thread\'s pass and runs the planner\'s revision, keeping what finished', async () => {
    const ran: string[] = [];
    let started!: () => void;
    const hanging = new Promise<void>((resolve) => (started = resolve));
    const model = new PlanScriptModel([planCall({ tasks: [{ id: 'quick', capability: 'work', dependsOn: ['a'] }] })]);
    const { loop, events } = loopWith(agents(ran, { on: 'stuck', started }), { replan: { planner: createLlmPlanner({ model }) } });
    const config = thread();
    const running = loop.invoke(request([{ id: 'a', capability: 'work' }, { id: 'stuck', capability: 'work', dependsOn: ['a'] }]), config);
    await hanging;
    expect(loop.requestReplan('no-such-thread', 'stalled')).toBe(false);
    expect(loop.requestReplan(config.configurable.thread_id, "'stuck' made no progress")).toBe(true);
    const out = await running;
    expect(out.status).toBe('completed');
    expect(ran).toEqual(['a', 'stuck', 'quick']);
    expect(out.results).toEqual({ a: 'a()', quick: 'quick(a)' });
    expect(out.replans).toEqual([expect.objectContaining({ trigger: 'requested', reason: "'stuck' made no progress", kept: ['a'], added: ['quick'], dropped: ['stuck'] })]);
    expect(out.replanRequest).toBeNull();
    expect(out.runError).toBeNull();
    expect(model.prompt(0)).toContain("- stuck (work): cancelled: stopped for a re-plan: 'stuck' made no progress");
    expect(revisedEvents(events)).toHaveLength(1);
  });

  it('changes nothing on a loop without a planner', async () => {
    let started!: () => void;
    const hanging = new Promise<void>((resolve) => (started = resolve));
    const { loop } = loopWith(agents([], { on: 'stuck', started }));
    const config = thread();
    const stop = new AbortController();
    const running = loop.invoke(request([{ id: 'stuck', capability: 'work' }]), { ...config, signal: stop.signal }).catch(() => 'stopped');
    await hanging;
    expect(loop.requestReplan(config.configurable.thread_id, 'stalled')).toBe(false);
    stop.abort();
    expect(await running).toBe('stopped');
  });

  it('asks for a reason', () => {
    const { loop } = loopWith(agents([]));
    expect(() => loop.requestReplan('t', '')).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });
});

import { initialAgentState } from '../../src/loop/agent-state';
import type { AgentState } from '../../src/contracts/loop.js';
import type { ExecutionPlan } from '../../src/contracts/scheduler.js';
import type { ToolResult } from '../../src/contracts/tools.js';
import { createIntelligenceScheduler } from '../../src/scheduler/index.js';
import { createToolLayer } from '../../src/tools/create-layer.js';
import { agentHealth, summarize } from '../../src/tools/dashboard/index.js';

const data = (result: ToolResult): any => {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.data;
};

const plan: ExecutionPlan = createIntelligenceScheduler().planExecution({
  strategy: 'sequential-safe',
  tasks: [
    { id: 'fetch', estimatedDurationMs: 100 },
    { id: 'parse', dependsOn: ['fetch'], estimatedDurationMs: 50 },
    { id: 'report', dependsOn: ['parse'], estimatedDurationMs: 10 },
  ],
});
const plans = new Map([[plan.id, plan]]);
const dashboard = () => createToolLayer('dashboard', { plans: (id) => plans.get(id), rateLimit: false });

describe('visualize-execution-graph', () => {
  it('draws a given plan as Mermaid and DOT, as a visualization result', async () => {
    const result = await dashboard().invoke('visualize-execution-graph', { plan });
    expect(result.ok && result.type).toBe('visualization');
    const out = data(result);
    expect(out.mermaid).toContain('flowchart LR');
    expect(out.mermaid).toContain('==>');
    expect(out.dot).toContain('digraph plan');
    expect(out).toMatchObject({ planId: plan.id, statuses: null, counts: {} });
  });

  it('colours tasks by live events and explicit statuses, explicit ones last', async () => {
    const events = [
      { taskId: 'fetch', type: 'started', atMs: 0 },
      { taskId: 'fetch', type: 'completed', atMs: 90 },
      { taskId: 'parse', type: 'started', atMs: 95 },
    ];
    const out = data(await dashboard().invoke('visualize-execution-graph', { planId: plan.id, events, statuses: { report: 'skipped' }, direction: 'TD' }));
    expect(out.statuses).toEqual({ fetch: 'completed', parse: 'running', report: 'skipped' });
    expect(out.counts).toEqual({ completed: 1, running: 1, skipped: 1 });
    expect(out.mermaid).toContain('classDef completed fill:#c8e6c9');
    expect(out.dot).toContain('fillcolor="#bbdefb"');
  });

  it('accepts a minimal plan of tasks and dependencies', async () => {
    const out = data(await dashboard().invoke('visualize-execution-graph', { plan: { tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }] } }));
    expect(out.planId).toBeNull();
    expect(out.mermaid).toContain('n0 --> n1');
  });

  it('answers WORKFLOW_NOT_FOUND for an unknown plan id, or when no plan store is configured', async () => {
    expect(await dashboard().invoke('visualize-execution-graph', { planId: 'nope' })).toMatchObject({ ok: false, error: { code: 'WORKFLOW_NOT_FOUND', details: { planId: 'nope' } } });
    const bare = createToolLayer('dashboard');
    const result = await bare.invoke('visualize-execution-graph', { planId: plan.id });
    expect(result).toMatchObject({ ok: false, error: { code: 'WORKFLOW_NOT_FOUND' } });
  });

  it('answers TASK_NOT_FOUND for a status or event naming a task the plan lacks', async () => {
    const layer = dashboard();
    expect(await layer.invoke('visualize-execution-graph', { plan, statuses: { ghost: 'failed' } })).toMatchObject({ ok: false, error: { code: 'TASK_NOT_FOUND' } });
    expect(await layer.invoke('visualize-execution-graph', { plan, events: [{ taskId: 'ghost', type: 'started', atMs: 0 }] })).toMatchObject({
      ok: false,
      error: { code: 'TASK_NOT_FOUND', details: { taskId: 'ghost' } },
    });
  });

  it('refuses a plan with an unknown dependency or a cycle, and both or neither of plan and planId', async () => {
    const layer = dashboard();
    for (const params of [
      { plan: { tasks: [{ id: 'a', dependsOn: ['x'] }] } },
      { plan: { tasks: [{ id: 'a', dependsOn: ['b'] }, { id: 'b', dependsOn: ['a'] }] } },
      { plan, planId: plan.id },
      {},
    ]) {
      expect(await layer.invoke('visualize-execution-graph', params)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
  });
});

describe('performance-report', () => {
  it('compares the makespan with the prediction and reports busy time per agent and the slowest tasks', async () => {
    const events = [
      { taskId: 'fetch', type: 'started', atMs: 0, agentId: 'w1' },
      { taskId: 'fetch', type: 'failed', atMs: 40 },
      { taskId: 'fetch', type: 'started', atMs: 40, agentId: 'w2' },
      { taskId: 'fetch', type: 'completed', atMs: 160 },
      { taskId: 'parse', type: 'started', atMs: 160 },
      { taskId: 'parse', type: 'completed', atMs: 200 },
      { taskId: 'report', type: 'started', atMs: 200, agentId: 'w1' },
      { taskId: 'report', type: 'completed', atMs: 220 },
    ];
    const result = await dashboard().invoke('performance-report', { planId: plan.id, events, top: 2 });
    expect(result.ok && result.type).toBe('report');
    const out = data(result);
    expect(out).toMatchObject({ planId: plan.id, state: 'completed', progress: 1, predictedMakespanMs: 160, actualMakespanMs: 220, makespanRatio: 220 / 160, onSchedule: false });
    expect(out.agents).toEqual([
      { agentId: 'w2', busyMs: 120, attempts: 1, utilization: 120 / 220 },
      { agentId: 'w1', busyMs: 60, attempts: 2, utilization: 60 / 220 },
      { agentId: '(unassigned)', busyMs: 40, attempts: 1, utilization: 40 / 220 },
    ]);
    expect(out.slowestTasks).toEqual([
      { taskId: 'fetch', durationMs: 160, plannedMs: 100, overrunMs: 60 },
      { taskId: 'parse', durationMs: 40, plannedMs: 50, overrunMs: -10 },
    ]);
  });

  it('reports a run in progress up to now, counting open attempts until now', async () => {
    const events = [{ taskId: 'fetch', type: 'started', atMs: 10, agentId: 'w1' }, { taskId: 'parse', type: 'completed', atMs: 5 }];
    const out = data(await dashboard().invoke('performance-report', { plan, events, nowMs: 50 }));
    expect(out).toMatchObject({ state: 'running', actualMakespanMs: 50 });
    expect(out.agents).toEqual([{ agentId: 'w1', busyMs: 40, attempts: 1, utilization: 0.8 }]);
  });

  it('handles an empty run and a zero-length plan without dividing by zero', async () => {
    const instant = createIntelligenceScheduler().planExecution({ tasks: [{ id: 'noop' }] });
    const out = data(await dashboard().invoke('performance-report', { plan: instant }));
    expect(out).toMatchObject({ state: 'pending', actualMakespanMs: 0, makespanRatio: null, agents: [], slowestTasks: [] });
  });

  it('answers TASK_NOT_FOUND for an event naming an unknown task', async () => {
    const result = await dashboard().invoke('performance-report', { plan, events: [{ taskId: 'ghost', type: 'started', atMs: 0 }] });
    expect(result).toMatchObject({ ok: false, error: { code: 'TASK_NOT_FOUND' } });
  });
});

describe('agent-status-report', () => {
  const agent = (agentId: string, overrides: Partial<AgentState> = {}): AgentState => ({
    ...initialAgentState(agentId, 0),
    avgLatencyMs: 10,
    ...overrides,
  });

  it('derives health from circuit, status and failure streaks', () => {
    expect(agentHealth(agent('a'))).toBe('healthy');
    expect(agentHealth(agent('a', { circuit: 'open' }))).toBe('unhealthy');
    expect(agentHealth(agent('a', { status: 'broken' }))).toBe('unhealthy');
    expect(agentHealth(agent('a', { circuit: 'half-open' }))).toBe('degraded');
    expect(agentHealth(agent('a', { status: 'restarting' }))).toBe('degraded');
    expect(agentHealth(agent('a', { status: 'degraded' }))).toBe('degraded');
    expect(agentHealth(agent('a', { consecutiveFailures: 1 }))).toBe('degraded');
  });

  it('reports each agent with utilisation and success rate, and totals', async () => {
    const agents = [agent('b', { status: 'busy', activeTasks: 1, totalSuccesses: 3, totalFailures: 1 }), agent('a', { circuit: 'open' })];
    const result = await dashboard().invoke('agent-status-report', { agents, maxConcurrency: { b: 2 } });
    const out = data(result);
    expect(out.agents.map((a: { agentId: string }) => a.agentId)).toEqual(['a', 'b']);
    expect(out.agents[1]).toMatchObject({ health: 'healthy', utilization: 0.5, successRate: 0.75 });
    expect(out.agents[0]).toMatchObject({ health: 'unhealthy', utilization: 0, successRate: null });
    expect(out.summary).toEqual({ total: 2, healthy: 1, degraded: 0, unhealthy: 1, openCircuits: 1, meanUtilization: 0.25 });
    expect(data(await dashboard().invoke('agent-status-report', { agents: [] })).summary.meanUtilization).toBe(0);
  });
});

describe('metric-summary', () => {
  it('summarises a series with nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize('s', values)).toEqual({ name: 's', count: 100, mean: 50.5, stddev: Math.sqrt((100 ** 2 - 1) / 12), min: 1, max: 100, p50: 50, p95: 95, p99: 99 });
    expect(summarize('one', [7])).toMatchObject({ p50: 7, p99: 7, stddev: 0 });
    expect(summarize('none', [])).toEqual({ name: 'none', count: 0, mean: null, stddev: null, min: null, max: null, p50: null, p95: null, p99: null });
  });

  it('summarises one series or several named ones through the tool, refusing non-finite values', async () => {
    const layer = dashboard();
    expect(data(await layer.invoke('metric-summary', { series: [1, 2, 3, 4] })).summaries[0]).toMatchObject({ name: 'series', mean: 2.5, p50: 2, p95: 4 });
    const named = data(await layer.invoke('metric-summary', { series: { latency: [5], errors: [] } })).summaries;
    expect(named.map((s: { name: string }) => s.name)).toEqual(['latency', 'errors']);
    expect(await layer.invoke('metric-summary', { series: [1, null] })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});

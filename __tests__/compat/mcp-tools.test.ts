import { toolErrorResponseSchema } from '../../src/compat/tool-errors';
import { createOrchestrationMcpServer } from '../../src/compat/mcp-tools/server';
import { createTaskStore } from '../../src/compat/mcp-tools/tasks';
import {
  createOrchestrationLayer,
  createOrchestrationTools,
  orchestrationMcpTools,
  processMonitoringTool,
  taskManagementTool,
  workflowOrchestrationTool,
} from '../../src/compat/mcp-tools/tools';
import { executeWorkflow } from '../../src/compat/mcp-tools/workflow';
import { connectInMemory, textJson } from '../tools/mcp/fixtures/layers';

const step = (id: string, agent: string, ms = 100) => ({ id, name: `step ${id}`, description: `does ${id}`, agent, estimatedDurationMs: ms });
const agent = (id: string, capabilities: string[], extra: Record<string, unknown> = {}) => ({ id, name: `Agent ${id}`, capabilities, ...extra });
const WORKFLOW = {
  workflowId: 'wf-docs',
  workflowName: 'Docs release',
  goal: 'Ship the docs',
  steps: [step('draft', 'write'), step('review', 'review', 50), step('publish', 'Agent pub', 10)],
  agents: [agent('writer', ['write']), agent('reviewer', ['review']), agent('pub', []), agent('ghost', ['write'], { status: 'offline' })],
};

async function call(tool: { handler(p: unknown): Promise<{ content: { text: string }[]; isError?: true }> }, params: unknown) {
  const response = await tool.handler(params);
  return { response, body: JSON.parse(response.content[0]?.text ?? 'null') };
}

describe('the current package surface', () => {
  it('exports the three tools in order with names, descriptions and Zod schemas', () => {
    expect(orchestrationMcpTools.map((t) => t.name)).toEqual(['orchestration.workflow.execute', 'orchestration.task.manage', 'orchestration.process.monitor']);
    expect(orchestrationMcpTools).toEqual([workflowOrchestrationTool, taskManagementTool, processMonitoringTool]);
    for (const t of orchestrationMcpTools) {
      expect(t.description.length).toBeGreaterThan(10);
      expect(typeof t.inputSchema.safeParse).toBe('function');
    }
  });

  it('answers with content, metadata { correlationId, timestamp, tool } and isError with a schema-valid tool error', async () => {
    const ok = await taskManagementTool.handler({ task: { title: 'hello' } });
    expect(ok.metadata).toEqual({ correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/), timestamp: expect.any(String), tool: 'orchestration.task.manage' });
    expect(ok.isError).toBeUndefined();
    const bad = await taskManagementTool.handler({ action: 'explode', task: {} }, { correlationId: 'corr-1' });
    expect(bad).toMatchObject({ isError: true, metadata: { correlationId: 'corr-1' } });
    const error = JSON.parse(bad.content[0]?.text as string);
    expect(toolErrorResponseSchema.parse(error)).toMatchObject({ code: 'INVALID_INPUT' });
    expect(error.message).toContain('action');
    expect(error.message).toContain('task.title');
  });
});

describe('orchestration.workflow.execute', () => {
  it.each([
    ['workflowName', { workflowName: undefined }],
    ['workflowId', { workflowId: 'ab' }],
    ['goal', { goal: 'x'.repeat(4097) }],
    ['steps', { steps: [] }],
    ['steps', { steps: Array.from({ length: 51 }, (_, i) => step(`s${i}`, 'write')) }],
    ['agents', { agents: [] }],
    ['agents', { agents: Array.from({ length: 33 }, (_, i) => agent(`a${i}`, [])) }],
    ['agents[0].role', { agents: [agent('a', [], { role: 'boss' })] }],
    ['agents[0].status', { agents: [agent('a', [], { status: 'asleep' })] }],
    ['steps[0].status', { steps: [{ ...step('a', 'x'), status: 'done' }] }],
    ['steps[0].agent', { steps: [{ ...step('a', 'x'), agent: '' }] }],
    ['priority', { priority: 11 }],
    ['strategy', { strategy: 'chaotic' }],
  ])('refuses a bad %s, naming it', async (field, change) => {
    const { response, body } = await call(workflowOrchestrationTool, { ...WORKFLOW, ...change });
    expect(response.isError).toBe(true);
    expect(body.code).toBe('INVALID_INPUT');
    expect(body.message).toContain(field);
  });

  it('plans the steps in order on the real scheduler and assigns them by capability, never to offline agents', async () => {
    const { response, body } = await call(workflowOrchestrationTool, { ...WORKFLOW, priority: 7, metadata: { team: 'docs' } });
    expect(response.isError).toBeUndefined();
    expect(body.workflowId).toBe('wf-docs');
    expect(body.plan.order).toEqual(['draft', 'review', 'publish']);
    const at = Object.fromEntries(body.plan.schedule.map((s: { taskId: string }) => [s.taskId, s]));
    expect(at.review.startMs).toBeGreaterThanOrEqual(at.draft.endMs);
    expect(at.publish.startMs).toBeGreaterThanOrEqual(at.review.endMs);
    expect(body.plan.makespanMs).toBe(160);
    const who = Object.fromEntries(body.assignment.assignments.map((a: { taskId: string; agentId: string }) => [a.taskId, a.agentId]));
    expect(who).toEqual({ draft: 'writer', review: 'reviewer', publish: 'pub' });
    expect(body.agents).toEqual({ eligible: ['writer', 'reviewer', 'pub'], excluded: [{ id: 'ghost', reason: 'offline' }] });
    expect(body.steps[2]).toMatchObject({ id: 'publish', requires: 'agent:pub', assignedAgent: 'pub', dependsOn: ['review'], status: 'pending' });
  });

  it('leaves a step unassigned when only offline agents can do it, and prefers available over busy agents', async () => {
    const { body } = await call(workflowOrchestrationTool, {
      ...WORKFLOW,
      workflowId: undefined,
      steps: [step('a', 'write'), step('b', 'planner'), step('c', 'translate')],
      agents: [agent('busy', ['write'], { status: 'busy' }), agent('free', ['write'], { role: 'planner' }), agent('gone', ['translate'], { status: 'offline' })],
    });
    expect(body.workflowId).toBe(body.plan.id);
    expect(body.assignment.assignments.map((a: { agentId: string }) => a.agentId)).toEqual(['free', 'free']);
    expect(body.assignment.unassigned).toEqual([{ taskId: 'c', reason: expect.stringContaining('translate') }]);
  });

  it('runs independent steps together when context says so, and follows explicit dependencies', async () => {
    const agents = [agent('w1', ['write']), agent('w2', ['write'])];
    const parallel = await call(workflowOrchestrationTool, { ...WORKFLOW, strategy: 'parallel', steps: [step('a', 'write'), step('b', 'write')], agents, context: { parallel: true } });
    expect(parallel.body.plan.strategy).toBe('parallel');
    expect(parallel.body.plan.schedule.map((s: { startMs: number }) => s.startMs)).toEqual([0, 0]);
    const explicit = await call(workflowOrchestrationTool, {
      ...WORKFLOW,
      strategy: 'hierarchical',
      steps: [step('a', 'write'), step('b', 'write'), step('c', 'write')],
      agents,
      context: { dependencies: { c: ['a', 'b', 'a'] }, note: 'kept' },
    });
    expect(explicit.body.plan.strategy).toBe('parallel-coordinated');
    expect(explicit.body.steps.map((s: { dependsOn: string[] }) => s.dependsOn)).toEqual([[], [], ['a', 'b']]);
    const sequential = await call(workflowOrchestrationTool, { ...WORKFLOW, strategy: 'sequential', steps: [{ ...step('a', 'write'), status: 'completed' }, step('b', 'write')] });
    expect(sequential.body.plan).toMatchObject({ strategy: 'sequential-safe', makespanMs: 100 });
  });

  it('plans with every agent offline (all steps unassigned) and with its own scheduler when none is given', () => {
    const result = executeWorkflow({ ...WORKFLOW, agents: [agent('off', ['write'], { status: 'offline' })] } as never);
    expect(result.agents).toEqual({ eligible: [], excluded: [{ id: 'off', reason: 'offline' }] });
    expect(result.assignment.assignments).toEqual([]);
    expect(result.assignment.unassigned.map((u) => u.taskId)).toEqual(['draft', 'review', 'publish']);
  });

  it.each([
    ['a dependency on an unknown step', { context: { dependencies: { draft: ['nowhere'] } } }, 'nowhere'],
    ['dependencies of an unknown step', { context: { dependencies: { nowhere: [] } } }, "context.dependencies names step 'nowhere'"],
    ['a cycle', { context: { dependencies: { draft: ['review'], review: ['draft'] } } }, 'cycle'],
    ['a duplicate step id', { steps: [step('a', 'write'), step('a', 'write')] }, "step id 'a'"],
    ['a duplicate agent id', { agents: [agent('a', []), agent('a', [])] }, "agent id 'a'"],
  ])('refuses %s with INVALID_INPUT', async (_what, change, text) => {
    const { response, body } = await call(workflowOrchestrationTool, { ...WORKFLOW, ...change });
    expect(response.isError).toBe(true);
    expect(body.code).toBe('INVALID_INPUT');
    expect(body.message).toContain(text);
  });
});

describe('orchestration.task.manage', () => {
  it('creates, progresses and completes a task, then refuses to move it out of completed', async () => {
    const { taskManagementTool: tool } = createOrchestrationTools({ tasks: createTaskStore({ now: () => new Date(0) }) });
    const created = await call(tool, { task: { id: 't1', title: 'Write', tags: ['docs'], assignee: 'writer', description: 'd' }, audit: { actor: 'me', reason: 'start' } });
    expect(created.body).toMatchObject({ action: 'create', task: { id: 't1', status: 'pending', priority: 'medium', tags: ['docs'], createdAt: '1970-01-01T00:00:00.000Z' } });
    expect(created.body.task.history).toEqual([{ action: 'create', to: 'pending', at: '1970-01-01T00:00:00.000Z', actor: 'me', reason: 'start' }]);
    const progressed = await call(tool, { action: 'progress', task: { id: 't1', title: 'Write' }, progress: { current: 1, total: 3, message: 'a third' } });
    expect(progressed.body.task).toMatchObject({ status: 'in_progress', progress: { current: 1, total: 3, percentage: 33, message: 'a third' } });
    const done = await call(tool, { action: 'complete', task: { id: 't1', title: 'Write' }, audit: { actor: 'me' } });
    expect(done.body.task.status).toBe('completed');
    const again = await call(tool, { action: 'fail', task: { id: 't1', title: 'Write' } });
    expect(again.response.isError).toBe(true);
    expect(again.body).toMatchObject({ code: 'INVALID_INPUT', details: { from: 'completed', to: 'failed', allowed: [] } });
  });

  it('updates fields and status along allowed transitions only', async () => {
    const { taskManagementTool: tool } = createOrchestrationTools();
    await call(tool, { task: { id: 'u', title: 'Old', metadata: { a: 1 } } });
    const updated = await call(tool, { action: 'update', task: { id: 'u', title: 'New', priority: 'high', status: 'in_progress', tags: ['x'], metadata: { b: 2 }, assignee: 'z', description: 'more' } });
    expect(updated.body.task).toMatchObject({ title: 'New', priority: 'high', status: 'in_progress', tags: ['x'], metadata: { a: 1, b: 2 }, assignee: 'z', description: 'more' });
    const back = await call(tool, { action: 'update', task: { id: 'u', title: 'New', status: 'pending' } });
    expect(back.body).toMatchObject({ code: 'INVALID_INPUT', details: { from: 'in_progress', to: 'pending' } });
    const kept = await call(tool, { action: 'update', task: { id: 'u', title: 'Same' } });
    expect(kept.body.task.status).toBe('in_progress');
    expect((await call(tool, { action: 'cancel', task: { id: 'u', title: 'x' } })).body.task.status).toBe('cancelled');
  });

  it.each([
    ['an unknown id', { action: 'complete', task: { id: 'missing', title: 'x' } }, 'TASK_NOT_FOUND'],
    ['no id', { action: 'complete', task: { title: 'x' } }, 'INVALID_INPUT'],
    ['progress without progress', { action: 'progress', task: { id: 'p', title: 'x' } }, 'INVALID_INPUT'],
    ['progress past its total', { action: 'progress', task: { id: 'p', title: 'x' }, progress: { current: 4, total: 3 } }, 'INVALID_INPUT'],
    ['a duplicate create', { task: { id: 'p', title: 'x' } }, 'INVALID_INPUT'],
    ['a bad priority', { task: { title: 'x', priority: 'urgent' } }, 'INVALID_INPUT'],
  ])('refuses %s', async (_what, params, code) => {
    const { taskManagementTool: tool } = createOrchestrationTools();
    await call(tool, { task: { id: 'p', title: 'x' } });
    const { body } = await call(tool, params);
    expect(body.code).toBe(code);
  });

  it('bounds the store and each task history', async () => {
    const store = createTaskStore({ maxTasks: 1 });
    store.apply({ action: 'create', task: { id: 'a', title: 'a', priority: 'low' } });
    expect(() => store.apply({ action: 'create', task: { title: 'b', priority: 'low' } })).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    for (let i = 0; i < 120; i++) store.apply({ action: 'update', task: { id: 'a', title: `a${i}`, priority: 'low' } });
    expect(store.get('a')?.history).toHaveLength(100);
    expect(store.get('nope')).toBeUndefined();
    expect(store.size()).toBe(1);
  });
});

describe('createOrchestrationMcpServer', () => {
  it('builds with defaults', () => {
    expect(createOrchestrationMcpServer().layer.getAvailableTools()).toHaveLength(3);
    expect(createOrchestrationLayer().level).toBe('dashboard');
  });

  it('serves the three tools through a dashboard layer gate to a real MCP client', async () => {
    const { server, layer } = createOrchestrationMcpServer({ caller: 'dash' });
    const { client, close } = await connectInMemory(server);
    expect((await client.listTools()).tools.map((t) => [t.name, t.annotations?.readOnlyHint])).toEqual([
      ['orchestration.workflow.execute', true],
      ['orchestration.task.manage', false],
      ['orchestration.process.monitor', true],
    ]);
    const created = await client.callTool({ name: 'orchestration.task.manage', arguments: { task: { id: 'm1', title: 'via mcp' } } });
    expect(textJson(created)).toMatchObject({ task: { id: 'm1', status: 'pending' } });
    const missing = await client.callTool({ name: 'orchestration.task.manage', arguments: { action: 'complete', task: { id: 'zz', title: 'x' } } });
    expect(missing.isError).toBe(true);
    expect(textJson(missing)).toMatchObject({ code: 'TASK_NOT_FOUND' });
    const plan = await client.callTool({ name: 'orchestration.workflow.execute', arguments: WORKFLOW });
    expect(textJson(plan).plan.order).toEqual(['draft', 'review', 'publish']);
    expect(layer.audit.entries().map((e) => e.actor)).toEqual(['dash', 'dash', 'dash']);
    await close();
  });
});

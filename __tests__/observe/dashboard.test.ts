import { request as httpRequest } from 'node:http';
import { MemorySaver } from '@langchain/langgraph';
import { createAgentNetwork } from '../../src/network/index';
import { createToolLayer } from '../../src/tools/index';
import {
  createDashboardHub,
  DASHBOARD_PUSH_INTERVAL_MS,
  MAX_TASKS_SERVED,
  NoDashboardMetricsSchema,
  serveDashboard,
  watchAlerts,
  type DashboardServer,
  type RunView,
} from '../../src/observe/index';
import { loopWith, request, sleeper, thread } from '../loop/helpers';
import type { AgentDefinition } from '../../src/loop/index';

const servers: DashboardServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: Parameters<typeof serveDashboard>[0]): Promise<DashboardServer> {
  const server = await serveDashboard({ port: 0, ...options });
  servers.push(server);
  return server;
}

const getJson = async <T = Record<string, unknown>>(url: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
};

/** Fails its first attempt at every task with a transient 503, then succeeds. */
const flaky = (id: string, capability: string): AgentDefinition => ({
  id,
  capabilities: [capability],
  run: async (input, ctx) => {
    if (ctx.attempt === 1) throw Object.assign(new Error('busy (503)'), { status: 503 });
    return input;
  },
});

const tasks = [
  { id: 'a', capability: 'work', input: 1, estimatedDurationMs: 10 },
  { id: 'b', capability: 'work', dependsOn: ['a'], input: 2, estimatedDurationMs: 10 },
  { id: 'c', capability: 'review', dependsOn: ['a'], input: 3, retries: 2, estimatedDurationMs: 20 },
  { id: 'd', capability: 'work', dependsOn: ['b', 'c'], input: 4, estimatedDurationMs: 10 },
];

describe('serveDashboard', () => {
  it('follows a run from its events: plan, attempts with the retry, the critical path and the end', async () => {
    const { loop } = loopWith([sleeper('w1', ['work'], 2), flaky('r1', 'review')], { checkpointer: new MemorySaver() });
    const server = await serve({ loops: { main: loop } });
    const config = thread();
    await loop.invoke(request(tasks), config);

    const { body } = await getJson<{ runs: Array<{ runId: string; status: string; threadId: string; completed: number; tasks: number; loop: string }> }>(`${server.url}/api/runs`);
    expect(body.runs).toHaveLength(1);
    const summary = body.runs[0]!;
    expect(summary).toMatchObject({ status: 'completed', threadId: config.configurable.thread_id, completed: 4, tasks: 4, loop: 'main' });

    const { body: detail } = await getJson<{ now: number; run: RunView }>(`${server.url}/api/run?id=${summary.runId}`);
    const run = detail.run;
    expect(run.order).toEqual(['a', 'b', 'c', 'd']);
    expect(run.tasksById['d']!.dependsOn).toEqual(['b', 'c']);
    expect(run.criticalPath[0]).toBe('a');
    expect(run.criticalPath.at(-1)).toBe('d');
    expect(run.tasksById['c']!.attempts.map((a) => [a.attempt, a.agentId, a.outcome])).toEqual([
      [1, 'r1', 'failed'],
      [2, 'r1', 'completed'],
    ]);
    expect(run.tasksById['c']!.attempts[0]!.error).toBe('busy (503)');
    expect(run.tasksById['c']!.recoveries).toEqual(['retry-with-backoff']);
    for (const task of Object.values(run.tasksById)) {
      expect(task.status).toBe('completed');
      const last = task.attempts.at(-1)!;
      expect(last.endedAt).toBeGreaterThanOrEqual(last.startedAt);
    }
    expect(run.planRatio).toBeGreaterThanOrEqual(1);
    expect(run.endedAt).toBeDefined();
    expect((await getJson(`${server.url}/api/run?id=nope`)).status).toBe(404);
  });

  it('answers NoDashboardMetrics with the pool, tools, network and health', async () => {
    const { loop } = loopWith([sleeper('w1', ['work'], 2), flaky('r1', 'review')], { checkpointer: new MemorySaver() });
    const tools = createToolLayer('primitive');
    const network = createAgentNetwork();
    const server = await serve({ loops: { main: loop }, toolLayers: [tools], networks: [network] });
    await loop.invoke(request(tasks), thread());
    await tools.invoke('hash', { text: 'x' });
    await tools.invoke('hash', { text: 42 });
    network.registry.register({ id: 'a', capabilities: [] });
    network.registry.register({ id: 'b', capabilities: [] });
    network.subscribeToAgent('b', () => undefined);
    await network.sendMessage('a', 'b', { type: 'note', payload: 'hi' });
    network.simulatePartition(['a'], ['b']);

    const { status, body } = await getJson(`${server.url}/api/metrics`);
    expect(status).toBe(200);
    const metrics = NoDashboardMetricsSchema.parse(body);
    expect(metrics.scheduler).toMatchObject({ runsLive: 0, runsFinished: 1, retries: 1 });
    expect(metrics.scheduler.tasksByStatus.completed).toBe(4);
    expect(metrics.scheduler.runsByStatus.completed).toBe(1);
    expect(metrics.agents.agents.find((a) => a.id === 'r1')).toMatchObject({ loop: 'main', failures: 1, successes: 1, circuit: 'closed' });
    expect(metrics.tools).toMatchObject({ calls: 2, errors: 1, errorRate: 0.5 });
    expect(metrics.tools.tools).toEqual([expect.objectContaining({ layer: 'primitive', tool: 'hash', calls: 2, errors: 1 })]);
    expect(metrics.tools.tools[0]!.p95LatencyMs).not.toBeNull();
    expect(metrics.network).toMatchObject({ networks: 1, partitioned: true, partitions: [['a'], ['b']] });
    expect(metrics.network.latencyP95Ms).not.toBeNull();
    expect(metrics.systemHealth).toMatchObject({ status: 'healthy', ready: true, reasons: [] });

    loop.pool.breaker('w1').isolate();
    const degraded = NoDashboardMetricsSchema.parse((await getJson(`${server.url}/api/metrics`)).body);
    expect(degraded.agents.openCircuits).toBe(1);
    expect(degraded.systemHealth.status).toBe('degraded');
    network.close();
  });

  it('reads a run\'s history and the loop\'s state at an earlier checkpoint (time travel)', async () => {
    const { loop } = loopWith([sleeper('w1', ['work'], 2), flaky('r1', 'review')], { checkpointer: new MemorySaver() });
    const server = await serve({ loops: [loop] });
    await loop.invoke(request(tasks), thread());
    const runId = server.hub.runs()[0]!.runId;
    const { body } = await getJson<{ checkpoints: Array<{ checkpointId: string; step: number; next: string[] }> }>(`${server.url}/api/history?run=${runId}`);
    const steps = body.checkpoints.map((c) => c.step);
    expect(steps).toEqual([...steps].sort((x, y) => y - x));
    const latest = body.checkpoints[0]!;
    const planned = body.checkpoints.find((c) => c.next.includes('coordinator'))!;
    const now = await getJson<{ status: string; tasksByStatus: Record<string, number> }>(`${server.url}/api/history?run=${runId}&checkpoint=${latest.checkpointId}`);
    const then = await getJson<{ status: string; tasksByStatus: Record<string, number>; next: string[] }>(`${server.url}/api/history?run=${runId}&checkpoint=${planned.checkpointId}`);
    expect(now.body).toMatchObject({ status: 'completed', tasksByStatus: { completed: 4 } });
    expect(then.body).toMatchObject({ status: 'running', tasksByStatus: {}, next: ['coordinator'] });

    expect((await getJson(`${server.url}/api/history?run=${runId}&checkpoint=not-a-checkpoint`)).status).toBe(404);
    expect((await getJson(`${server.url}/api/history?run=unknown`)).status).toBe(404);
  });

  it('pushes a change over server-sent events while a run goes on, at most every 250 ms', async () => {
    const { loop } = loopWith([sleeper('w1', ['work'], 2), flaky('r1', 'review')], { checkpointer: new MemorySaver() });
    const server = await serve({ loops: { main: loop } });
    const arrivals: number[] = [];
    const stream = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      httpRequest(`${server.url}/events`, (res) => resolve(res)).on('error', reject).end();
    });
    expect(stream.headers['content-type']).toContain('text/event-stream');
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      for (const _ of chunk.matchAll(/event: change\ndata: \d+\n\n/g)) arrivals.push(Date.now());
    });
    // Six tasks of 150 ms, two at a time: about 450 ms of events.
    const slow = Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, capability: 'work', input: { ms: 150 } }));
    await loop.invoke(request(slow), thread());
    await new Promise((r) => setTimeout(r, 300));
    expect(arrivals.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(DASHBOARD_PUSH_INTERVAL_MS - 15);
    stream.destroy();
  });

  it('serves the page, its script and style with a strict content security policy, and only GET', async () => {
    const { loop } = loopWith([sleeper('w1')]);
    const server = await serve({ loops: { main: loop } });
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script src="app.js" defer></script>');
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(`${server.url}/app.js`)).headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${server.url}/app.css`)).headers.get('content-type')).toContain('text/css');
    expect((await fetch(`${server.url}/api/runs`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('needs a token beyond loopback and refuses requests without it', async () => {
    const { loop } = loopWith([sleeper('w1')]);
    await expect(serveDashboard({ loops: { main: loop }, host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    const server = await serve({ loops: { main: loop }, token: 'a-long-enough-secret-token' });
    expect((await fetch(`${server.url}/api/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/metrics`, { headers: { authorization: 'Bearer a-long-enough-secret-token' } })).status).toBe(200);
  });

  it('signs a browser in with the token once (POST, never in a URL) and keeps it in by a session cookie', async () => {
    const { loop } = loopWith([sleeper('w1')]);
    const token = 'a-long-enough-secret-token';
    const server = await serve({ loops: { main: loop }, token });
    const home = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('login');
    const form = await fetch(`${server.url}/login`);
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('<label for="token">Token</label>');
    expect(html).toContain('type="password"');
    const post = (body: string) => fetch(`${server.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

    const wrong = await post('token=guess-guess-guess-guess');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('guess-guess');
    expect((await post(`token=${'x'.repeat(5_000)}`)).status).toBe(401);

    const signedIn = await post(`token=${token}`);
    expect(signedIn.status).toBe(303);
    const cookie = signedIn.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^no_dashboard_session=[\w-]+; HttpOnly; SameSite=Strict; Path=\/$/);
    expect(cookie).not.toContain(token);
    const session = cookie.split(';')[0]!;
    expect((await fetch(`${server.url}/api/metrics`, { headers: { cookie: session } })).status).toBe(200);
    expect((await fetch(`${server.url}/`, { headers: { cookie: session } })).status).toBe(200);
    // A forged or altered cookie is no session; the sign-in form is the only thing that takes a POST.
    expect((await fetch(`${server.url}/api/metrics`, { headers: { cookie: `${session.slice(0, -2)}AA` } })).status).toBe(401);
    expect((await fetch(`${server.url}/api/metrics`, { headers: { cookie: 'no_dashboard_session=' } })).status).toBe(401);
    expect((await fetch(`${server.url}/api/runs`, { method: 'POST', headers: { cookie: session } })).status).toBe(405);
    expect((await fetch(`${server.url}/login`, { method: 'PUT' })).status).toBe(405);
    // A different token's session opens nothing.
    const other = await serve({ loops: { main: loop }, token: 'another-long-enough-token' });
    expect((await fetch(`${other.url}/api/metrics`, { headers: { cookie: session } })).status).toBe(401);
  });

  it('refuses what is not a loop, and no loops at all, saying what to pass', async () => {
    await expect(serveDashboard({ loops: {} })).rejects.toThrow(/at least one loop/);
    await expect(serveDashboard({ loops: { x: {} as never } })).rejects.toThrow(/loops.x is not a master loop/);
  });

  it('refuses viewers past maxViewers with 503', async () => {
    const { loop } = loopWith([sleeper('w1')]);
    const server = await serve({ loops: { main: loop }, maxViewers: 1 });
    const first = await new Promise<import('node:http').IncomingMessage>((resolve) => httpRequest(`${server.url}/events`, resolve).end());
    expect(first.statusCode).toBe(200);
    expect((await fetch(`${server.url}/events`)).status).toBe(503);
    first.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const again = await new Promise<import('node:http').IncomingMessage>((resolve) => httpRequest(`${server.url}/events`, resolve).end());
    expect(again.statusCode).toBe(200);
    again.destroy();
  });
});

describe('the dashboard hub bounds what it holds', () => {
  it('keeps at most maxRuns runs, dropping finished ones first, and stops drawing a run past maxEventsPerRun', async () => {
    const { loop } = loopWith([sleeper('w1', ['work'], 2), flaky('r1', 'review')], { checkpointer: new MemorySaver() });
    const hub = createDashboardHub({ loops: { main: loop }, maxRuns: 2, maxEventsPerRun: 10 });
    for (let i = 0; i < 4; i++) await loop.invoke(request(tasks), thread());
    const runs = hub.runs();
    expect(runs).toHaveLength(2);
    const run = hub.run(runs[0]!.runId)!;
    expect(run.truncated).toBe(true);
    expect(run.events).toBeGreaterThan(10);
    // Counts still follow every event past the limit.
    expect(run).toMatchObject({ status: 'completed', completed: 4 });
    expect(Object.values(run.tasksById).reduce((n, t) => n + t.attempts.length, 0)).toBeLessThan(5);
    hub.close();
  });

  it('sends at most MAX_TASKS_SERVED tasks of a huge run to the page, with the counts of all', async () => {
    const noop: AgentDefinition = { id: 'n', capabilities: ['work'], maxConcurrency: 64, run: async () => null };
    const { loop } = loopWith([noop], { checkpointer: new MemorySaver() });
    const server = await serve({ loops: { main: loop } });
    const many = Array.from({ length: MAX_TASKS_SERVED + 5 }, (_, i) => ({ id: `t${i}`, capability: 'work' }));
    await loop.invoke(request(many, { strategy: 'parallel' }), thread());
    const { body } = await getJson<{ run: RunView & { tasksOmitted: number } }>(`${server.url}/api/run?id=${server.hub.runs()[0]!.runId}`);
    expect(body.run.order).toHaveLength(MAX_TASKS_SERVED);
    expect(Object.keys(body.run.tasksById)).toHaveLength(MAX_TASKS_SERVED);
    expect(body.run).toMatchObject({ tasks: MAX_TASKS_SERVED + 5, completed: MAX_TASKS_SERVED + 5, tasksOmitted: 5 });
  }, 30_000);

  it('shows the alerts of its watcher, firing and resolved', async () => {
    const { loop } = loopWith([sleeper('w1')]);
    const alerts = watchAlerts({ loops: [loop], intervalMs: 0, thresholds: { openBreakers: 1 } });
    const hub = createDashboardHub({ loops: { main: loop }, alerts });
    loop.pool.breaker('w1').isolate();
    await alerts.check();
    expect(hub.alerts().firing.map((a) => a.name)).toEqual(['NoCircuitBreakersOpen']);
    loop.pool.breaker('w1').reset();
    await alerts.check();
    expect(hub.alerts()).toMatchObject({ firing: [], recent: [{ state: 'firing' }, { state: 'resolved' }] });
    hub.close();
    alerts.close();
  });
});

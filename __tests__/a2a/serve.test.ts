/** serveAgentOverA2A in-process, driven by the SDK's own client: options, edge cases, telemetry. */
import { request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import { createPoolAgentExecutor, serveAgentOverA2A, type A2AServerHandle } from '../../src/a2a/index';
import type { AgentDefinition, AgentRunContext } from '../../src/loop/index';
import { createAuditTrail } from '../../src/telemetry/index';
import { installTestTelemetry } from '../helpers/otel';
import { TaskState, type AgentExecutionEvent, type Part, type StreamResponse } from './fixtures/sdk';
import { dataPart, textPart } from './fixtures/sdk-app';
import { messageRequest, rejection, sdkClient, sendForTask } from './helpers';

jest.mock('jose', () => jest.requireActual('./fixtures/jose-stub'));

const servers: A2AServerHandle[] = [];
async function serve(agent: AgentDefinition, options: Parameters<typeof serveAgentOverA2A>[1] = {}): Promise<A2AServerHandle> {
  const handle = await serveAgentOverA2A(agent, options);
  servers.push(handle);
  return handle;
}
afterAll(() => Promise.all(servers.map((s) => s.close())));

const echo: AgentDefinition = { id: 'echo', capabilities: ['echo'], run: (input) => input };
const never = (): Promise<never> => new Promise<never>(() => undefined);

/** GET with an explicit Host header (fetch does not let one set it). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const failedText = (task: { status?: { message?: { parts: Part[] } } }): string => JSON.stringify(task.status?.message?.parts);

describe('serveAgentOverA2A', () => {
  it('listens on an ephemeral localhost port and names the card after the agent by default', async () => {
    const server = await serve(echo);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.agentCard.name).toBe('echo');
    expect(server.agentCard.supportedInterfaces.map((i) => [i.url, i.protocolVersion])).toEqual([[`${server.url}/a2a`, '1.0'], [`${server.url}/a2a`, '0.3']]);
    const task = await sendForTask(await sdkClient(server.url), [dataPart([1, 'two'])]);
    expect(task.artifacts[0]!.parts[0]!.content).toEqual({ $case: 'data', value: [1, 'two'] });
  });

  it('returns null output as a JSON part and passes null input through', async () => {
    const server = await serve(echo);
    const task = await sendForTask(await sdkClient(server.url), [dataPart(null)]);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.artifacts[0]!.parts[0]).toMatchObject({ mediaType: 'application/json' });
    expect(task.artifacts[0]!.parts[0]!.content).toBeUndefined();
  });

  it('also answers A2A v0.3 clients (message/send, tasks/get, the v0.3 card) unless legacyV03 is false', async () => {
    const rpc = async (url: string, method: string, params: unknown): Promise<{ result?: Record<string, unknown>; error?: { code: number } }> => {
      const res = await fetch(`${url}/a2a`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
      return (await res.json()) as { result?: Record<string, unknown>; error?: { code: number } };
    };
    const v03 = { message: { kind: 'message', messageId: 'm-1', role: 'user', parts: [{ kind: 'data', data: { legacy: true } }] } };
    const server = await serve(echo);
    const card = (await (await fetch(`${server.url}/.well-known/agent-card.json`)).json()) as Record<string, unknown>;
    expect(card).toMatchObject({ name: 'echo', url: `${server.url}/a2a`, protocolVersion: '0.3' });
    const sent = await rpc(server.url, 'message/send', v03);
    expect(sent.result).toMatchObject({ kind: 'task', status: { state: 'completed' }, artifacts: [{ parts: [{ kind: 'data', data: { legacy: true } }] }] });
    expect((await rpc(server.url, 'tasks/get', { id: sent.result!['id'] })).result).toMatchObject({ status: { state: 'completed' } });

    const modern = await serve(echo, { legacyV03: false });
    expect(modern.agentCard.supportedInterfaces.map((i) => i.protocolVersion)).toEqual(['1.0']);
    // The SDK logs the refused version itself.
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    expect((await rpc(modern.url, 'message/send', v03)).error).toMatchObject({ message: expect.stringMatching(/version '0\.3' is not supported/) });
    expect(logged).toHaveBeenCalled();
    logged.mockRestore();
  });

  it('refuses requests whose Host header is not allowed (DNS rebinding), and accepts the public URL host', async () => {
    const local = await serve(echo);
    const card = `${local.url}/.well-known/agent-card.json`;
    expect(await getWithHost(card, 'evil.example')).toBe(403);
    expect(await getWithHost(card, 'localhost:1234')).toBe(200);
    expect(await getWithHost(card, 'not a host')).toBe(403);

    const port = await freePort();
    const proxied = await serve(echo, { port, publicUrl: 'http://agents.example:8080/calc/' });
    expect(proxied.url).toBe('http://agents.example:8080/calc');
    expect(proxied.agentCard.supportedInterfaces[0]!.url).toBe('http://agents.example:8080/calc/a2a');
    expect(await getWithHost(`http://127.0.0.1:${port}/.well-known/agent-card.json`, 'agents.example:8080')).toBe(200);
  });

  it('refuses a request without a Host header (HTTP/1.0)', async () => {
    const server = await serve(echo);
    const { port } = new URL(server.url);
    const reply = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = connect(Number(port), '127.0.0.1', () => socket.end('GET /.well-known/agent-card.json HTTP/1.0\r\n\r\n'));
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 403/);
    expect(reply).toContain('Invalid Host header: (none)');
  });

  it('serves on IPv6 with the address bracketed in its URL', async () => {
    const server = await serve(echo, { host: '::1' });
    expect(server.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    expect((await sendForTask(await sdkClient(server.url), [textPart('v6')])).status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('takes an explicit allowedHosts list instead of the defaults', async () => {
    const server = await serve(echo, { allowedHosts: ['agents.example', '[::1]', 'Not A Host'] });
    // The URL still names 127.0.0.1, which the list leaves out.
    expect(await getWithHost(`${server.url}/.well-known/agent-card.json`, '127.0.0.1')).toBe(403);
    expect(await getWithHost(`${server.url}/.well-known/agent-card.json`, 'agents.example')).toBe(200);
    expect(await getWithHost(`${server.url}/.well-known/agent-card.json`, 'AGENTS.example:99')).toBe(200);
  });

  it('gives the agent the caller task id, idempotency key, dependencies and thread from the message', async () => {
    const seen: AgentRunContext[] = [];
    const server = await serve({ id: 'spy', capabilities: ['spy'], run: (_input, ctx) => (seen.push(ctx), 'ok') });
    const client = await sdkClient(server.url);
    await sendForTask(client, [textPart('x')], {
      contextId: 'thread-7',
      metadata: { 'no.taskId': 'summarize', 'no.idempotencyKey': 'run-1:summarize', 'no.dependencies': { fetch: 'text' } },
    });
    const plain = await sendForTask(client, [textPart('y')], { metadata: { 'no.taskId': 'x'.repeat(300), 'no.dependencies': ['not', 'a', 'record'] } });
    expect(seen[0]).toMatchObject({ task: { id: 'summarize', input: 'x' }, idempotencyKey: 'run-1:summarize', dependencies: { fetch: 'text' }, threadId: 'thread-7', attempt: 1, agentId: 'spy' });
    expect(seen[1]).toMatchObject({ task: { id: plain.id }, dependencies: {}, threadId: plain.contextId });
    expect(seen[1]!.idempotencyKey).toEqual(expect.any(String));
    expect(seen[1]!.idempotencyKey).not.toBe(seen[0]!.idempotencyKey);
  });

  it('fails a task with no parts, an output JSON cannot carry, or an agent over its timeout, with the reason', async () => {
    const server = await serve({
      id: 'odd',
      capabilities: ['odd'],
      timeoutMs: 20,
      run: (input) => (input === 'bigint' ? 10n : input === 'slow' ? never() : input),
    });
    const client = await sdkClient(server.url);
    const empty = await sendForTask(client, []);
    expect(empty.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(failedText(empty)).toMatch(/message has no parts/);
    const big = await sendForTask(client, [textPart('bigint')]);
    expect(failedText(big)).toMatch(/agent 'odd' output is not JSON-serializable/);
    expect(big.status?.message?.metadata?.['no.error']).toMatchObject({ code: 'TASK_FAILED' });
    const slow = await sendForTask(client, [textPart('slow')]);
    expect(slow.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(failedText(slow)).toMatch(/timed out after 20 ms/);
  });

  it('refuses a follow-up message to an existing task, on send and on stream', async () => {
    // The SDK logs refused streams itself.
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const server = await serve(echo);
    const client = await sdkClient(server.url);
    const first = await sendForTask(client, [textPart('a')]);
    expect((await rejection(client.sendMessage(messageRequest([textPart('b')], { taskId: first.id })))).message).toMatch(/takes no follow-up messages/);
    const stream = async (): Promise<StreamResponse[]> => {
      const out: StreamResponse[] = [];
      for await (const e of client.sendMessageStream(messageRequest([textPart('b')], { taskId: first.id }))) out.push(e);
      return out;
    };
    expect((await rejection(stream())).message).toMatch(/takes no follow-up messages/);
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/^Pre-stream error/), expect.anything());
    logged.mockRestore();
  });

  it('ends a canceled task at once even when its agent ignores the signal, and audits every task', async () => {
    const audit = createAuditTrail();
    const server = await serve({ id: 'stubborn', capabilities: ['s'], run: (input) => (input === 'hang' ? never() : input === 'boom' ? Promise.reject(new Error('boom')) : 'ok') }, { audit });
    const client = await sdkClient(server.url);
    await sendForTask(client, [textPart('fine')], { metadata: { 'no.idempotencyKey': 'k-1' } });
    await sendForTask(client, [textPart('boom')]);
    let taskId = '';
    for await (const e of client.sendMessageStream(messageRequest([textPart('hang')]))) {
      if (e.payload?.$case === 'task') {
        taskId = e.payload.value.id;
        expect((await client.cancelTask({ tenant: '', id: taskId, metadata: undefined })).status?.state).toBe(TaskState.TASK_STATE_CANCELED);
      }
    }
    expect((await client.getTask({ tenant: '', id: taskId })).status?.message?.parts[0]?.content).toEqual({ $case: 'text', value: 'canceled by the A2A client' });
    expect(audit.entries().map((e) => [e.action, e.actor, e.outcome, e.details['state']])).toEqual([
      ['a2a.task', 'stubborn', 'success', 'completed'],
      ['a2a.task', 'stubborn', 'failure', 'failed'],
      ['a2a.task', 'stubborn', 'failure', 'canceled'],
    ]);
    expect(audit.entries()[0]!.details).toMatchObject({ idempotencyKey: 'k-1' });
    expect(audit.entries()[1]!.details).toMatchObject({ error: 'boom' });
  });

  it('fails running tasks and stops listening on close, which is idempotent', async () => {
    const audit = createAuditTrail();
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const server = await serveAgentOverA2A({ id: 'slow', capabilities: ['s'], run: () => (started(), never()) }, { audit });
    const client = await sdkClient(server.url);
    const pending = client.sendMessage(messageRequest([textPart('x')])).catch((e: unknown) => e);
    await running;
    await Promise.all([server.close(), server.close()]);
    await pending;
    expect(audit.entries().map((e) => [e.outcome, e.details['state'], e.details['error']])).toEqual([['failure', 'failed', 'the A2A server is closing']]);
    expect(await rejection(fetch(`${server.url}/.well-known/agent-card.json`))).toMatchObject({ message: 'fetch failed' });
  });

  it('closes when its signal aborts, and refuses to start on an aborted signal', async () => {
    const controller = new AbortController();
    const server = await serveAgentOverA2A(echo, { signal: controller.signal });
    expect((await fetch(`${server.url}/.well-known/agent-card.json`)).status).toBe(200);
    controller.abort();
    await server.close();
    expect(await rejection(fetch(`${server.url}/.well-known/agent-card.json`))).toMatchObject({ message: 'fetch failed' });
    expect(await rejection(serveAgentOverA2A(echo, { signal: controller.signal }))).toMatchObject({ code: 'ABORTED' });
  });

  it('rejects an invalid publicUrl before listening', async () => {
    expect(await rejection(serveAgentOverA2A(echo, { publicUrl: 'not a url' }))).toMatchObject({ code: 'INVALID_REQUEST', message: "invalid publicUrl 'not a url'" });
  });

  it('rejects when its port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      expect(await rejection(serveAgentOverA2A(echo, { port }))).toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      blocker.close();
    }
  });
});

describe('served tasks in traces', () => {
  const telemetry = installTestTelemetry();
  afterAll(() => telemetry.shutdown());

  it('continues the caller trace from the message traceparent and marks failed tasks as errors', async () => {
    const server = await serve({ id: 'traced', capabilities: ['t'], run: (input) => (input === 'fail' ? Promise.reject(new Error('nope')) : 'ok') });
    const client = await sdkClient(server.url);
    const traceId = 'a'.repeat(32);
    const spanId = 'b'.repeat(16);
    await sendForTask(client, [textPart('ok')], { metadata: { traceparent: `00-${traceId}-${spanId}-01` } });
    await sendForTask(client, [textPart('fail')]);
    const spans = telemetry.spans().filter((s) => s.name === 'no.a2a.serve' && s.attributes['no.a2a.agent_id'] === 'traced');
    expect(spans).toHaveLength(2);
    expect(spans[0]!.spanContext().traceId).toBe(traceId);
    expect(spans[0]!.parentSpanContext?.spanId).toBe(spanId);
    expect(spans[0]!.attributes).toMatchObject({ 'no.a2a.agent_id': 'traced', 'no.a2a.task_state': 'completed' });
    expect(spans[1]!.spanContext().traceId).not.toBe(traceId);
    expect(spans[1]!.status).toMatchObject({ code: 2, message: 'nope' });
    expect(spans[1]!.attributes['no.a2a.task_state']).toBe('failed');
  });
});

describe('the pool agent executor', () => {
  it('publishes canceled for a task it does not run (the SDK waits for a terminal event)', async () => {
    const events: AgentExecutionEvent[] = [];
    const executor = createPoolAgentExecutor(echo);
    await executor.cancelTask('unknown', { publish: (e: AgentExecutionEvent) => events.push(e) } as never);
    expect(events).toEqual([{ kind: 'statusUpdate', data: expect.objectContaining({ taskId: 'unknown', contextId: '', status: expect.objectContaining({ state: TaskState.TASK_STATE_CANCELED }) }) }]);
    expect(executor.running()).toBe(0);
  });
});

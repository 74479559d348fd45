/** createA2AAgent in-process, against nO's own server and against servers built with the SDK alone. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createA2AAgent, serveAgentOverA2A, type A2AServerHandle } from '../../src/a2a/index';
import type { AgentDefinition, AgentFunction } from '../../src/loop/index';
import { invokeAgent } from '../../src/loop/index';
import { classifyFailure } from '../../src/resilience/index';
import { createAuditTrail } from '../../src/telemetry/index';
import { installTestTelemetry } from '../helpers/otel';
import { TaskState, type AgentExecutor, type Task, type TaskStore } from './fixtures/sdk';
import { agentMessage, dataPart, lifecycle, sdkCard, startSdkServer, textPart, type SdkServer } from './fixtures/sdk-app';
import { rejection, runContext } from './helpers';

jest.mock('jose', () => jest.requireActual('./fixtures/jose-stub'));

const closers: Array<() => Promise<void>> = [];
afterAll(() => Promise.all(closers.map((close) => close())));
async function serve(agent: AgentDefinition, options: Parameters<typeof serveAgentOverA2A>[1] = {}): Promise<A2AServerHandle> {
  const handle = await serveAgentOverA2A(agent, options);
  closers.push(handle.close);
  return handle;
}
async function sdkServer(...args: Parameters<typeof startSdkServer>): Promise<SdkServer> {
  const server = await startSdkServer(...args);
  closers.push(server.close);
  return server;
}

const calc: AgentDefinition = {
  id: 'calc',
  capabilities: ['math', 'sum'],
  run: async (input, ctx) => {
    if (input === 'fail') throw new Error('cannot add that');
    if (typeof input === 'string' || input === null) return input;
    return { sum: (input as number[]).reduce((a, b) => a + b, 0), deps: ctx.dependencies };
  },
};
const never = (): Promise<never> => new Promise<never>(() => undefined);
const runOf = (agent: AgentDefinition): AgentFunction => agent.run as AgentFunction;

describe('createA2AAgent against an nO agent served over A2A', () => {
  let server: A2AServerHandle;
  beforeAll(async () => {
    server = await serve(calc, { name: 'Calc Service' });
  });

  it('joins with an id from the card name, the skills as capabilities and the card in its metadata', async () => {
    const remote = await createA2AAgent({ url: server.url });
    expect(remote).toMatchObject({ id: 'calc-service', capabilities: ['math', 'sum'], maxConcurrency: 1 });
    expect(remote.metadata).toEqual({ a2a: { url: `${server.url}/.well-known/agent-card.json`, name: 'Calc Service', description: "nO agent 'calc' (math, sum).", version: expect.any(String) } });
    expect(typeof remote.factory).toBe('function');
  });

  it('takes the card URL itself and options for id, capabilities, limits and metadata', async () => {
    const remote = await createA2AAgent({
      url: `${server.url}/.well-known/agent-card.json`,
      id: 'adder',
      capabilities: ['add'],
      maxConcurrency: 4,
      timeoutMs: 5_000,
      metadata: { region: 'eu' },
    });
    expect(remote).toMatchObject({ id: 'adder', capabilities: ['add'], maxConcurrency: 4, timeoutMs: 5_000, metadata: { region: 'eu', a2a: expect.any(Object) } });
  });

  it('sends objects as data and strings as text, and returns the output the same way', async () => {
    const remote = await createA2AAgent({ url: server.url });
    expect(await runOf(remote)([1, 2, 3], runContext({ dependencies: { fetch: 'words' } }))).toEqual({ sum: 6, deps: { fetch: 'words' } });
    expect(await runOf(remote)('hello', runContext())).toBe('hello');
    expect(await runOf(remote)(undefined, runContext())).toBeNull();
  });

  it('throws an agent-fault A2ARemoteError naming the remote task when the remote task fails', async () => {
    const remote = await createA2AAgent({ url: server.url });
    const error = await rejection(Promise.resolve(runOf(remote)('fail', runContext())));
    expect(error).toMatchObject({ name: 'A2ARemoteError', code: 'TASK_FAILED', classification: 'agent-fault' });
    expect(error.message).toMatch(/^A2A agent 'calc-service' ended task \S+ failed: cannot add that$/);
    expect(error.details).toEqual({ url: expect.any(String), remoteTaskId: expect.any(String), state: 'failed', remoteError: { message: 'cannot add that' } });
    expect(classifyFailure(error)).toBe('agent-fault');
  });

  it('refuses input or dependency outputs JSON cannot carry as bad input, before sending', async () => {
    const remote = await createA2AAgent({ url: server.url });
    expect(await rejection(Promise.resolve(runOf(remote)(10n, runContext())))).toMatchObject({ code: 'INVALID_INPUT' });
    const deps = await rejection(Promise.resolve(runOf(remote)('x', runContext({ dependencies: { a: 10n } }))));
    expect(deps).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/dependency outputs is not JSON-serializable/) });
  });

  it('rebuilds its runner from a fresh card through factory', async () => {
    const remote = await createA2AAgent({ url: server.url });
    const runner = await remote.factory!();
    expect(await invokeAgent(runner, [5, 5], runContext())).toMatchObject({ sum: 10 });
  });
});

describe('createA2AAgent when the card is missing, wrong or slow', () => {
  /** A plain HTTP server answering every request with `respond`. */
  async function plain(respond: (req: IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<string> {
    const http = createServer(respond);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => (http.closeAllConnections(), http.close(() => resolve()))));
    return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  }

  it('rejects a bad URL as an invalid request', async () => {
    expect(await rejection(createA2AAgent({ url: 'nope' }))).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('rejects a 404, a document that is not a card, and a card with no skills, with typed errors', async () => {
    const missing = await plain((_req, res) => res.writeHead(404).end());
    expect(await rejection(createA2AAgent({ url: missing }))).toMatchObject({ code: 'AGENT_NOT_FOUND', message: expect.stringMatching(/: 404$/) });
    const notCard = await plain((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":1}'));
    expect(await rejection(createA2AAgent({ url: notCard }))).toMatchObject({ code: 'AGENT_NOT_FOUND', message: expect.stringMatching(/not an A2A agent card/) });
    const skillless = await plain((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(sdkCard('http://x', { skills: [] }))));
    expect(await rejection(createA2AAgent({ url: skillless }))).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/at least one capability/) });
  });

  it('takes the capabilities of a card whose skills have no tags from the skill ids', async () => {
    const bare = await plain((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(sdkCard('http://x', { skills: [{ id: 'plain-skill', name: 'p' } as never] }))));
    expect((await createA2AAgent({ url: bare })).capabilities).toEqual(['plain-skill']);
  });

  it('gives up on a card that does not come within cardTimeoutMs, and stops at once on its signal', async () => {
    const silent = await plain(() => undefined);
    const slow = await rejection(createA2AAgent({ url: silent, cardTimeoutMs: 30 }));
    expect(slow).toMatchObject({ code: 'AGENT_NOT_FOUND', details: { reason: 'no answer within 30 ms' } });
    const controller = new AbortController();
    const pending = createA2AAgent({ url: silent, signal: controller.signal });
    controller.abort();
    expect(await rejection(pending)).toMatchObject({ code: 'ABORTED' });
  });
});

describe('createA2AAgent against SDK-only servers', () => {
  const executor: AgentExecutor = {
    async execute(rc, bus) {
      const first = rc.userMessage.parts[0]?.content;
      const mode = first?.$case === 'text' ? first.value : '';
      const life = lifecycle(rc, bus);
      if (mode === 'message') {
        bus.publish({ kind: 'message', data: agentMessage(rc, [dataPart({ direct: true })]) });
        return;
      }
      life.start();
      life.status(TaskState.TASK_STATE_WORKING);
      // A JSON null part travels without content; only the text parts make the error message.
      if (mode === 'reject') return life.status(TaskState.TASK_STATE_REJECTED, agentMessage(rc, [textPart('not my job'), dataPart(null), dataPart({ a: 1 })]));
      if (mode === 'input') return life.status(TaskState.TASK_STATE_INPUT_REQUIRED, agentMessage(rc, [textPart('which one?')]));
      if (mode === 'cancel') return life.status(TaskState.TASK_STATE_CANCELED);
      if (mode === 'status-only') return life.status(TaskState.TASK_STATE_COMPLETED, agentMessage(rc, [textPart('done by status')]));
      if (mode === 'file') life.artifact([{ content: { $case: 'url', value: 'https://x/y.png' }, metadata: undefined, filename: 'y.png', mediaType: 'image/png' }]);
      if (mode === 'chunks') {
        life.artifact([textPart('one')], 'a');
        life.artifact([textPart('two')], 'a', true);
        life.artifact([textPart('draft')], 'b');
        life.artifact([textPart('three')], 'b');
      }
      life.status(TaskState.TASK_STATE_COMPLETED);
    },
    async cancelTask() {},
  };
  let remote: AgentDefinition;
  beforeAll(async () => {
    remote = await createA2AAgent({ url: (await sdkServer(executor)).url });
  });

  it.each([
    ['reject', 'MESSAGE_REFUSED', 'rejected', /rejected: not my job$/],
    ['input', 'TASK_FAILED', 'input-required', /input-required: which one\?$/],
    ['cancel', 'TASK_FAILED', 'canceled', /canceled$/],
    ['file', 'TASK_FAILED', 'completed', /part 0 is a file \(url\)/],
  ])('turns a %s answer into an agent-fault A2ARemoteError %s (state %s)', async (mode, code, state, message) => {
    const error = await rejection(Promise.resolve(runOf(remote)(mode, runContext())));
    expect(error).toMatchObject({ code, classification: 'agent-fault', details: { state, remoteTaskId: expect.any(String) } });
    expect(error.message).toMatch(message);
  });

  it('reads a direct message reply, a status-message answer, no answer, and artifacts sent in chunks', async () => {
    expect(await runOf(remote)('message', runContext())).toEqual({ direct: true });
    expect(await runOf(remote)('status-only', runContext())).toBe('done by status');
    expect(await runOf(remote)('nothing', runContext())).toBeUndefined();
    expect(await runOf(remote)('chunks', runContext())).toBe('one\ntwo\nthree');
  });

  it('wraps a transport failure after the card (the RPC endpoint is gone) as an agent fault', async () => {
    const broken = await sdkServer(executor, (url) => sdkCard(url, { supportedInterfaces: [{ url: `${url}/nowhere`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' }] }));
    const agent = await createA2AAgent({ url: broken.url });
    const error = await rejection(Promise.resolve(runOf(agent)('x', runContext())));
    expect(error).toMatchObject({ code: 'TASK_FAILED', classification: 'agent-fault', details: { url: `${broken.url}/.well-known/agent-card.json` } });
    expect(error.message).toMatch(/^A2A call to 'remote-summarizer' at .* failed: HTTP error establishing stream/);
  });
});

/**
 * A server that claims streaming and answers each JSON-RPC method with SSE events (`sse`) or with
 * one JSON-RPC answer (`json`): what a peer that bends the protocol might send.
 */
async function rawServer(answers: Record<string, { sse?: unknown[]; json?: Record<string, unknown> }>): Promise<string> {
  let url = '';
  const http = createServer((req, res) => {
    if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(sdkCard(url)));
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string };
      const answer = answers[method]!;
      if (answer.json) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, ...answer.json }));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const result of answer.sse!) res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id, result })}\n\n`);
      res.end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => (http.closeAllConnections(), http.close(() => resolve()))));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return url;
}

/**
 * fetch that hands a message stream over one chunk at a time, telling `onFirstChunk` when the first
 * one (the task event) is delivered and, with `drop`, failing the body after it as a dropped
 * connection does; `onResubscribe` hears of a resubscription.
 */
function sseFetch(options: { drop?: boolean; onFirstChunk?: () => void; onResubscribe?: () => void }): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const method = (JSON.parse(String(init?.body ?? '{}')) as { method?: string }).method;
    // The server has attached the new subscriber by the time its headers arrive.
    if (method === 'SubscribeToTask') options.onResubscribe?.();
    if (method !== 'SendStreamingMessage') return response;
    const reader = response.body!.getReader();
    let first = true;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!first && options.drop) {
          await reader.cancel();
          return controller.error(new TypeError('terminated'));
        }
        const { done, value } = await reader.read();
        if (done) return controller.close();
        controller.enqueue(value);
        if (first) options.onFirstChunk?.();
        first = false;
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

describe('createA2AAgent when the remote task outlives the request', () => {
  /** Keeps tasks in a Map whatever the caller, so the test can finish a task behind the server's back. */
  class MapStore implements TaskStore {
    readonly tasks = new Map<string, Task>();
    async save(task: Task): Promise<void> {
      this.tasks.set(task.id, structuredClone(task));
    }
    async load(taskId: string): Promise<Task | undefined> {
      return structuredClone(this.tasks.get(taskId));
    }
    async list(): Promise<never> {
      throw new Error('not used');
    }
  }

  it('polls a task a non-streaming remote left working until it completes, or fails when it vanishes', async () => {
    const store = new MapStore();
    const executor: AgentExecutor = {
      async execute(rc, bus) {
        const life = lifecycle(rc, bus);
        life.start();
        life.status(TaskState.TASK_STATE_WORKING);
        const first = rc.userMessage.parts[0]?.content;
        setTimeout(() => {
          if (first?.$case === 'text' && first.value === 'vanish') return void store.tasks.delete(rc.taskId);
          const task = store.tasks.get(rc.taskId)!;
          void store.save({ ...task, status: { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: undefined }, artifacts: [{ artifactId: 'o', name: '', description: '', parts: [dataPart({ late: true })], metadata: {}, extensions: [] }] });
        }, 20);
      },
      async cancelTask() {},
    };
    const server = await sdkServer(executor, (url) => sdkCard(url, { capabilities: { streaming: false, pushNotifications: false, extensions: [], extendedAgentCard: false } }), store);
    const agent = await createA2AAgent({ url: server.url, pollIntervalMs: 5 });
    expect(await runOf(agent)('x', runContext())).toEqual({ late: true });
    const vanished = await rejection(Promise.resolve(runOf(agent)('vanish', runContext())));
    expect(vanished).toMatchObject({ code: 'TASK_FAILED', classification: 'agent-fault', details: { remoteTaskId: expect.any(String) } });
    expect(vanished.message).toMatch(/Task not found/);
  });

  it('resubscribes to a task whose stream drops and follows it to the end', async () => {
    let resubscribed!: () => void;
    const listening = new Promise<void>((resolve) => (resubscribed = resolve));
    const executor: AgentExecutor = {
      async execute(rc, bus) {
        const life = lifecycle(rc, bus);
        life.start();
        life.status(TaskState.TASK_STATE_WORKING);
        await listening;
        life.artifact([dataPart('survived')]);
        life.status(TaskState.TASK_STATE_COMPLETED);
      },
      async cancelTask() {},
    };
    const server = await sdkServer(executor);
    const agent = await createA2AAgent({ url: server.url, fetch: sseFetch({ drop: true, onResubscribe: () => resubscribed() }) });
    expect(await runOf(agent)('x', runContext())).toBe('survived');
  });

  it('cancels the remote task and rejects ABORTED when the loop aborts the attempt', async () => {
    const audit = createAuditTrail();
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const server = await serve({ id: 'slow', capabilities: ['slow'], run: () => (started(), never()) }, { audit });
    let streaming!: () => void;
    const seen = new Promise<void>((resolve) => (streaming = resolve));
    const agent = await createA2AAgent({ url: server.url, fetch: sseFetch({ onFirstChunk: () => streaming() }) });
    const controller = new AbortController();
    const pending = Promise.resolve(runOf(agent)('x', runContext({ signal: controller.signal })));
    await Promise.all([running, seen]);
    // Let the client's stream loop read the task event it was just handed.
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect(await rejection(pending)).toMatchObject({ code: 'ABORTED', message: "A2A call to 'slow' aborted" });
    expect(audit.entries().map((e) => e.details['state'])).toEqual(['canceled']);
    expect(await rejection(Promise.resolve(runOf(agent)('x', runContext({ signal: controller.signal }))))).toMatchObject({ code: 'ABORTED' });
  });

  it('fails transiently when the remote went away after joining', async () => {
    const server = await serveAgentOverA2A(calc);
    const agent = await createA2AAgent({ url: server.url });
    await server.close();
    const error = await rejection(Promise.resolve(runOf(agent)([1], runContext())));
    expect(error).toMatchObject({ name: 'A2ARemoteError', classification: 'transient', message: expect.stringMatching(/^A2A peer unreachable/) });
  });
});

describe('createA2AAgent against a server that breaks the protocol', () => {
  const sse = (results: unknown[]): Promise<string> => rawServer({ SendStreamingMessage: { sse: results } });
  const status = (state: string) => ({ statusUpdate: { taskId: 't1', contextId: 'c', status: { state } } });

  it('fails when the stream carries neither a task nor a message (updates before any task are ignored)', async () => {
    const agent = await createA2AAgent({ url: await sse([status('TASK_STATE_WORKING'), { artifactUpdate: { taskId: 't1', contextId: 'c', artifact: { artifactId: 'a', parts: [{ text: 'x' }] } } }]) });
    const error = await rejection(Promise.resolve(runOf(agent)('x', runContext())));
    expect(error).toMatchObject({ code: 'TASK_FAILED', classification: 'agent-fault', message: expect.stringMatching(/neither a task nor a message$/) });
  });

  it('skips an artifact update without an artifact', async () => {
    const task = { task: { id: 't1', contextId: 'c', status: { state: 'TASK_STATE_SUBMITTED' } } };
    const agent = await createA2AAgent({ url: await sse([task, { artifactUpdate: { taskId: 't1', contextId: 'c' } }, status('TASK_STATE_COMPLETED')]) });
    expect(await runOf(agent)('x', runContext())).toBeUndefined();
  });
});

describe('createA2AAgent against an A2A v0.3 peer', () => {
  it('reads its v0.3 card and talks v0.3 (message/stream) to it', async () => {
    let url = '';
    const methods: string[] = [];
    const http = createServer((req, res) => {
      if (req.method === 'GET') {
        const card = { protocolVersion: '0.3.0', name: 'Old Agent', description: 'v0.3 only', url: `${url}/rpc`, preferredTransport: 'JSONRPC', version: '1', capabilities: { streaming: true }, defaultInputModes: ['text'], defaultOutputModes: ['text'], skills: [{ id: 'old', name: 'old', description: '', tags: ['legacy'] }] };
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(card));
      }
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: { message: { parts: Array<{ data: unknown }> } } };
        methods.push(method);
        const event = (result: unknown): boolean => res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id, result })}\n\n`);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        event({ kind: 'task', id: 't1', contextId: 'c1', status: { state: 'submitted' } });
        event({ kind: 'artifact-update', taskId: 't1', contextId: 'c1', artifact: { artifactId: 'a', parts: [{ kind: 'data', data: { echoed: params.message.parts[0]!.data } }] } });
        event({ kind: 'status-update', taskId: 't1', contextId: 'c1', status: { state: 'completed' }, final: true });
        res.end();
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => (http.closeAllConnections(), http.close(() => resolve()))));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const agent = await createA2AAgent({ url });
    expect(agent).toMatchObject({ id: 'old-agent', capabilities: ['old', 'legacy'] });
    expect(await runOf(agent)({ n: 1 }, runContext())).toEqual({ echoed: { n: 1 } });
    expect(methods).toEqual(['message/stream']);
  });
});

describe('createA2AAgent picking up a task whose stream ended early', () => {
  it('polls the task when resubscribing fails', async () => {
    const url = await rawServer({
      SendStreamingMessage: { sse: [{ task: { id: 't1', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } } }] },
      SubscribeToTask: { json: { error: { code: -32004, message: 'no resubscription here' } } },
      GetTask: { json: { result: { id: 't1', contextId: 'c', status: { state: 'TASK_STATE_COMPLETED' }, artifacts: [{ artifactId: 'a', parts: [{ text: 'polled' }] }] } } },
    });
    const agent = await createA2AAgent({ url, pollIntervalMs: 1 });
    expect(await runOf(agent)('x', runContext())).toBe('polled');
  });
});

describe('remote calls in traces', () => {
  const telemetry = installTestTelemetry();
  afterAll(() => telemetry.shutdown());

  it('wraps each call in a no.a2a.call span that the served no.a2a.serve span continues', async () => {
    const server = await serve({ id: 'traced-remote', capabilities: ['t'], run: (input) => input });
    const agent = await createA2AAgent({ url: server.url });
    await runOf(agent)('x', runContext({ task: { ...runContext().task, id: 'plan-task' }, attempt: 2 }));
    const call = telemetry.spans().find((s) => s.name === 'no.a2a.call' && s.attributes['no.a2a.agent_id'] === 'traced-remote')!;
    const served = telemetry.spans().find((s) => s.name === 'no.a2a.serve' && s.attributes['no.a2a.agent_id'] === 'traced-remote')!;
    expect(call.attributes).toMatchObject({ 'no.a2a.loop_task_id': 'plan-task', 'no.a2a.attempt': 2, 'no.a2a.task_state': 'completed', 'no.a2a.task_id': served.attributes['no.a2a.task_id'] });
    expect(served.spanContext().traceId).toBe(call.spanContext().traceId);
    expect(served.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
  });
});

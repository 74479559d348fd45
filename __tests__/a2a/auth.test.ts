/** Bearer authentication of serveAgentOverA2A, with the SDK's own client and createA2AAgent on the other side. */
import { createServer } from 'node:net';
import { isA2ARemoteError } from '../../src/a2a/errors';
import { withBearer } from '../../src/a2a/remote-agent';
import { A2A_UNAUTHENTICATED_CODE, createA2AAgent, serveAgentOverA2A, type A2AServerHandle } from '../../src/a2a/index';
import { isNoError } from '../../src/contracts/errors';
import type { AgentDefinition, AgentFunction } from '../../src/loop/index';
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory, TaskState, createAuthenticatingFetchWithRetry, type Client } from './fixtures/sdk';
import { dataPart } from './fixtures/sdk-app';
import { rejection, runContext, sendForTask } from './helpers';

jest.mock('jose', () => jest.requireActual('./fixtures/jose-stub'));

const token = 'a2a-bearer-token-0123456789abcdef';
const echo: AgentDefinition = { id: 'echo', capabilities: ['echo'], run: (input) => input };
const call = (agent: AgentDefinition, input: unknown): Promise<unknown> => Promise.resolve().then(() => (agent.run as AgentFunction)(input, runContext()));
const servers: A2AServerHandle[] = [];
async function serve(options: Parameters<typeof serveAgentOverA2A>[1] = {}): Promise<A2AServerHandle> {
  const handle = await serveAgentOverA2A(echo, options);
  servers.push(handle);
  return handle;
}
afterAll(() => Promise.all(servers.map((s) => s.close())));

/** The SDK's client, sending the token through the SDK's own authentication hook. */
function authenticatedClient(url: string, authorization?: string): Promise<Client> {
  const fetchImpl = createAuthenticatingFetchWithRetry(fetch, {
    headers: async (): Promise<Record<string, string>> => (authorization === undefined ? {} : { authorization }),
    shouldRetryWithHeaders: async () => undefined,
  });
  return new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory({ fetchImpl })] })).createFromUrl(url);
}

const rpc = (url: string, headers: Record<string, string> = {}, query = '') =>
  fetch(`${url}/a2a${query}`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'none' } }) });

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Every line written to the console while `work` runs. */
async function consoleDuring(work: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : JSON.stringify(a))).join(' '))),
  );
  try {
    await work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines.join('\n');
}

describe('serveAgentOverA2A with a token', () => {
  let server: A2AServerHandle;
  beforeAll(async () => {
    server = await serve({ token });
  });

  it('runs tasks for an SDK client that sends it', async () => {
    const task = await sendForTask(await authenticatedClient(server.url, `Bearer ${token}`), [dataPart({ n: 1 })]);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.artifacts[0]!.parts[0]!.content).toEqual({ $case: 'data', value: { n: 1 } });
  });

  it('keeps the card public but refuses an SDK client without the token', async () => {
    const client = await authenticatedClient(server.url);
    const error = await rejection(sendForTask(client, [dataPart(1)]));
    expect(error.message).toContain('Unauthorized: Missing Authorization header');
  });

  it('answers 401 with a Bearer challenge and a JSON-RPC error', async () => {
    const res = await rpc(server.url);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="Missing Authorization header: send Authorization: Bearer <token>"');
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: A2A_UNAUTHENTICATED_CODE, message: 'Unauthorized: Missing Authorization header: send Authorization: Bearer <token>' } });
  });

  it.each([
    ['a wrong token', { authorization: `Bearer ${token.slice(0, -1)}x` }, '', 401],
    ['the token in the query string', {}, `?access_token=${token}`, 401],
    ['the Basic scheme', { authorization: `Basic ${token}` }, '', 401],
    ['the bare token', { authorization: token }, '', 401],
    ['a lowercase scheme', { authorization: `bearer ${token}` }, '', 200],
    ['extra spaces', { authorization: `Bearer   ${token}` }, '', 200],
  ])('%s', async (_name, headers, query, status) => {
    const res = await rpc(server.url, headers as Record<string, string>, query);
    // Let in, GetTask of an unknown task is a JSON-RPC error in a 200.
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: number } };
    expect(body.error.code).toBe(status === 401 ? A2A_UNAUTHENTICATED_CODE : -32001);
  });

  it('advertises the bearer scheme in its card, in the v1.0 and the v0.3 shape', async () => {
    expect(server.agentCard.securitySchemes).toEqual({ bearer: { scheme: { $case: 'httpAuthSecurityScheme', value: expect.objectContaining({ scheme: 'Bearer' }) } } });
    const cardUrl = `${server.url}/.well-known/agent-card.json`;
    const v1 = (await (await fetch(cardUrl, { headers: { 'a2a-version': '1.0' } })).json()) as Record<string, unknown>;
    // The SDK serves the v1.0 card as its own objects, JSON.stringify'd.
    expect(v1).toMatchObject(JSON.parse(JSON.stringify({ securitySchemes: server.agentCard.securitySchemes, securityRequirements: server.agentCard.securityRequirements })));
    expect(v1).toMatchObject({ securityRequirements: [{ schemes: { bearer: { list: [] } } }] });
    const v03 = (await (await fetch(cardUrl)).json()) as Record<string, unknown>;
    expect(v03).toMatchObject({ securitySchemes: { bearer: { type: 'http', scheme: 'Bearer' } }, security: [{ bearer: [] }] });
    const open = await serve();
    expect(open.agentCard.securitySchemes).toEqual({});
    expect(open.agentCard.securityRequirements).toEqual([]);
  });
});

describe('serving A2A beyond loopback, and other ways in', () => {
  it('refuses to start without a token, and refuses a short one without showing it', async () => {
    const bare = await rejection(serveAgentOverA2A(echo, { host: '0.0.0.0' }));
    expect(isNoError(bare, 'INVALID_REQUEST')).toBe(true);
    expect(bare.message).toMatch(/exposes this agent beyond this machine: pass token.*or bind 127\.0\.0\.1/);
    const short = await rejection(serveAgentOverA2A(echo, { host: '0.0.0.0', token: 'short-secret' }));
    expect(short.message).toContain('at least 16 characters');
    expect(JSON.stringify({ message: short.message, details: short.details })).not.toContain('short-secret');
  });

  it('serves on a wildcard address with a token', async () => {
    const server = await serve({ host: '0.0.0.0', token });
    const local = server.url.replace('0.0.0.0', '127.0.0.1');
    expect((await rpc(local)).status).toBe(401);
    expect((await rpc(local, { authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('answers 500 with a JSON-RPC internal error, and no challenge, when verifyToken throws', async () => {
    const server = await serve({
      verifyToken: () => {
        throw new Error('jwks unreachable');
      },
    });
    const res = await rpc(server.url, { authorization: 'Bearer jwt-any' });
    expect(res.status).toBe(500);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal Server Error: the token could not be verified' } });
  });

  it('takes verifyToken instead of a fixed token', async () => {
    const server = await serve({ verifyToken: (given) => (given === 'jwt-ok' ? { token: given, clientId: 'peer-1', scopes: [] } : false) });
    expect(server.agentCard.securityRequirements).toHaveLength(1);
    expect((await rpc(server.url, { authorization: 'Bearer jwt-no' })).status).toBe(401);
    const task = await sendForTask(await authenticatedClient(server.url, 'Bearer jwt-ok'), [dataPart('hi')]);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });
});

describe('createA2AAgent against a protected server', () => {
  let server: A2AServerHandle;
  beforeAll(async () => {
    server = await serve({ token });
  });

  it('calls it with the token option', async () => {
    const remote = await createA2AAgent({ url: server.url, token });
    await expect(call(remote, { x: 1 })).resolves.toEqual({ x: 1 });
  });

  it('without it, fails with PERMISSION_DENIED that says what to pass: an agent fault, not a retry', async () => {
    const remote = await createA2AAgent({ url: server.url });
    const error = await rejection(call(remote, 1));
    expect(isA2ARemoteError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', classification: 'agent-fault', message: expect.stringContaining('createA2AAgent({ token })') });
  });

  it('never puts the token in an error or a log line', async () => {
    const wrong = `${token}-but-wrong`;
    const errors: unknown[] = [];
    const logged = await consoleDuring(async () => {
      const remote = await createA2AAgent({ url: server.url, token: wrong });
      errors.push(await rejection(call(remote, 1)));
      errors.push(await rejection(serveAgentOverA2A(echo, { token: token.slice(0, 10) })));
      const refused = await rpc(server.url, { authorization: `Bearer ${wrong}` });
      expect(`${refused.headers.get('www-authenticate')} ${await refused.text()}`).not.toContain(token.slice(0, 10));
    });
    for (const error of errors) {
      const text = JSON.stringify({ message: (error as Error).message, details: (error as { details?: unknown }).details, cause: String((error as Error).cause) });
      expect(text).not.toContain(token.slice(0, 10));
    }
    expect(logged).not.toContain(token.slice(0, 10));
  });

  it('sends the token only to the origin of the url it was given', async () => {
    const port = await freePort();
    // The card sends clients to another origin (localhost instead of 127.0.0.1): it must not get the token.
    const elsewhere = await serve({ port, token, publicUrl: `http://localhost:${port}` });
    const seen: Array<[string, string | null]> = [];
    const spy: typeof fetch = (input, init) => {
      seen.push([new URL(input instanceof Request ? input.url : String(input)).origin, new Headers(init?.headers).get('authorization')]);
      return fetch(input, init);
    };
    const remote = await createA2AAgent({ url: `http://127.0.0.1:${port}`, token, fetch: spy });
    expect(elsewhere.agentCard.supportedInterfaces[0]!.url).toBe(`http://localhost:${port}/a2a`);
    await expect(call(remote, 1)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(seen).toContainEqual([`http://127.0.0.1:${port}`, `Bearer ${token}`]);
    expect(seen.filter(([origin]) => origin === `http://localhost:${port}`).map(([, auth]) => auth)).toEqual([null]);
  });

  it('keeps an Authorization header the caller set, and the headers of a Request', async () => {
    const seen: Headers[] = [];
    const base: typeof fetch = async (_input, init) => {
      seen.push(new Headers(init?.headers));
      return new Response('{}');
    };
    const bearing = withBearer(base, token, 'http://agents.example');
    await bearing('http://agents.example/a2a', { headers: { authorization: 'Bearer mine' } });
    await bearing(new Request('http://agents.example/a2a', { headers: { 'x-trace': '1' } }));
    await bearing(new URL('http://other.example/a2a'));
    expect(seen.map((h) => [h.get('authorization'), h.get('x-trace')])).toEqual([['Bearer mine', null], [`Bearer ${token}`, '1'], [null, null]]);
  });

  it('refuses a blank or multi-line token', async () => {
    await expect(createA2AAgent({ url: server.url, token: '  ' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(createA2AAgent({ url: server.url, token: `${token}\nx-evil: 1` })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });
});

import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createMcpHttpHandler, type McpHttpHandler, type McpHttpOptions } from '../../../src/tools/mcp/http';
import { createLayerMcpServer, serveToolLayer, type McpServerHandle } from '../../../src/tools/mcp/server';
import { testLayer, textJson } from './fixtures/layers';
import { waitForStandaloneStream } from './fixtures/wire';

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
const LIST = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });

interface Sent {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One request from a chosen loopback address (127.0.0.x all reach a 127.0.0.1 server on Linux). */
function send(url: string, options: { method?: string; session?: string; from?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Sent> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: `localhost:${target.port}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...options.headers };
    if (options.session !== undefined) headers['mcp-session-id'] = options.session;
    const req = request({ host: '127.0.0.1', port: target.port, path: target.pathname, method: options.method ?? 'POST', headers, localAddress: options.from ?? '127.0.0.1', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Opens a session as a raw client (no standalone SSE stream, so the session is idle between requests). */
async function initialize(url: string, options: { from?: string; headers?: Record<string, string> } = {}): Promise<string> {
  const res = await send(url, { ...options, body: INIT });
  expect(res.status).toBe(200);
  return res.headers['mcp-session-id'] as string;
}

/** The standalone GET SSE stream of a session, held open: the session is in use while it is. */
function holdStream(url: string, session: string, from = '127.0.0.1'): Promise<{ status: number; close: () => void }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: target.port, path: target.pathname, method: 'GET', localAddress: from, agent: false, headers: { host: `localhost:${target.port}`, accept: 'text/event-stream', 'mcp-session-id': session } },
      (res) => resolve({ status: res.statusCode ?? 0, close: () => req.destroy() }),
    );
    req.on('error', reject);
    req.end();
  });
}

async function serve(options: McpHttpOptions): Promise<{ url: string; handler: McpHttpHandler; close: () => Promise<void> }> {
  const handler = createMcpHttpHandler(() => createLayerMcpServer(testLayer(), { transport: 'http' }), options);
  const server = createServer({ requireHostHeader: false }, (req, res) => void handler.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
  return {
    url,
    handler,
    close: async () => {
      await handler.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const listed = async (url: string, session: string, from?: string) => (await send(url, { session, body: LIST, ...(from ? { from } : {}) })).status;

describe('HTTP sessions: idle expiry', () => {
  let clock: number;
  let handle: McpServerHandle;
  let url: string;
  beforeEach(async () => {
    clock = 1_000_000;
    handle = await serveToolLayer(testLayer(), { transport: 'http', sessionIdleTimeoutMs: 60_000, now: () => clock });
    url = handle.url as string;
  });
  afterEach(() => handle.close());

  it('ends a session idle for sessionIdleTimeoutMs; its id then gets the 404 "Session not found" JSON-RPC error', async () => {
    const session = await initialize(url);
    clock += 59_999;
    expect(await listed(url, session)).toBe(200);
    clock += 60_000;
    const late = await send(url, { session, body: LIST });
    expect(late.status).toBe(404);
    expect(JSON.parse(late.body)).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: expect.stringMatching(/^Session not found/) }, id: null });
  });

  it('keeps a real client whose SSE stream is open past the timeout, and serves its calls', async () => {
    const client = new Client({ name: 'quiet-ide', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(url));
    await client.connect(transport);
    await waitForStandaloneStream(url, transport.sessionId as string);
    clock += 10 * 60_000;
    expect(textJson(await client.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toMatchObject({ text: 'still here' });
    await transport.terminateSession();
    await client.close();
  });

  it('tells a real client that reuses an expired session id 404, and a fresh client then initializes', async () => {
    const session = await initialize(url);
    clock += 60_000;
    const stale = new Client({ name: 'back-from-sleep', version: '1' });
    await stale.connect(new StreamableHTTPClientTransport(new URL(url), { sessionId: session }));
    const failure = await stale.listTools().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StreamableHTTPError);
    expect((failure as StreamableHTTPError).code).toBe(404);
    await stale.close();
    const fresh = new Client({ name: 'back-from-sleep', version: '1' });
    await fresh.connect(new StreamableHTTPClientTransport(new URL(url)));
    expect((await fresh.listTools()).tools.length).toBeGreaterThan(0);
    await fresh.close();
  });
});

describe('HTTP sessions: caps', () => {
  it('lets one client hold at most maxSessionsPerClient: its least recently used idle session makes room', async () => {
    let clock = 0;
    const { url, handler, close } = await serve({ maxSessionsPerClient: 2, now: () => clock });
    try {
      const first = await initialize(url);
      clock += 1;
      const second = await initialize(url);
      clock += 1;
      expect(await listed(url, first)).toBe(200); // first is now the more recently used
      clock += 1;
      const third = await initialize(url);
      expect(handler.sessions()).toBe(2);
      expect(await listed(url, second)).toBe(404);
      expect(await listed(url, first)).toBe(200);
      expect(await listed(url, third)).toBe(200);
    } finally {
      await close();
    }
  });

  it('refuses a client whose sessions are all busy with a JSON-RPC 429 that says what to do, and serves other clients', async () => {
    const { url, close } = await serve({ maxSessionsPerClient: 2 });
    const streams: { close: () => void }[] = [];
    try {
      for (let i = 0; i < 2; i++) streams.push(await holdStream(url, await initialize(url)));
      const refused = await send(url, { body: INIT });
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body)).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: expect.stringMatching(/2 sessions.*DELETE/) }, id: null });
      expect(await initialize(url, { from: '127.0.0.2' })).toMatch(/^[0-9a-f-]{36}$/);
      // A session whose stream closed is idle again, so it makes room for the next initialize.
      streams.pop()?.close();
      let status = 429;
      for (let i = 0; i < 200 && status === 429; i++) {
        await new Promise((r) => setTimeout(r, 5));
        status = (await send(url, { body: INIT })).status;
      }
      expect(status).toBe(200);
    } finally {
      for (const s of streams) s.close();
      await close();
    }
  });

  it('evicts the least recently used idle session when the server is full, instead of refusing everyone', async () => {
    let clock = 0;
    const { url, handler, close } = await serve({ maxSessions: 3, maxSessionsPerClient: 3, now: () => clock });
    try {
      const hog: string[] = [];
      for (let i = 0; i < 3; i++) {
        clock += 1;
        hog.push(await initialize(url));
      }
      clock += 1;
      const newcomer = await initialize(url, { from: '127.0.0.2' });
      expect(handler.sessions()).toBe(3);
      expect(await listed(url, hog[0] as string)).toBe(404);
      expect(await listed(url, newcomer, '127.0.0.2')).toBe(200);
    } finally {
      await close();
    }
  });

  it('answers 503 only when every session of a full server is busy', async () => {
    const { url, close } = await serve({ maxSessions: 2 });
    const streams = [await holdStream(url, await initialize(url)), await holdStream(url, await initialize(url, { from: '127.0.0.2' }))];
    try {
      const refused = await send(url, { body: INIT, from: '127.0.0.3' });
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body).error.message).toMatch(/2 sessions/);
    } finally {
      for (const s of streams) s.close();
      await close();
    }
  });

  it('counts clients behind a trusted proxy by the address the proxy appended to X-Forwarded-For', async () => {
    let clock = 0;
    const { url, handler, close } = await serve({ maxSessionsPerClient: 1, trustProxy: true, now: () => clock });
    try {
      const a = await initialize(url, { headers: { 'x-forwarded-for': '10.0.0.1' } });
      clock += 1;
      // A client that claims another address in front of the proxy's entry is still 10.0.0.1.
      await initialize(url, { headers: { 'x-forwarded-for': '10.0.0.9, 10.0.0.1' } });
      expect(await listed(url, a)).toBe(404);
      clock += 1;
      await initialize(url, { headers: { 'x-forwarded-for': '10.0.0.2' } });
      expect(handler.sessions()).toBe(2);
    } finally {
      await close();
    }
  });

  it('ignores X-Forwarded-For unless trustProxy is set', async () => {
    const { url, handler, close } = await serve({ maxSessionsPerClient: 1 });
    try {
      await initialize(url, { headers: { 'x-forwarded-for': '10.0.0.1' } });
      await initialize(url, { headers: { 'x-forwarded-for': '10.0.0.2' } });
      expect(handler.sessions()).toBe(1);
    } finally {
      await close();
    }
  });
});

describe('HTTP sessions: release and ownership', () => {
  it('ends expired sessions that nobody asks about again once the sweep runs', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'setTimeout', 'clearTimeout', 'Date', 'performance', 'hrtime'] });
    let clock = 0;
    const { url, handler, close } = await serve({ sessionIdleTimeoutMs: 30_000, now: () => clock });
    try {
      await initialize(url);
      await initialize(url);
      clock += 29_999;
      jest.advanceTimersByTime(3_000);
      expect(handler.sessions()).toBe(2);
      clock += 1;
      jest.advanceTimersByTime(3_000);
      expect(handler.sessions()).toBe(0);
    } finally {
      jest.useRealTimers();
      await close();
    }
  });

  it('frees the room of a session its client ends with DELETE, even with its stream open', async () => {
    const { url, handler, close } = await serve({ maxSessions: 1 });
    try {
      const session = await initialize(url);
      await holdStream(url, session);
      expect((await send(url, { body: INIT, from: '127.0.0.2' })).status).toBe(503);
      expect((await send(url, { method: 'DELETE', session })).status).toBe(200);
      expect(handler.sessions()).toBe(0);
      expect(await listed(url, session)).toBe(404);
      expect(await initialize(url, { from: '127.0.0.2' })).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await close();
    }
  });

  it('serves a session opened by a verified client to that client only', async () => {
    const handler = createMcpHttpHandler(() => createLayerMcpServer(testLayer(), { transport: 'http' }));
    // A stand-in auth middleware: the bearer token is the client id.
    const withAuth = (req: IncomingMessage, res: ServerResponse) => {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (token !== undefined) Object.assign(req, { auth: { token, clientId: token, scopes: [] } });
      void handler.handle(req, res);
    };
    const server = createServer({ requireHostHeader: false }, withAuth);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
    try {
      const alice = { authorization: 'Bearer alice' };
      const session = await initialize(url, { headers: alice });
      expect((await send(url, { session, body: LIST, headers: alice })).status).toBe(200);
      const stolen = await send(url, { session, body: LIST, headers: { authorization: 'Bearer mallory' } });
      expect(stolen.status).toBe(404);
      expect((await send(url, { session, method: 'DELETE' })).status).toBe(404);
      expect((await send(url, { session, body: LIST, headers: alice })).status).toBe(200);
    } finally {
      await handler.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it.each([
    [{ maxSessionsPerClient: 0 }, /maxSessionsPerClient must be an integer >= 1/],
    [{ maxSessions: 2.5 }, /maxSessions must be an integer >= 1/],
    [{ sessionIdleTimeoutMs: 0 }, /sessionIdleTimeoutMs must be a number > 0/],
    [{ sessionIdleTimeoutMs: Number.NaN }, /sessionIdleTimeoutMs must be a number > 0/],
  ])('refuses the options %j with an INVALID_NUMBER error', (options, message) => {
    expect(() => createMcpHttpHandler(() => createLayerMcpServer(testLayer()), options)).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER', message: expect.stringMatching(message) }));
  });

  it('keeps idle sessions until a cap needs their room when sessionIdleTimeoutMs is Infinity', async () => {
    let clock = 0;
    const handle = await serveToolLayer(testLayer(), { transport: 'http', sessionIdleTimeoutMs: Infinity, now: () => clock });
    try {
      const session = await initialize(handle.url as string);
      clock += 365 * 24 * 3_600_000;
      expect(await listed(handle.url as string, session)).toBe(200);
    } finally {
      await handle.close();
    }
  });
});

import { createServer, request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createSessionEventStore } from '../../../src/tools/mcp/event-store';
import { createMcpHttpHandler, defaultAllowedHosts } from '../../../src/tools/mcp/http';
import { createLayerMcpServer, serveToolLayer, type McpServerHandle } from '../../../src/tools/mcp/server';
import { testLayer, textJson } from './fixtures/layers';
import { waitForStandaloneStream } from './fixtures/wire';

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const ACCEPT = 'application/json, text/event-stream';

/** An HTTP request with any headers (fetch cannot set Host). */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; path?: string } = {}) {
  const target = new URL(url);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: options.path ?? target.pathname, method: options.method ?? 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...options.headers } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function connect(url: string, name = 'http-test') {
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return { client, transport };
}

describe('serveToolLayer over Streamable HTTP (in-process, real SDK client)', () => {
  let handle: McpServerHandle;
  let url: string;
  beforeAll(async () => {
    handle = await serveToolLayer(testLayer({ rateLimit: { capacity: 3, refillPerSecond: 0.001 } }), { transport: 'http', maxSessions: 3 });
    url = handle.url as string;
  });
  afterAll(() => handle.close());

  it('listens on an ephemeral 127.0.0.1 port at /mcp', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  it('initializes a session, lists tools with schemas, calls one, and sees typed errors', async () => {
    const { client, transport } = await connect(url);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'echo')?.inputSchema).toMatchObject({ type: 'object', required: ['text'] });
    const ok = await client.callTool({ name: 'echo', arguments: { text: 'hey' } });
    expect(textJson(ok)).toEqual({ text: 'hey', caller: 'mcp-http' });
    const bad = await client.callTool({ name: 'echo', arguments: { text: 42 } });
    expect(bad.isError).toBe(true);
    expect(textJson(bad)).toMatchObject({ code: 'INVALID_INPUT' });
    for (let i = 0; i < 3; i++) await client.callTool({ name: 'list', arguments: {} });
    const limited = await client.callTool({ name: 'list', arguments: {} });
    expect(textJson(limited)).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    await transport.terminateSession();
    await client.close();
  });

  it('rejects a non-localhost Host or Origin (DNS rebinding) with 403 and accepts localhost names', async () => {
    const port = new URL(url).port;
    const evil = await raw(url, { headers: { host: `evil.example.com:${port}` }, body: JSON.stringify(INIT) });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toMatchObject({ jsonrpc: '2.0', error: { message: expect.stringContaining('Invalid Host') } });
    const origin = await raw(url, { headers: { host: `localhost:${port}`, origin: 'http://evil.example.com' }, body: JSON.stringify(INIT) });
    expect(origin.status).toBe(403);
    expect(origin.body).toContain('Invalid Origin');
    const junkOrigin = await raw(url, { headers: { origin: 'not a url' }, body: JSON.stringify(INIT) });
    expect(junkOrigin.status).toBe(403);
    const local = await raw(url, { headers: { host: `localhost:${port}`, origin: `http://localhost:${port}` }, body: JSON.stringify(INIT) });
    expect(local.status).toBe(200);
    const ipv6 = await raw(url, { headers: { host: `[::1]:${port}` }, body: JSON.stringify(INIT) });
    expect(ipv6.status).toBe(200);
    for (const r of [local, ipv6]) await raw(url, { method: 'DELETE', headers: { 'mcp-session-id': r.headers['mcp-session-id'] as string } });
  });

  it('answers protocol misuse with JSON-RPC errors and the right status', async () => {
    expect((await raw(url, { path: '/other', body: '{}' })).status).toBe(404);
    expect((await raw(url, { body: '{not json' })).status).toBe(400);
    const noSession = await raw(url, { body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    expect(noSession.status).toBe(400);
    expect(noSession.body).toContain('no valid session id');
    expect((await raw(url, { method: 'GET' })).status).toBe(400);
    const unknown = await raw(url, { headers: { 'mcp-session-id': 'nope' }, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }) });
    expect(unknown.status).toBe(404);
    const put = await raw(url, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(405);
    expect(put.headers['allow']).toBe('GET, POST, DELETE');
  });

  it('bounds sessions (503 beyond maxSessions while all are busy) and frees one on DELETE', async () => {
    const opened: Awaited<ReturnType<typeof connect>>[] = [];
    for (let i = 0; i < 3; i++) opened.push(await connect(url, `c${i}`));
    // Each client's open stream makes its session busy, so none can be evicted to make room.
    for (const { transport } of opened) await waitForStandaloneStream(url, transport.sessionId as string);
    const refused = await raw(url, { body: JSON.stringify(INIT) });
    expect(refused.status).toBe(503);
    await opened[0]?.transport.terminateSession();
    const again = await raw(url, { body: JSON.stringify(INIT) });
    expect(again.status).toBe(200);
    await raw(url, { method: 'DELETE', headers: { 'mcp-session-id': again.headers['mcp-session-id'] as string } });
    for (const { client, transport } of opened) {
      if (transport.sessionId !== undefined) await transport.terminateSession();
      await client.close();
    }
  });

  it('sends a priming event with an id and retry hint so a dropped stream can resume', async () => {
    const res = await raw(url, { body: JSON.stringify(INIT) });
    expect(res.headers['content-type']).toContain('text/event-stream');
    expect(res.body).toMatch(/^id: \S+:1\nretry: 1000\ndata: \n/);
    await raw(url, { method: 'DELETE', headers: { 'mcp-session-id': res.headers['mcp-session-id'] as string } });
  });
});

describe('createMcpHttpHandler limits', () => {
  it('refuses a body over maxBodyBytes with 413 and a failed initialize leaves no session', async () => {
    const handler = createMcpHttpHandler(() => createLayerMcpServer(testLayer()), { maxBodyBytes: 400, maxEvents: 0, allowedOrigins: ['https://app.example'] });
    const server = createServer((req, res) => void handler.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
    try {
      expect((await raw(url, { body: Buffer.alloc(500, 32) })).status).toBe(413);
      const odd = { ...INIT, params: { ...INIT.params, protocolVersion: 1 } };
      expect((await raw(url, { body: JSON.stringify(odd).slice(0, 60) })).status).toBe(400);
      expect((await raw(url, { headers: { origin: 'https://app.example' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }).slice(0, 64) })).status).toBe(400);
      expect((await raw(url, { headers: { origin: 'http://localhost' }, body: '{}' })).status).toBe(403);
      const notAccepted = await raw(url, { headers: { accept: 'text/plain', origin: 'https://app.example' }, body: JSON.stringify(INIT) });
      expect(notAccepted.status).toBe(406);
      expect(handler.sessions()).toBe(0);
    } finally {
      await handler.close();
      await new Promise((r) => server.close(r));
    }
  });

  it('reports a handler failure as a 500 JSON-RPC error', async () => {
    const handler = createMcpHttpHandler(() => {
      throw new Error('factory broke');
    });
    const server = createServer((req, res) => void handler.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
    try {
      const res = await raw(url, { body: JSON.stringify(INIT) });
      expect(res.status).toBe(500);
      expect(res.body).toContain('factory broke');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('computes allowed hosts from the listen address', () => {
    expect(defaultAllowedHosts('127.0.0.1')).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(defaultAllowedHosts('0.0.0.0')).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(defaultAllowedHosts('::1')).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(defaultAllowedHosts('10.0.0.5')).toEqual(['localhost', '127.0.0.1', '[::1]', '10.0.0.5']);
    expect(defaultAllowedHosts('fd00::5')).toEqual(['localhost', '127.0.0.1', '[::1]', '[fd00::5]']);
  });

  it('fails to listen on a port in use, and close is idempotent', async () => {
    const first = await serveToolLayer(testLayer(), { transport: 'http', host: '127.0.0.1' });
    const port = Number(new URL(first.url as string).port);
    await expect(serveToolLayer(testLayer(), { transport: 'http', port })).rejects.toThrow(/EADDRINUSE/);
    await Promise.all([first.close(), first.close()]);
    await first.closed;
  });

  it('closes on abort', async () => {
    const controller = new AbortController();
    const handle = await serveToolLayer(testLayer(), { transport: 'http', host: '::1', signal: controller.signal });
    expect(handle.url).toMatch(/^http:\/\/\[::1\]:\d+\/mcp$/);
    controller.abort();
    await handle.closed;
  });
});

describe('createSessionEventStore', () => {
  it('replays the messages after an event id on the same stream, skipping priming events, bounded', async () => {
    const store = createSessionEventStore(3);
    const a1 = await store.storeEvent('a', {} as never);
    await store.storeEvent('b', { jsonrpc: '2.0', method: 'x' });
    const a3 = await store.storeEvent('a', { jsonrpc: '2.0', method: 'y' });
    const sent: [string, unknown][] = [];
    const send = async (id: string, message: unknown) => void sent.push([id, message]);
    expect(await store.replayEventsAfter(a1, { send })).toBe('a');
    expect(sent).toEqual([[a3, { jsonrpc: '2.0', method: 'y' }]]);
    expect(await store.getStreamIdForEventId?.(a3)).toBe('a');
    await store.storeEvent('a', { jsonrpc: '2.0', method: 'z' });
    expect(await store.replayEventsAfter(a1, { send })).toBe(''); // dropped: only 3 kept
    expect(await createSessionEventStore().storeEvent('s', {} as never)).toBe('s:1');
  });
});

/** Bearer authentication of the Streamable HTTP endpoint, driven by the MCP SDK's own client. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { isNoError } from '../../../src/contracts/errors';
import { createMcpHttpHandler } from '../../../src/tools/mcp/http';
import { createLayerMcpServer, serveToolLayer, type McpServerHandle } from '../../../src/tools/mcp/server';
import { testLayer, textJson } from './fixtures/layers';
import { sendRaw } from './fixtures/wire';

const token = 'mcp-bearer-token-0123456789abcdef';
const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
const ACCEPT = 'application/json, text/event-stream';

async function connect(url: string, headers: Record<string, string> = {}) {
  const client = new Client({ name: 'auth-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return { client, transport };
}

/** A POST of `initialize` with the given headers (fetch, so Host is the real one). */
const post = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers }, body: INIT });

async function endSession(url: string, res: Response, headers: Record<string, string>): Promise<void> {
  const id = res.headers.get('mcp-session-id');
  if (!res.bodyUsed) await res.body?.cancel();
  if (id !== null) await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': id, ...headers } });
}

describe('a bearer token on the Streamable HTTP endpoint', () => {
  let handle: McpServerHandle;
  let url: string;
  beforeAll(async () => {
    handle = await serveToolLayer(testLayer(), { transport: 'http', token });
    url = handle.url as string;
  });
  afterAll(() => handle.close());

  it('lets an SDK client that sends it in, as the same caller as without a token (a shared token is no identity)', async () => {
    const { client, transport } = await connect(url, { Authorization: `Bearer ${token}` });
    expect(textJson(await client.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toEqual({ text: 'hi', caller: 'mcp-http' });
    await transport.terminateSession();
    await client.close();
  });

  it('refuses an SDK client without it: 401, which the client reports with the reason', async () => {
    let thrown: unknown;
    try {
      await connect(url);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StreamableHTTPError);
    expect(thrown).toMatchObject({ code: 401, message: expect.stringContaining('Missing Authorization header') });
    await expect(connect(url, { Authorization: 'Bearer not-the-token-not-the-token' })).rejects.toMatchObject({ code: 401, message: expect.stringContaining('Invalid token') });
  });

  it('answers as the SDK’s requireBearerAuth does: 401, a Bearer challenge with invalid_token, the OAuth error body', async () => {
    const res = await post(url);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="Missing Authorization header: send Authorization: Bearer <token>"');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('mcp-session-id')).toBeNull();
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'Missing Authorization header: send Authorization: Bearer <token>' });
  });

  it.each([
    ['a wrong token', { authorization: `Bearer ${token.slice(0, -1)}x` }, '', 401],
    ['a longer token', { authorization: `Bearer ${token}x` }, '', 401],
    ['the token in the query string (never read: URLs get logged)', {}, `?access_token=${token}`, 401],
    ['the Basic scheme', { authorization: `Basic ${token}` }, '', 401],
    ['the bare token, no scheme', { authorization: token }, '', 401],
    ['an empty Bearer', { authorization: 'Bearer ' }, '', 401],
    ['a lowercase scheme (schemes are case-insensitive)', { authorization: `bearer ${token}` }, '', 200],
    ['extra spaces after the scheme', { authorization: `Bearer    ${token}` }, '', 200],
  ])('%s', async (_name, headers, query, status) => {
    const res = await post(`${url}${query}`, headers as Record<string, string>);
    expect(res.status).toBe(status);
    if (status === 401) {
      const challenge = res.headers.get('www-authenticate') as string;
      expect(challenge).toMatch(/^Bearer error="invalid_token"/);
      // Neither the token nor what the client sent comes back.
      const sent = token.slice(0, 20);
      expect(challenge + (await res.text())).not.toContain(sent);
    }
    await endSession(url, res, { authorization: `Bearer ${token}` });
  });

  it('asks for every request of a session, not only initialize', async () => {
    const opened = await post(url, { authorization: `Bearer ${token}` });
    const session = opened.headers.get('mcp-session-id') as string;
    await opened.body?.cancel();
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const anonymous = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': session }, body: list });
    expect(anonymous.status).toBe(401);
    expect((await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session } })).status).toBe(401);
    expect((await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session, authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('refuses before reading the body, and closes the connection', async () => {
    const port = Number(new URL(url).port);
    // Declared far beyond maxBodyBytes: a check after the body would answer 413.
    const res = await sendRaw(port, [`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 900000000\r\n\r\n{"jsonrpc"`], { waitForClose: true });
    expect(res.status).toBe(401);
    expect(res.headers['connection']).toBe('close');
    expect(res.closedByServer).toBe(true);
  });

  it('never writes the token, or a wrong one, to the console or stderr', async () => {
    const written: string[] = [];
    const spies = [
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(' ')))),
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0),
    ];
    try {
      for (const authorization of [`Bearer ${token}`, `Bearer ${token}-wrong`, `Basic ${token}`]) await endSession(url, await post(url, { authorization }), { authorization: `Bearer ${token}` });
      const { client, transport } = await connect(url, { authorization: `Bearer ${token}` });
      await client.callTool({ name: 'boom', arguments: {} });
      await transport.terminateSession();
      await client.close();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(written.join('\n')).not.toContain(token.slice(0, 20));
  });

  it('still answers a DNS-rebinding Host with 403 first', async () => {
    const port = Number(new URL(url).port);
    const res = await sendRaw(port, [`POST /mcp HTTP/1.1\r\nHost: evil.example:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Length: 2\r\n\r\n{}`]);
    expect(res.status).toBe(403);
  });
});

describe('serving MCP beyond loopback', () => {
  it('refuses to start without a token, saying how to fix it', async () => {
    for (const host of ['0.0.0.0', '::']) {
      const error = await serveToolLayer(testLayer(), { transport: 'http', host }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isNoError(error, 'INVALID_REQUEST')).toBe(true);
      expect((error as Error).message).toMatch(/pass token: '<secret>' .*or bind 127\.0\.0\.1/);
    }
  });

  it('refuses a short token, and never puts it in the error', async () => {
    const short = 'tooshort-secret';
    const error = (await serveToolLayer(testLayer(), { transport: 'http', host: '0.0.0.0', token: short }).catch((e: unknown) => e)) as Error;
    expect(isNoError(error, 'INVALID_REQUEST')).toBe(true);
    expect(JSON.stringify({ message: error.message, ...(error as { details?: object }).details })).not.toContain(short);
    expect(() => createMcpHttpHandler(() => createLayerMcpServer(testLayer()), { token: short })).toThrow(/at least 16 characters/);
  });

  it('refuses a token on stdio, where it would protect nothing', async () => {
    await expect(serveToolLayer(testLayer(), { transport: 'stdio', token })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining("apply to transport 'http' only") });
  });

  it('serves on a wildcard address with a token', async () => {
    const handle = await serveToolLayer(testLayer(), { transport: 'http', host: '0.0.0.0', token });
    try {
      const local = (handle.url as string).replace('0.0.0.0', '127.0.0.1');
      expect((await post(local)).status).toBe(401);
      const { client, transport } = await connect(local, { authorization: `Bearer ${token}` });
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      await transport.terminateSession();
      await client.close();
    } finally {
      await handle.close();
    }
  });
});

describe('verifyToken (JWTs and other verified identities)', () => {
  const tokens: Record<string, string> = { 'jwt-for-alice': 'alice', 'jwt-for-bob': 'bob' };
  let handle: McpServerHandle;
  let url: string;
  beforeAll(async () => {
    handle = await serveToolLayer(testLayer(), {
      transport: 'http',
      verifyToken: async (given) => (tokens[given] === undefined ? given === 'jwt-explode' ? Promise.reject(new Error('jwks unreachable')) : false : { token: given, clientId: tokens[given]!, scopes: [] }),
    });
    url = handle.url as string;
  });
  afterAll(() => handle.close());

  it('makes the verified client id the caller, and the owner of its sessions', async () => {
    const alice = await connect(url, { authorization: 'Bearer jwt-for-alice' });
    expect(textJson(await alice.client.callTool({ name: 'echo', arguments: { text: 'x' } }))).toMatchObject({ caller: 'alice' });
    const list = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' });
    const asBob = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': alice.transport.sessionId as string, authorization: 'Bearer jwt-for-bob', 'mcp-protocol-version': '2025-11-25' },
      body: list,
    });
    expect(asBob.status).toBe(404);
    await alice.transport.terminateSession();
    await alice.client.close();
  });

  it('refuses what the verifier refuses with 401, and answers 500 without a challenge when it throws', async () => {
    const mallory = await post(url, { authorization: 'Bearer jwt-for-mallory' });
    expect(mallory.status).toBe(401);
    expect(`${mallory.headers.get('www-authenticate')} ${await mallory.text()}`).not.toContain('jwt-for-mallory');
    const broken = await post(url, { authorization: 'Bearer jwt-explode' });
    expect(broken.status).toBe(500);
    expect(broken.headers.get('www-authenticate')).toBeNull();
    expect(await broken.json()).toEqual({ error: 'server_error', error_description: 'Internal Server Error: the token could not be verified' });
  });
});

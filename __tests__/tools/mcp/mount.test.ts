import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { buildToolLayer } from '../../../src/tools/layer';
import { localToolName, mountMcpServer } from '../../../src/tools/mcp/mount';
import { fromClientError, fromRemoteResult, inputSchemaOf } from '../../../src/tools/mcp/remote-result';
import { createLayerMcpServer, serveToolLayer } from '../../../src/tools/mcp/server';
import { testLayer } from './fixtures/layers';

/** A third-party style server built with the SDK's McpServer. */
function weatherServer(): McpServer {
  const server = new McpServer({ name: 'weather', version: '1.0.0' });
  server.registerTool(
    'Get-Weather',
    { description: 'Weather of a city.', inputSchema: { city: z.string().min(2), days: z.number().int().max(7).optional() }, annotations: { readOnlyHint: true } },
    async ({ city, days }) => ({ content: [{ type: 'text', text: JSON.stringify({ city, days: days ?? 1, sky: 'clear' }) }] }),
  );
  server.registerTool('plain', { title: 'Plain text' }, async () => ({ content: [{ type: 'text', text: 'just words' }] }));
  server.registerTool('picture', {}, async () => ({
    content: [{ type: 'image', data: 'aGk=', mimeType: 'image/png' }, { type: 'text', text: 'caption' }],
  }));
  server.registerTool(
    'structured',
    { outputSchema: { total: z.number() } },
    async () => ({ content: [{ type: 'text', text: '{"total":3}' }], structuredContent: { total: 3 } }),
  );
  server.registerTool('broken', {}, async () => ({ isError: true, content: [{ type: 'text', text: 'disk on fire' }] }));
  return server;
}

async function linked(server: { connect(t: InMemoryTransport): Promise<void> }) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  return clientSide;
}

describe('mountMcpServer', () => {
  it('registers every remote tool, prefixed, with a gate-validated schema converted from its JSON Schema', async () => {
    const layer = buildToolLayer('primitive', [], { rateLimit: false });
    const mounted = await mountMcpServer(layer, { transport: await linked(weatherServer()) }, { prefix: 'wx', capability: 'io', signal: new AbortController().signal });
    expect(mounted.tools).toEqual(['wx.get-weather', 'wx.plain', 'wx.picture', 'wx.structured', 'wx.broken']);
    expect(mounted.permissive).toEqual([]);
    const manifest = layer.getAvailableTools().find((m) => m.name === 'wx.get-weather');
    expect(manifest).toMatchObject({ capability: 'io', mutating: false, description: 'Weather of a city.' });
    expect(manifest?.inputSchema).toMatchObject({ properties: { city: { type: 'string', minLength: 2 } }, required: ['city'] });
    expect(layer.getAvailableTools().find((m) => m.name === 'wx.plain')).toMatchObject({ mutating: true, description: 'Plain text' });
    expect(layer.getTool('wx.picture')?.description).toBe("Remote MCP tool 'picture'.");

    expect(await layer.invoke('wx.get-weather', { city: 'Oslo', days: 2 })).toMatchObject({ ok: true, data: { city: 'Oslo', days: 2, sky: 'clear' } });
    const refused = await layer.invoke('wx.get-weather', { city: 'O' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(layer.audit.entries().at(-1)).toMatchObject({ outcome: 'denied', details: { stage: 'schema' } });
    expect(await layer.invoke('wx.plain', {})).toMatchObject({ ok: true, data: 'just words' });
    expect(await layer.invoke('wx.picture', {})).toMatchObject({ ok: true, data: { content: [{ type: 'image' }, { type: 'text', text: 'caption' }] } });
    expect(await layer.invoke('wx.structured', {})).toMatchObject({ ok: true, data: { total: 3 } });
    expect(await layer.invoke('wx.broken', {})).toMatchObject({ ok: false, error: { code: 'INTERNAL_ERROR', message: "remote tool 'broken' failed: disk on fire" } });
    await mounted.close();
    expect(await layer.invoke('wx.plain', {})).toMatchObject({ ok: false, error: { code: 'INTERNAL_ERROR', retryable: false } });
  });

  it('keeps the typed error of another nO server, and honours a mutating override and a filter', async () => {
    const layer = buildToolLayer('execution', [], { rateLimit: false, policy: { rules: [{ caller: '*', effect: 'allow' }] } });
    const remote = createLayerMcpServer(testLayer({ rateLimit: { capacity: 1, refillPerSecond: 0.001 } }));
    const mounted = await mountMcpServer(layer, { transport: await linked(remote) }, { prefix: 'prim', capability: 'chaining', tools: ['echo', 'list'], mutating: true, timeoutMs: 5000 });
    expect(mounted.tools).toEqual(['prim.echo', 'prim.list']);
    expect(layer.getTool('prim.echo')).toMatchObject({ mutating: true, timeoutMs: 5000 });
    expect(await layer.invoke('prim.echo', { text: 'yo' })).toMatchObject({ ok: true, data: { text: 'yo', caller: 'mcp-client' } });
    const limited = await layer.invoke('prim.echo', { text: 'again' });
    expect(limited).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', retryable: true, details: { remoteTool: 'echo', remoteDetails: { retryAfterMs: expect.any(Number) } } } });
    await mounted.close();
  });

  it('mounts over Streamable HTTP by url, with headers', async () => {
    const handle = await serveToolLayer(testLayer(), { transport: 'http' });
    try {
      const layer = buildToolLayer('primitive', [], { rateLimit: false });
      const mounted = await mountMcpServer(layer, { url: handle.url as string, headers: { 'x-test': '1' } }, { prefix: 'http', capability: 'compute', tools: ['echo'] });
      expect(await layer.invoke('http.echo', { text: 'over http' })).toMatchObject({ ok: true, data: { text: 'over http', caller: 'mcp-http' } });
      await mounted.close();
      const second = await mountMcpServer(layer, { url: new URL(handle.url as string) }, { prefix: 'http2', capability: 'compute', tools: ['list'] });
      expect(await layer.invoke('http2.list', {})).toMatchObject({ ok: true, data: [1, 2, 3] });
      await second.close();
    } finally {
      await handle.close();
    }
  });

  it('follows pagination and falls back to a permissive object schema zod cannot convert', async () => {
    const server = new Server({ name: 'odd', version: '1' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, (request) =>
      request.params?.cursor === undefined
        ? { tools: [{ name: 'first', inputSchema: { type: 'object', properties: { x: { $ref: '#/$defs/missing' } } } }], nextCursor: 'page-2' }
        : { tools: [{ name: 'second', inputSchema: { type: 'object' } }] },
    );
    server.setRequestHandler(CallToolRequestSchema, (request) => ({ content: [{ type: 'text', text: JSON.stringify(request.params.arguments) }] }));
    const layer = buildToolLayer('primitive', [], { rateLimit: false });
    const client = new Client({ name: 'mine', version: '1' });
    await client.connect(await linked(server));
    const mounted = await mountMcpServer(layer, { client }, { prefix: 'odd', capability: 'compute' });
    expect(mounted.tools).toEqual(['odd.first', 'odd.second']);
    expect(mounted.permissive).toEqual(['first']);
    expect(await layer.invoke('odd.first', { x: { anything: true } })).toMatchObject({ ok: true, data: { x: { anything: true } } });
    expect(await layer.invoke('odd.first', ['not', 'an', 'object'])).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    await mounted.close(); // a client passed in stays open
    expect(await layer.invoke('odd.second', { y: 1 })).toMatchObject({ ok: true, data: { y: 1 } });
    await client.close();
  });

  it('checks everything before registering anything', async () => {
    const layer = testLayer();
    const source = async () => ({ transport: await linked(weatherServer()) });
    await expect(mountMcpServer(layer, await source(), { prefix: 'Bad Prefix', capability: 'io' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(mountMcpServer(layer, await source(), { prefix: 'wx', capability: 'process' })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining("capability 'process'") });
    layer.register({ ...layer.getTool('echo')!, name: 'wx.plain' });
    const before = layer.getAvailableTools().length;
    await expect(mountMcpServer(layer, await source(), { prefix: 'wx', capability: 'io' })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining("'wx.plain' twice") });
    expect(layer.getAvailableTools()).toHaveLength(before);

    const long = new Server({ name: 'long', version: '1' }, { capabilities: { tools: {} } });
    long.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: [{ name: 'ok', inputSchema: { type: 'object' as const } }, { name: 'x'.repeat(130), inputSchema: { type: 'object' as const } }],
    }));
    await expect(mountMcpServer(layer, { transport: await linked(long) }, { prefix: 'long', capability: 'io' })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('cannot mount') });
    expect(layer.getTool('long.ok')).toBeUndefined();
  });

  it('reports a server that cannot be started', async () => {
    const layer = testLayer();
    await expect(mountMcpServer(layer, { command: '/nonexistent/mcp-server', args: ['x'], env: { A: '1' }, cwd: '/' }, { prefix: 'none', capability: 'io' })).rejects.toThrow(/ENOENT|spawn/);
    await expect(mountMcpServer(layer, { command: '/nonexistent/mcp-server' }, { prefix: 'none', capability: 'io' })).rejects.toThrow(/ENOENT|spawn/);
    expect(layer.getAvailableTools().some((t) => t.name.startsWith('none.'))).toBe(false);
  });

  it('names tools in the layer alphabet', () => {
    expect(localToolName('gh', 'Create Issue!')).toBe('gh.create_issue_');
    expect(localToolName('fs', 'read_file')).toBe('fs.read_file');
  });
});

describe('remote results and errors', () => {
  it('converts JSON Schemas to zod, and anything that is not an object schema to the permissive one', () => {
    expect(inputSchemaOf({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }).converted).toBe(true);
    expect(inputSchemaOf({ type: 'string' }).converted).toBe(false);
    expect(inputSchemaOf(undefined).converted).toBe(false);
    expect(inputSchemaOf({ type: 'object', properties: { a: { type: 'nonsense' } } }).converted).toBe(false);
  });

  it('reads errors from structured content and from several blocks', () => {
    const typed = { code: 'TASK_NOT_FOUND', message: 'gone', timestamp: '2026-01-01T00:00:00Z' };
    expect(() => fromRemoteResult('t', { isError: true, content: [], structuredContent: typed })).toThrow(expect.objectContaining({ code: 'TASK_NOT_FOUND' }));
    expect(() => fromRemoteResult('t', { isError: true, content: [{ type: 'text', text: 'a' }, { type: 'image', data: '', mimeType: 'image/png' }] })).toThrow(
      "remote tool 't' failed: a\n[image]",
    );
  });

  it('maps client errors: invalid params to INVALID_INPUT, time-outs and closed connections retryable', () => {
    expect(fromClientError('t', new McpError(ErrorCode.InvalidParams, 'bad'))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(fromClientError('t', new McpError(ErrorCode.RequestTimeout, 'slow'))).toMatchObject({ code: 'INTERNAL_ERROR', retryable: true, details: { mcpCode: -32001 } });
    expect(fromClientError('t', new McpError(ErrorCode.ConnectionClosed, 'gone'))).toMatchObject({ retryable: true });
    expect(fromClientError('t', 'weird')).toMatchObject({ code: 'INTERNAL_ERROR', retryable: false, message: "remote tool 't' failed: weird" });
  });
});

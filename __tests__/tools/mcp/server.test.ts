import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { createToolLayer } from '../../../src/tools/create-layer';
import { toCallToolResult, toMcpTool } from '../../../src/tools/mcp/content';
import { createLayerMcpServer, defaultCaller, serveToolLayer } from '../../../src/tools/mcp/server';
import type { ToolLayer } from '../../../src/tools/tool';
import { connectInMemory, sandbox, testLayer, textJson } from './fixtures/layers';

describe('createLayerMcpServer (in-process, real SDK client)', () => {
  it('lists every tool of the layer with the JSON Schema generated from its Zod schema', async () => {
    const layer = testLayer();
    const { client, close } = await connectInMemory(createLayerMcpServer(layer));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['echo', 'list', 'slow', 'boom']);
    const echo = tools.find((t) => t.name === 'echo');
    expect(echo?.inputSchema).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string', minLength: 1, maxLength: 100 }, times: { type: 'integer', minimum: 1, maximum: 5, default: 1 } },
      required: ['text'],
    });
    expect(echo?.inputSchema).not.toHaveProperty('$schema');
    expect(echo?.annotations).toEqual({ readOnlyHint: true, destructiveHint: false, openWorldHint: false });
    expect(echo?._meta).toEqual({ 'langgraph-no/layer': 'primitive', 'langgraph-no/capability': 'compute' });
    expect(client.getServerVersion()).toEqual({ name: 'langgraph-no-primitive', version: expect.any(String) });
    await close();
  });

  it('calls a tool through the gate and returns the data as JSON text and structuredContent', async () => {
    const { client, close } = await connectInMemory(createLayerMcpServer(testLayer()));
    const result = await client.callTool({ name: 'echo', arguments: { text: 'ab', times: 2 } });
    expect(result.isError).toBeUndefined();
    expect(textJson(result)).toEqual({ text: 'abab', caller: 'mcp-client' });
    expect(result.structuredContent).toEqual({ text: 'abab', caller: 'mcp-client' });
    expect(result._meta).toMatchObject({ 'langgraph-no/tool': 'echo', 'langgraph-no/layer': 'primitive', 'langgraph-no/type': 'data' });
    await close();
  });

  it('returns non-object data as text only', async () => {
    const { client, close } = await connectInMemory(createLayerMcpServer(testLayer()));
    const result = await client.callTool({ name: 'list', arguments: {} });
    expect(textJson(result)).toEqual([1, 2, 3]);
    expect(result.structuredContent).toBeUndefined();
    await close();
  });

  it('answers a validation failure with isError and the typed INVALID_INPUT error naming the field', async () => {
    const { client, close } = await connectInMemory(createLayerMcpServer(testLayer()));
    const result = await client.callTool({ name: 'echo', arguments: { text: '', times: 9 } });
    expect(result.isError).toBe(true);
    const error = textJson(result);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', timestamp: expect.any(String) });
    expect(error.message).toContain('text');
    expect(error.message).toContain('times');
    expect(result.structuredContent).toEqual(error);
    await close();
  });

  it('treats missing arguments as an empty object and unknown tools as TOOL_NOT_FOUND', async () => {
    const { client, close } = await connectInMemory(createLayerMcpServer(testLayer()));
    expect(textJson(await client.callTool({ name: 'list' }))).toEqual([1, 2, 3]);
    const unknown = await client.callTool({ name: 'nope', arguments: {} });
    expect(unknown.isError).toBe(true);
    expect(textJson(unknown)).toMatchObject({ code: 'TOOL_NOT_FOUND', details: { tool: 'nope' } });
    await close();
  });

  it('maps a failing tool to INTERNAL_ERROR', async () => {
    const { client, close } = await connectInMemory(createLayerMcpServer(testLayer()));
    const result = await client.callTool({ name: 'boom', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textJson(result)).toMatchObject({ code: 'INTERNAL_ERROR', message: 'kaboom' });
    await close();
  });

  it('authorises every call as the configured caller: the execution layer denies until a rule allows it', async () => {
    const box = await sandbox();
    try {
      const denied = createToolLayer('execution', { root: box.root });
      const a = await connectInMemory(createLayerMcpServer(denied, { caller: 'ide' }));
      const refused = await a.client.callTool({ name: 'file-system-operation', arguments: { operation: 'read', path: 'hello.txt' } });
      expect(refused.isError).toBe(true);
      expect(textJson(refused)).toMatchObject({ code: 'PERMISSION_DENIED' });
      expect(textJson(refused).message).toContain("caller 'ide'");
      await a.close();

      const allowed = createToolLayer('execution', { root: box.root, policy: { rules: [{ caller: 'ide', layer: 'execution', effect: 'allow' }] } });
      const b = await connectInMemory(createLayerMcpServer(allowed, { caller: 'ide' }));
      const ok = await b.client.callTool({ name: 'file-system-operation', arguments: { operation: 'read', path: 'hello.txt' } });
      expect(ok.isError).toBeUndefined();
      expect(JSON.stringify(textJson(ok))).toContain('hello from the sandbox');
      expect(allowed.audit.entries().at(-1)).toMatchObject({ actor: 'ide', outcome: 'success' });
      await b.close();
    } finally {
      await box.cleanup();
    }
  });

  it('rate-limits per caller and tool with a retryable RATE_LIMITED error', async () => {
    const layer = testLayer({ rateLimit: { capacity: 2, refillPerSecond: 0.001 } });
    const { client, close } = await connectInMemory(createLayerMcpServer(layer, { caller: 'agent-1' }));
    await client.callTool({ name: 'list', arguments: {} });
    await client.callTool({ name: 'list', arguments: {} });
    const third = await client.callTool({ name: 'list', arguments: {} });
    expect(third.isError).toBe(true);
    expect(textJson(third)).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    await close();
  });

  it('resolves the caller with a function of the client (transport, session, declared client info)', async () => {
    const seen: unknown[] = [];
    const server = createLayerMcpServer(testLayer(), {
      transport: 'http',
      caller: (info) => {
        seen.push(info);
        return `via-${info.transport}`;
      },
    });
    const { client, close } = await connectInMemory(server);
    expect(textJson(await client.callTool({ name: 'echo', arguments: { text: 'x' } })).caller).toBe('via-http');
    expect(seen[0]).toEqual({ transport: 'http', clientInfo: { name: 'test-client', version: '1.0.0' } });
    await close();
  });

  it('never answers with a bare protocol error when a layer or resolver throws', async () => {
    const throwing: ToolLayer = { ...testLayer(), invoke: () => Promise.reject(new Error('layer broke')) };
    const { client, close } = await connectInMemory(createLayerMcpServer(throwing));
    const result = await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    expect(result.isError).toBe(true);
    expect(textJson(result)).toMatchObject({ code: 'INTERNAL_ERROR', message: 'layer broke', details: { reason: 'layer-threw' } });
    await close();
  });

  it('passes the client cancellation to the tool through the gate', async () => {
    const layer = testLayer();
    const { client, close } = await connectInMemory(createLayerMcpServer(layer));
    const controller = new AbortController();
    const pending = client.callTool({ name: 'slow', arguments: {} }, undefined, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user cancelled')), 50);
    await expect(pending).rejects.toThrow(/cancelled/);
    // The server side saw the cancellation: the tool's signal aborted and the gate audited a failure.
    for (let i = 0; i < 100 && layer.audit.entries().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(layer.audit.entries().at(-1)).toMatchObject({ outcome: 'failure', details: { tool: 'slow' } });
    await close();
  });
});

describe('defaultCaller', () => {
  it('uses a verified auth client id, never the self-declared client name', () => {
    expect(defaultCaller({ transport: 'stdio', clientInfo: { name: 'admin', version: '1' } })).toBe('mcp-stdio');
    expect(defaultCaller({ transport: 'http', clientInfo: { name: 'admin', version: '1' } })).toBe('mcp-http');
    expect(defaultCaller({ transport: 'custom' })).toBe('mcp-client');
    expect(defaultCaller({ transport: 'http', authInfo: { token: 't', clientId: 'oauth-client-7', scopes: [] } })).toBe('oauth-client-7');
  });
});

describe('content mapping', () => {
  it('keeps the typed error fields and makes structured content equal the text', () => {
    const error = { code: 'RATE_LIMITED' as const, message: 'slow down', retryable: true, timestamp: '2026-01-01T00:00:00.000Z' };
    const mapped = toCallToolResult({ ok: false, tool: 't', layer: 'primitive', error, durationMs: 1 });
    expect(mapped).toMatchObject({ isError: true, structuredContent: error });
    const dated = toCallToolResult({ ok: true, tool: 't', layer: 'primitive', type: 'data', data: { at: new Date(0), n: undefined }, durationMs: 1 });
    expect(dated.structuredContent).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const loop = toCallToolResult({ ok: true, tool: 't', layer: 'primitive', type: 'data', data: cyclic, durationMs: 1 });
    expect(loop).toMatchObject({ content: [{ type: 'text', text: '"[object Object]"' }] });
    expect(loop.structuredContent).toBeUndefined();
    const odd = toCallToolResult({ ok: true, tool: 't', layer: 'primitive', type: 'data', data: 10n, durationMs: 1 });
    expect(odd.content).toEqual([{ type: 'text', text: '"10"' }]);
    expect(toCallToolResult({ ok: true, tool: 't', layer: 'primitive', type: 'data', data: undefined, durationMs: 1 }).content).toEqual([{ type: 'text', text: 'null' }]);
  });

  it('marks mutating tools destructive and execution tools open-world', () => {
    const tool = toMcpTool({ name: 'x', layer: 'execution', capability: 'process', description: 'd', inputSchema: { $schema: 's', type: 'object' }, mutating: true });
    expect(tool).toMatchObject({ inputSchema: { type: 'object' }, annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true } });
  });
});

describe('serveToolLayer over stdio streams', () => {
  function pipeClient(stdin: PassThrough, stdout: PassThrough) {
    const buffer = new ReadBuffer();
    const messages: any[] = [];
    stdout.on('data', (chunk: Buffer) => {
      buffer.append(chunk);
      for (let m = buffer.readMessage(); m !== null; m = buffer.readMessage()) messages.push(m);
    });
    const send = (message: object) => stdin.write(serializeMessage(message as never));
    const next = async (id: number) => {
      for (let i = 0; i < 100; i++) {
        const found = messages.find((m) => m.id === id);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no response ${id}`);
    };
    return { send, next };
  }

  it('serves initialize and tools/call as the stdio caller and stops when the client hangs up', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const handle = await serveToolLayer(testLayer(), { transport: 'stdio', stdin, stdout });
    expect(handle.url).toBeUndefined();
    const io = pipeClient(stdin, stdout);
    io.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } });
    expect((await io.next(1)).result.serverInfo.name).toBe('langgraph-no-primitive');
    io.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    io.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
    expect(JSON.parse((await io.next(2)).result.content[0].text)).toEqual({ text: 'hi', caller: 'mcp-stdio' });
    stdin.end();
    await handle.closed;
  });

  it('closes on abort and refuses an already-aborted signal', async () => {
    const controller = new AbortController();
    const handle = await serveToolLayer(testLayer(), { transport: 'stdio', stdin: new PassThrough(), stdout: new PassThrough(), signal: controller.signal, caller: 'x', name: 'n', version: '9' });
    controller.abort();
    await handle.closed;
    await expect(serveToolLayer(testLayer(), { transport: 'stdio', signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(serveToolLayer(testLayer(), { transport: 'carrier-pigeon' as never })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('uses the name and version it is given', async () => {
    const { client, close } = await connectInMemory(createLayerMcpServer(testLayer(), { name: 'custom', version: '2.0.0' }));
    expect(client.getServerVersion()).toEqual({ name: 'custom', version: '2.0.0' });
    expect(client).toBeInstanceOf(Client);
    await close();
  });
});

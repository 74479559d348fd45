import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { z } from 'zod';
import { serveToolLayer } from '../../../src/tools/mcp/server';
import { buildToolLayer } from '../../../src/tools/layer';
import { defineTool } from '../../../src/tools/tool';
import { gate, rawConnection, rawPost } from '../../helpers/raw-http';
import { testLayer } from './fixtures/layers';

const ACCEPT = 'application/json, text/event-stream';

/** A layer whose `gated` tool answers once the gate opens, counting its calls. */
function gatedLayer() {
  const entered = gate();
  const release = gate();
  const calls = { started: 0, finished: 0 };
  const layer = buildToolLayer('primitive', [
    defineTool({
      name: 'gated',
      capability: 'compute',
      description: 'Answers when released.',
      input: z.object({}),
      mutating: false,
      run: async () => {
        calls.started++;
        entered.open();
        await release.opened;
        calls.finished++;
        return { done: true };
      },
    }),
  ], { rateLimit: false });
  return { layer, entered, release, calls };
}

async function session(url: string): Promise<{ client: Client; sessionId: string }> {
  const client = new Client({ name: 'close-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return { client, sessionId: transport.sessionId as string };
}

describe('closing the MCP Streamable HTTP server gracefully', () => {
  it('lets a tool call in flight finish, answers a new request 503 with a JSON-RPC error, then ends', async () => {
    const { layer, entered, release, calls } = gatedLayer();
    const handle = await serveToolLayer(layer, { transport: 'http' });
    const url = new URL(handle.url as string);
    const { client, sessionId } = await session(url.href);
    const headers = { accept: ACCEPT, 'mcp-session-id': sessionId };
    const connection = rawConnection(Number(url.port), rawPost(url.pathname, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'gated', arguments: {} } }, headers));
    await entered.opened;
    const closing = handle.close({ graceMs: 5_000 });
    connection.send(rawPost(url.pathname, { jsonrpc: '2.0', id: 8, method: 'tools/list', params: {} }, headers));
    await new Promise((resolve) => setTimeout(resolve, 50));
    release.open();
    const text = await connection.received;
    await closing;
    await handle.closed;
    expect(calls).toEqual({ started: 1, finished: 1 });
    expect(text).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*"structuredContent":\{"done":true\}[\s\S]*"id":7/);
    const refused = /HTTP\/1\.1 503 Service Unavailable[\s\S]*?(\{"jsonrpc".*\})/.exec(text);
    expect(JSON.parse(refused?.[1] ?? 'null')).toMatchObject({ jsonrpc: '2.0', error: { code: -32000, message: expect.stringContaining('shutting down') } });
    await client.close();
  });

  it('cuts a tool call still running when the grace ends', async () => {
    const handle = await serveToolLayer(testLayer(), { transport: 'http' });
    const url = new URL(handle.url as string);
    const { client, sessionId } = await session(url.href);
    const connection = rawConnection(Number(url.port), rawPost(url.pathname, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'slow', arguments: {} } }, { accept: ACCEPT, 'mcp-session-id': sessionId }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const began = Date.now();
    await handle.close({ graceMs: 150 });
    expect(Date.now() - began).toBeGreaterThanOrEqual(140);
    expect(await connection.received).not.toMatch(/"result"/);
    await client.close();
  });
});

import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Implementation } from '@modelcontextprotocol/sdk/types.js';
import type { Readable, Writable } from 'node:stream';
import { NoError, toError } from '../../contracts/errors.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../../version.js';
import { errorResult, toolError } from '../errors.js';
import type { ToolLayer } from '../tool.js';
import { toCallToolResult, toMcpTool } from './content.js';
import { listenMcpHttp, type McpHttpOptions, type McpServerHandle } from './http.js';

export type { McpServerHandle } from './http.js';

/** The caller id of stdio clients when none is given: the process that spawned the server. */
export const DEFAULT_STDIO_CALLER = 'mcp-stdio';
/** The caller id of HTTP clients when none is given and the request carries no verified auth. */
export const DEFAULT_HTTP_CALLER = 'mcp-http';
/** The caller id on any other transport (in-memory, custom) when none is given. */
export const DEFAULT_CLIENT_CALLER = 'mcp-client';

/** What is known about the client of one call, to pick the caller id the gate authorises. */
export interface McpCallerInfo {
  transport: 'stdio' | 'http' | 'custom';
  /** The Streamable HTTP session id. */
  sessionId?: string;
  /** The name and version the client declared at initialize: self-declared, not an identity. */
  clientInfo?: Implementation;
  /** Set by an auth middleware in front of the HTTP handler (`req.auth`): a verified identity. */
  authInfo?: AuthInfo;
}

/** A fixed caller id, or a function of the client (see {@link defaultCaller}). */
export type McpCallerOption = string | ((info: McpCallerInfo) => string);

/**
 * The caller id when none is configured: `authInfo.clientId` when an auth layer verified one, else
 * `mcp-stdio` / `mcp-http` / `mcp-client` by transport. The client's declared `clientInfo.name` is never used: any client can
 * claim any name, so a policy rule keyed on it would be a rule anyone can satisfy.
 */
export function defaultCaller(info: McpCallerInfo): string {
  if (info.authInfo?.clientId) return info.authInfo.clientId;
  if (info.transport === 'stdio') return DEFAULT_STDIO_CALLER;
  return info.transport === 'http' ? DEFAULT_HTTP_CALLER : DEFAULT_CLIENT_CALLER;
}

export interface LayerMcpServerOptions {
  /** Which transport the server is for (feeds the caller resolution). @default 'custom' */
  transport?: McpCallerInfo['transport'];
  /** The caller id every call is authorised, rate-limited and audited as. @default defaultCaller */
  caller?: McpCallerOption;
  /** The server's name in `initialize`. @default 'langgraph-no-<level>' */
  name?: string;
  /** @default the package version */
  version?: string;
}

function resolveCaller(option: McpCallerOption | undefined, info: McpCallerInfo): string {
  if (typeof option === 'string') return option;
  return (option ?? defaultCaller)(info);
}

/**
 * An MCP server (SDK low-level `Server`, not yet connected) whose tools are the layer's: `tools/list`
 * returns every manifest with its JSON Schema, `tools/call` goes through `layer.invoke`, so every MCP
 * call passes the layer's gate (policy, rate limit, size, schema, timeout, audit) as the resolved caller.
 *
 * @example
 * const server = createLayerMcpServer(layer, { caller: 'ide' });
 * await server.connect(transport);
 */
export function createLayerMcpServer(layer: ToolLayer, options: LayerMcpServerOptions = {}): Server {
  const transport = options.transport ?? 'custom';
  const server = new Server(
    { name: options.name ?? `${PACKAGE_NAME}-${layer.level}`, version: options.version ?? PACKAGE_VERSION },
    {
      capabilities: { tools: {} },
      instructions: `The ${layer.level} tool layer of ${PACKAGE_NAME}. Errors come back as isError results whose text is a JSON tool error { code, message, details?, retryable?, timestamp }.`,
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: layer.getAvailableTools().map(toMcpTool) }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name } = request.params;
    const info: McpCallerInfo = { transport };
    if (extra.sessionId !== undefined) info.sessionId = extra.sessionId;
    const clientInfo = server.getClientVersion();
    if (clientInfo !== undefined) info.clientInfo = clientInfo;
    if (extra.authInfo !== undefined) info.authInfo = extra.authInfo;
    try {
      const caller = resolveCaller(options.caller, info);
      const result = await layer.invoke(name, request.params.arguments ?? {}, { caller, signal: extra.signal });
      return toCallToolResult(result);
    } catch (thrown) {
      // ToolLayer.invoke never throws by contract; a layer (or a caller resolver) that does still
      // answers with a typed error rather than a bare JSON-RPC failure.
      const error = toolError('INTERNAL_ERROR', toError(thrown).message, { details: { reason: 'layer-threw' } });
      return toCallToolResult(errorResult(name, layer.level, error, 0));
    }
  });
  return server;
}

/** Options of {@link serveToolLayer}. */
export interface ServeToolLayerOptions extends Omit<LayerMcpServerOptions, 'transport'>, McpHttpOptions {
  transport: 'stdio' | 'http';
  /** HTTP port; 0 picks a free one (see `url`). @default 0 */
  port?: number;
  /** HTTP listen address. @default '127.0.0.1' */
  host?: string;
  /** Aborting closes the server. */
  signal?: AbortSignal;
  /** stdio streams. @default process.stdin / process.stdout */
  stdin?: Readable;
  stdout?: Writable;
}

/**
 * Serves a tool layer over MCP: stdio (one client, the parent process) or Streamable HTTP (sessions,
 * DNS-rebinding protection, one MCP server per session).
 *
 * @example
 * const handle = await serveToolLayer(layer, { transport: 'http', port: 3000, caller: 'ops' });
 * console.log(handle.url); // http://127.0.0.1:3000/mcp
 */
export async function serveToolLayer(layer: ToolLayer, options: ServeToolLayerOptions): Promise<McpServerHandle> {
  if (options.signal?.aborted) throw new NoError('ABORTED', 'serveToolLayer was aborted before it started');
  const base: LayerMcpServerOptions = {};
  if (options.caller !== undefined) base.caller = options.caller;
  if (options.name !== undefined) base.name = options.name;
  if (options.version !== undefined) base.version = options.version;

  let handle: McpServerHandle;
  if (options.transport === 'stdio' && (options.token !== undefined || options.verifyToken !== undefined)) {
    throw new NoError('INVALID_REQUEST', "token and verifyToken apply to transport 'http' only: a stdio server's one client is the process that started it");
  }
  if (options.transport === 'stdio') {
    const server = createLayerMcpServer(layer, { ...base, transport: 'stdio' });
    let done!: () => void;
    const closed = new Promise<void>((resolve) => (done = resolve));
    server.onclose = () => done();
    const stdin = options.stdin ?? process.stdin;
    // The SDK's stdio transport does not notice end of input; a client that hangs up must end the server.
    const onEnd = (): void => void server.close();
    stdin.once('end', onEnd);
    void closed.then(() => stdin.off('end', onEnd));
    await server.connect(new StdioServerTransport(stdin, options.stdout ?? process.stdout));
    handle = { closed, close: () => server.close() };
  } else if (options.transport === 'http') {
    handle = await listenMcpHttp(() => createLayerMcpServer(layer, { ...base, transport: 'http' }), options);
  } else {
    throw new NoError('INVALID_REQUEST', `unknown MCP transport '${String(options.transport)}' (stdio or http)`);
  }
  const { signal } = options;
  if (signal !== undefined) {
    const onAbort = (): void => void handle.close();
    signal.addEventListener('abort', onAbort, { once: true });
    void handle.closed.then(() => signal.removeEventListener('abort', onAbort));
  }
  return handle;
}

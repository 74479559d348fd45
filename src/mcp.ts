/// <reference types="node" preserve="true" />
/**
 * langgraph-no/mcp — serve tool layers to MCP clients (stdio, Streamable HTTP) and mount other MCP
 * servers' tools into a layer. A subpath of its own so that `import 'langgraph-no'` never loads the
 * MCP SDK and its HTTP stack.
 */
export {
  serveToolLayer,
  createLayerMcpServer,
  DEFAULT_STDIO_CALLER,
  DEFAULT_HTTP_CALLER,
  DEFAULT_CLIENT_CALLER,
  createMcpHttpHandler,
  listenMcpHttp,
  defaultAllowedHosts,
  DEFAULT_MCP_PATH,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_SESSIONS_PER_CLIENT,
  DEFAULT_SESSION_IDLE_TIMEOUT_MS,
  MIN_TOKEN_LENGTH,
  mountMcpServer,
} from './tools/mcp/index.js';
export type {
  ServeToolLayerOptions,
  LayerMcpServerOptions,
  McpCallerInfo,
  McpCallerOption,
  McpServerHandle,
  McpHttpOptions,
  McpHttpHandler,
  BearerAuthOptions,
  TokenVerifier,
  McpServerSource,
  MountOptions,
  MountedMcpServer,
} from './tools/mcp/index.js';
export type { ServerCloseOptions } from './resilience/index.js';
export { createOrchestrationMcpServer } from './compat/mcp-tools/server.js';

// ── Serving a layer over MCP ─────────────────────────────────────────────────────────────────────
export { serveToolLayer, createLayerMcpServer, defaultCaller, DEFAULT_STDIO_CALLER, DEFAULT_HTTP_CALLER, DEFAULT_CLIENT_CALLER } from './server.js';
export type { ServeToolLayerOptions, LayerMcpServerOptions, McpCallerInfo, McpCallerOption, McpServerHandle } from './server.js';
export {
  createMcpHttpHandler,
  listenMcpHttp,
  defaultAllowedHosts,
  LOCALHOST_NAMES,
  DEFAULT_MCP_PATH,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_MAX_SESSIONS_PER_CLIENT,
  DEFAULT_SESSION_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RETRY_INTERVAL_MS,
} from './http.js';
export type { McpHttpOptions, McpHttpHandler } from './http.js';
export { MIN_TOKEN_LENGTH } from '../http-auth.js';
export type { BearerAuthOptions, TokenVerifier } from '../http-auth.js';
export { createSessionEventStore, DEFAULT_MAX_EVENTS } from './event-store.js';
export { toMcpTool, toCallToolResult } from './content.js';

// ── Mounting external MCP servers into a layer ───────────────────────────────────────────────────
export { mountMcpServer, localToolName } from './mount.js';
export type { McpServerSource, MountOptions, MountedMcpServer } from './mount.js';
export { inputSchemaOf, fromRemoteResult, fromClientError, PERMISSIVE_INPUT } from './remote-result.js';

import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { NoToolLayer, ToolLayerOptions } from '../../tools/layer.js';
import { createLayerMcpServer, type LayerMcpServerOptions } from '../../tools/mcp/server.js';
import { createOrchestrationLayer, type OrchestrationToolsOptions } from './tools.js';

/**
 * An MCP server (not yet connected) serving the three tools through a dashboard layer's gate.
 *
 * @example
 * const { server } = createOrchestrationMcpServer();
 * await server.connect(new StdioServerTransport());
 */
export function createOrchestrationMcpServer(
  options: OrchestrationToolsOptions & ToolLayerOptions & LayerMcpServerOptions = {},
): { server: Server; layer: NoToolLayer } {
  const layer = createOrchestrationLayer(options);
  return { server: createLayerMcpServer(layer, { name: 'langgraph-no-orchestration', ...options }), layer };
}

import type { ToolDefinition } from '../tool.js';
import { aggregateTool } from './aggregate.js';
import { chainTool } from './chain.js';
import { fileSystemTool } from './file-system.js';
import { networkTool } from './network.js';
import { resolveConfig, type ExecutionToolsOptions } from './options.js';
import { processTool } from './process.js';

export type { ExecutionToolsOptions, BubblewrapOptions } from './options.js';
export { DEFAULT_PATH, DEFAULT_SANDBOX } from './options.js';
export { sandboxStatus, DEFAULT_BWRAP_PATHS, DEFAULT_SANDBOX_PROBE_TIMEOUT_MS, SYSTEM_PATHS, NETWORK_PATHS } from './bubblewrap.js';
export type { SandboxStatus } from './bubblewrap.js';
export type { ProcessResult } from './process.js';
export type { FetchResult } from './network.js';
export type { Aggregate, AggregateResult } from './aggregate.js';

/**
 * The execution layer's tools: `file-system-operation`, `process-execution`, `network-fetch`,
 * `tool-chain` and `aggregate-results`, confined to `options.root`, the command allow-list and the
 * host allow-list; commands run in a bubblewrap sandbox that sees only the root and the system
 * folders (`options.sandbox`). Refusals throw NoError('PERMISSION_DENIED' | 'INVALID_INPUT') and
 * change nothing.
 */
export function executionTools(options: ExecutionToolsOptions): ToolDefinition[] {
  const config = resolveConfig(options);
  return [
    fileSystemTool(config),
    processTool(config),
    networkTool(config),
    chainTool(),
    aggregateTool(),
  ];
}

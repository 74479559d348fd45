import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { NoError } from '../../contracts/errors.js';
import type { ToolCapability } from '../../contracts/tools.js';
import { MAX_TIMER_MS } from '../../resilience/timeout.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../../version.js';
import { toManifest } from '../layer.js';
import type { ToolDefinition, ToolLayer } from '../tool.js';
import { fromClientError, fromRemoteResult, inputSchemaOf } from './remote-result.js';

/** Where the external MCP server is: a connected client, a transport, a command to spawn, or a URL. */
export type McpServerSource =
  | { client: Client }
  | { transport: Transport }
  | { command: string; args?: string[]; env?: Record<string, string>; cwd?: string }
  | { url: string | URL; headers?: Record<string, string> };

export interface MountOptions {
  /** Prepended to every remote tool name with a dot: `prefix.remote_name`. Lower-case letters, digits, `_`, `-`. */
  prefix: string;
  /** The capability of every mounted tool; must be one of the layer's. */
  capability: ToolCapability;
  /** Only these remote tools (by remote name). @default all */
  tools?: string[];
  /** @default from each tool's `readOnlyHint` (a tool not marked read-only counts as mutating) */
  mutating?: boolean;
  /** Per-call timeout of mounted tools. @default the layer's */
  timeoutMs?: number;
  /** Aborts connecting and listing. */
  signal?: AbortSignal;
}

export interface MountedMcpServer {
  /** The local names registered in the layer. */
  tools: string[];
  /** The remote tools whose JSON Schema zod could not convert (validated as any object). */
  permissive: string[];
  client: Client;
  /**
   * Closes the connection when the mount opened it (not a `client` passed in). The tools stay registered
   * (a layer has no unregister) and answer INTERNAL_ERROR from then on.
   */
  close(): Promise<void>;
}

const PREFIX = /^[a-z][a-z0-9_-]{0,63}$/;

/** A remote name in the layer's alphabet (lower case, letters, digits, `.`, `_`, `-`). */
export const localToolName = (prefix: string, remote: string): string => `${prefix}.${remote.toLowerCase().replace(/[^a-z0-9._-]/g, '_')}`;

function transportOf(source: Exclude<McpServerSource, { client: Client }>): Transport {
  if ('transport' in source) return source.transport;
  if ('command' in source) {
    return new StdioClientTransport({
      command: source.command,
      ...(source.args ? { args: source.args } : {}),
      ...(source.env ? { env: source.env } : {}),
      ...(source.cwd ? { cwd: source.cwd } : {}),
      stderr: 'pipe',
    });
  }
  const url = typeof source.url === 'string' ? new URL(source.url) : source.url;
  return new StreamableHTTPClientTransport(url, source.headers ? { requestInit: { headers: source.headers } } : undefined);
}

async function listAll(client: Client, signal: AbortSignal | undefined): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor }, signal ? { signal } : undefined);
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return tools;
}

function remoteTool(client: Client, tool: Tool, name: string, options: MountOptions): ToolDefinition {
  const { schema } = inputSchemaOf(tool.inputSchema);
  return {
    name,
    capability: options.capability,
    description: tool.description ?? tool.title ?? `Remote MCP tool '${tool.name}'.`,
    input: schema,
    mutating: options.mutating ?? tool.annotations?.readOnlyHint !== true,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    async run(input, ctx) {
      let result;
      try {
        result = await client.callTool({ name: tool.name, arguments: input as Record<string, unknown> }, undefined, {
          signal: ctx.signal,
          // The longest timer there is: the SDK's own request timeout must never fire before the gate's.
          timeout: MAX_TIMER_MS,
        });
      } catch (error) {
        throw fromClientError(tool.name, error);
      }
      return fromRemoteResult(tool.name, result as Parameters<typeof fromRemoteResult>[1]);
    },
  };
}

/**
 * Mounts an external MCP server's tools into a layer: each remote tool becomes a ToolDefinition named
 * `prefix.remote_name`, with the given capability and a Zod schema converted from its JSON Schema, so
 * calls pass the layer's gate (policy, rate limit, size, schema, timeout, audit) before they leave.
 * Everything is checked before anything is registered: a bad prefix, a capability outside the layer,
 * or a name clash throws NoError('INVALID_REQUEST') and registers nothing.
 *
 * @example
 * const mounted = await mountMcpServer(layer, { command: 'npx', args: ['-y', 'some-mcp-server'] },
 *   { prefix: 'docs', capability: 'network' });
 * await layer.invoke('docs.search', { query: 'zod' }, { caller: 'agent-1' });
 */
export async function mountMcpServer(layer: ToolLayer, source: McpServerSource, options: MountOptions): Promise<MountedMcpServer> {
  if (!PREFIX.test(options.prefix)) {
    throw new NoError('INVALID_REQUEST', `mount prefix '${options.prefix}' must match ${PREFIX}`, { details: { prefix: options.prefix } });
  }
  if (!layer.getCapabilities().includes(options.capability)) {
    const message = `capability '${options.capability}' is not one of the ${layer.level} layer's (${layer.getCapabilities().join(', ')})`;
    throw new NoError('INVALID_REQUEST', message, { details: { capability: options.capability, layer: layer.level } });
  }
  const owned = !('client' in source);
  const client = 'client' in source ? source.client : new Client({ name: `${PACKAGE_NAME}-mount`, version: PACKAGE_VERSION }, { capabilities: {} });
  try {
    if (owned) await client.connect(transportOf(source), options.signal ? { signal: options.signal } : undefined);
    const wanted = options.tools === undefined ? undefined : new Set(options.tools);
    const remote = (await listAll(client, options.signal)).filter((t) => wanted === undefined || wanted.has(t.name));
    const definitions = remote.map((tool) => remoteTool(client, tool, localToolName(options.prefix, tool.name), options));
    const seen = new Set<string>();
    for (const definition of definitions) {
      if (seen.has(definition.name) || layer.getTool(definition.name) !== undefined) {
        throw new NoError('INVALID_REQUEST', `mounting would register '${definition.name}' twice`, { details: { tool: definition.name } });
      }
      seen.add(definition.name);
      try {
        toManifest(layer.level, definition);
      } catch (cause) {
        throw new NoError('INVALID_REQUEST', `cannot mount as '${definition.name}': ${(cause as Error).message}`, { details: { tool: definition.name }, cause });
      }
    }
    for (const definition of definitions) layer.register(definition);
    return {
      tools: definitions.map((d) => d.name),
      permissive: remote.filter((t) => !inputSchemaOf(t.inputSchema).converted).map((t) => t.name),
      client,
      close: async () => {
        if (owned) await client.close();
      },
    };
  } catch (error) {
    if (owned) await client.close().catch(() => undefined);
    throw error;
  }
}

import type { z } from 'zod';
import type { ToolCapability, ToolLayerLevel, ToolResult } from '../contracts/tools.js';

/** What a tool's `run` receives besides its validated input. */
export interface ToolContext {
  /** Who called (an agent id, an MCP client, a user): what the security gate authorised. */
  caller: string;
  /** Aborts on the call's timeout or when the caller cancels. Pass it to I/O. */
  signal: AbortSignal;
  layer: ToolLayerLevel;
  /**
   * Calls another tool of the same layer through the same gate, as the same caller
   * (tool chaining). Resolves to its ToolResult; never throws.
   */
  invoke(tool: string, params: unknown): Promise<ToolResult>;
}

/**
 * A tool: its Zod input schema is the single source of truth for validation, for the JSON Schema in
 * its manifest and for the MCP `inputSchema`.
 */
export interface ToolDefinition<S extends z.ZodType = z.ZodType, R = unknown> {
  /** Lower-case name: letters, digits, `.`, `_`, `-`. */
  name: string;
  /** Must be one of its layer's capabilities (see LAYER_CAPABILITIES). */
  capability: ToolCapability;
  description: string;
  input: S;
  /** Mutating tools run one at a time in chains; read-only ones may run in parallel. */
  mutating: boolean;
  /** The result's `type` (`visualization` for dashboard renderings). @default 'data' */
  resultType?: string;
  /** Per-call timeout, overriding the layer's. */
  timeoutMs?: number;
  run(input: z.infer<S>, ctx: ToolContext): Promise<R>;
}

/** Identity function that keeps the input type of `run` tied to the schema. */
export function defineTool<S extends z.ZodType, R>(definition: ToolDefinition<S, R>): ToolDefinition<S, R> {
  return definition;
}

/** Options of one call. */
export interface InvokeOptions {
  /** @default 'anonymous' */
  caller?: string;
  signal?: AbortSignal;
}

/** One level of tools behind one security gate: every call is checked, timed and audited the same way. */
export interface ToolLayer {
  readonly level: ToolLayerLevel;
  /** The capabilities this layer offers (its tools stay inside them). */
  getCapabilities(): ToolCapability[];
  /** Every tool's manifest, with the JSON Schema of its input. */
  getAvailableTools(): import('../contracts/tools.js').ToolManifest[];
  /** Validates, authorises, rate-limits, runs under a timeout and audits one call. Never throws. */
  invoke(tool: string, params: unknown, options?: InvokeOptions): Promise<ToolResult>;
  /** Adds a tool; a capability outside the layer's, or a duplicate name, throws NoError('INVALID_REQUEST'). */
  register(tool: ToolDefinition): void;
  /** The definition behind a name (for adapters such as MCP and LangChain). */
  getTool(name: string): ToolDefinition | undefined;
}

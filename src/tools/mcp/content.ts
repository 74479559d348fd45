import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolManifest, ToolResult } from '../../contracts/tools.js';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON text of anything a tool returned (`undefined` becomes `null`; a cycle or BigInt falls back to String). */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return JSON.stringify(String(value));
  }
}

/**
 * A layer manifest as an MCP tool: the JSON Schema comes from the tool's Zod schema (through the
 * manifest), `mutating` becomes the read-only hint, and the layer and capability travel in `_meta`.
 */
export function toMcpTool(manifest: ToolManifest): Tool {
  // MCP arguments are always an object; the `$schema` dialect marker is dropped because some clients
  // reject a 2020-12 dialect they cannot load, and the shape itself is plain JSON Schema.
  const { $schema: _dialect, ...schema } = manifest.inputSchema;
  const inputSchema = { ...schema, type: 'object' } as Tool['inputSchema'];
  return {
    name: manifest.name,
    description: manifest.description,
    inputSchema,
    annotations: { readOnlyHint: !manifest.mutating, destructiveHint: manifest.mutating, openWorldHint: manifest.layer === 'execution' },
    _meta: { 'langgraph-no/layer': manifest.layer, 'langgraph-no/capability': manifest.capability },
  };
}

/**
 * A ToolResult as an MCP CallToolResult. Success: the data as JSON text, and as `structuredContent`
 * when it is a JSON object (the text is then exactly its serialization, as the spec asks). Failure:
 * `isError: true` with the typed error `{ code, message, details?, retryable?, timestamp }` as JSON text
 * and as `structuredContent`.
 */
export function toCallToolResult(result: ToolResult): CallToolResult {
  const _meta = { 'langgraph-no/tool': result.tool, 'langgraph-no/layer': result.layer, 'langgraph-no/durationMs': result.durationMs };
  if (!result.ok) {
    return { content: [{ type: 'text', text: jsonText(result.error) }], structuredContent: { ...result.error }, isError: true, _meta };
  }
  const text = jsonText(result.data);
  // Parsed back from the text, so the structured content is exactly what the text says (dates as
  // strings, undefined fields gone); data that does not serialize to an object gets none.
  const parsed: unknown = isPlainObject(result.data) ? JSON.parse(text) : undefined;
  const structured = isPlainObject(parsed) ? parsed : undefined;
  return {
    content: [{ type: 'text', text }],
    ...(structured === undefined ? {} : { structuredContent: structured }),
    _meta: { ..._meta, 'langgraph-no/type': result.type },
  };
}

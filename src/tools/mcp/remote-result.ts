import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ToolErrorSchema } from '../../contracts/tools.js';
import { ToolCallError } from '../errors.js';

/** The JSON Schema refused by z.fromJSONSchema (or absent) becomes this: any object (the gate still caps its size). */
export const PERMISSIVE_INPUT = z.record(z.string(), z.unknown());

/**
 * The Zod schema of a remote tool's input, converted from its JSON Schema with `z.fromJSONSchema`
 * (zod 4), so the layer's gate validates the call before it leaves the process. What zod cannot
 * convert (an unresolvable `$ref`, an unknown `type`) falls back to {@link PERMISSIVE_INPUT}: the
 * remote server validates again, and the gate's size limit still applies.
 */
export function inputSchemaOf(jsonSchema: unknown): { schema: z.ZodType; converted: boolean } {
  // Tool arguments are an object (the MCP spec requires `type: "object"`); anything else is not trusted.
  if (typeof jsonSchema === 'object' && jsonSchema !== null && (jsonSchema as { type?: unknown }).type === 'object') {
    try {
      return { schema: z.fromJSONSchema(jsonSchema as Parameters<typeof z.fromJSONSchema>[0]), converted: true };
    } catch {
      /* falls through to the permissive schema */
    }
  }
  return { schema: PERMISSIVE_INPUT, converted: false };
}

const textOf = (result: CallToolResult): string =>
  result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * What the layer's tool returns for a remote result: `structuredContent` when given; else the one
 * text block, parsed as JSON when it is JSON; else `{ content }` (images, several blocks...).
 * A remote `isError` becomes a thrown ToolCallError: its own typed error when the text is one
 * (e.g. another nO server), else INTERNAL_ERROR carrying the remote text.
 */
export function fromRemoteResult(remoteTool: string, result: CallToolResult): unknown {
  const single = result.content.length === 1 && result.content[0]?.type === 'text' ? result.content[0].text : undefined;
  if (result.isError === true) {
    const parsed = single === undefined ? undefined : parseJson(single);
    const typed = ToolErrorSchema.safeParse(parsed?.ok === true ? parsed.value : result.structuredContent);
    if (typed.success) {
      const { code, message, details, retryable } = typed.data;
      throw new ToolCallError(code, message, {
        details: { remoteTool, remoteDetails: details },
        ...(retryable === undefined ? {} : { retryable }),
      });
    }
    throw new ToolCallError('INTERNAL_ERROR', `remote tool '${remoteTool}' failed: ${textOf(result)}`, { details: { remoteTool, content: result.content } });
  }
  if (result.structuredContent !== undefined) return result.structuredContent;
  if (single !== undefined) {
    const parsed = parseJson(single);
    return parsed.ok ? parsed.value : single;
  }
  return { content: result.content };
}

/** An error thrown by the SDK client (protocol error, time-out, closed connection) as a tool error. */
export function fromClientError(remoteTool: string, error: unknown): ToolCallError {
  const mcpCode = error instanceof McpError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const details = { remoteTool, ...(mcpCode === undefined ? {} : { mcpCode }) };
  if (mcpCode === ErrorCode.InvalidParams) return new ToolCallError('INVALID_INPUT', message, { details, cause: error });
  const retryable = mcpCode === ErrorCode.RequestTimeout || mcpCode === ErrorCode.ConnectionClosed;
  return new ToolCallError('INTERNAL_ERROR', `remote tool '${remoteTool}' failed: ${message}`, { details, retryable, cause: error });
}

import { tool as lcTool, type StructuredToolInterface } from '@langchain/core/tools';
import { z } from 'zod';
import type { ToolResult } from '../contracts/tools.js';
import type { ToolLayer } from './tool.js';

export interface ToLangChainToolsOptions {
  /** The identity every call is authorised and audited as (the agent using the tools). */
  caller: string;
  /** Only these tools. @default every tool of the layer */
  tools?: string[];
  /**
   * Longest result text the model reads. A longer success keeps its JSON shape: `data` becomes the
   * first characters of its JSON text and `truncated: true` says so. @default no limit
   */
  maxResultChars?: number;
}

/** LangChain (and OpenAI) tool names allow letters, digits, `_` and `-` only. */
export const toLangChainName = (name: string): string => name.replace(/[^A-Za-z0-9_-]/g, '_');

/** What the model reads back: the data on success, `{ error }` with the typed error otherwise. */
export function toolResultText(result: ToolResult, maxChars = Number.POSITIVE_INFINITY): string {
  const text = JSON.stringify(result.ok ? { ok: true, type: result.type, data: result.data } : { ok: false, error: result.error });
  if (text.length <= maxChars) return text;
  if (!result.ok) return JSON.stringify({ ok: false, error: { code: result.error.code, message: result.error.message.slice(0, Math.max(0, maxChars - 100)) }, truncated: true });
  const data = JSON.stringify(result.data ?? null);
  const room = Math.max(0, maxChars - 80);
  return JSON.stringify({ ok: true, type: result.type, truncated: true, totalChars: data.length, data: data.slice(0, room) });
}

/**
 * A layer's tools as LangChain structured tools, for `ToolNode`, `createReactAgent` or `model.bindTools`.
 * Every call goes through the layer's gate as `caller`; a refused or failed call returns the typed
 * error as the tool's output, so the model can read it and the graph keeps going.
 *
 * The model sees each tool's JSON Schema (from its Zod input), but the Zod schema handed to LangChain is
 * `z.any()` carrying that JSON Schema as metadata: LangChain's own parse accepts anything and passes
 * the raw input on, and the gate validates it, so invalid input is refused AND audited like any other
 * call instead of being thrown before the gate sees it. (A `.catch()` wrapper would do the same for
 * parsing, but zod cannot turn a dynamic catch into JSON Schema.)
 *
 * @example
 * const agent = createReactAgent({ llm, tools: toLangChainTools(primitive, { caller: 'agent-1' }) });
 */
export function toLangChainTools(layer: ToolLayer, options: ToLangChainToolsOptions): StructuredToolInterface[] {
  const wanted = options.tools === undefined ? undefined : new Set(options.tools);
  return layer
    .getAvailableTools()
    .filter((m) => wanted === undefined || wanted.has(m.name))
    .map((manifest) => {
      const { $schema: _dialect, ...jsonSchema } = manifest.inputSchema;
      const schema = z.any().meta(jsonSchema);
      return lcTool(
        async (input: unknown, config?: { signal?: AbortSignal }) =>
          toolResultText(await layer.invoke(manifest.name, input, { caller: options.caller, ...(config?.signal ? { signal: config.signal } : {}) }), options.maxResultChars),
        { name: toLangChainName(manifest.name), description: manifest.description, schema },
      ) as unknown as StructuredToolInterface;
    });
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ToolCallError } from '../errors.js';
import { defineTool, type ToolDefinition } from '../tool.js';

/** Deepest JSON `json-parse` accepts. @default 64 */
export const DEFAULT_JSON_MAX_DEPTH = 64;
/** Longest text `json-parse`, `encode` and `decode` accept. @default 1 MiB */
export const DEFAULT_IO_MAX_CHARS = 1024 * 1024;

const EncodingSchema = z.enum(['base64', 'base64url', 'hex']);
const PATTERNS: Record<z.infer<typeof EncodingSchema>, RegExp> = {
  base64: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  base64url: /^[A-Za-z0-9_-]*$/,
  hex: /^(?:[0-9a-fA-F]{2})*$/,
};

/** Depth of a parsed JSON value, iteratively (a deep value must not overflow the stack here). */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, d);
    for (const inner of Object.values(v)) stack.push([inner, d + 1]);
  }
  return max;
}

/** Depth of JSON text, counted on the brackets before parsing, so a hostile text is refused cheaply. */
function textDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return max;
}

/** The `io` tools: encodings, JSON parsing with limits, hashing. */
export function ioTools(): ToolDefinition[] {
  return [
    defineTool({
      name: 'encode',
      capability: 'io',
      description: 'Encodes UTF-8 text as base64, base64url or hex.',
      input: z.object({ text: z.string().max(DEFAULT_IO_MAX_CHARS), encoding: EncodingSchema }),
      mutating: false,
      run: async ({ text, encoding }) => ({ data: Buffer.from(text, 'utf8').toString(encoding), encoding }),
    }),
    defineTool({
      name: 'decode',
      capability: 'io',
      description: 'Decodes base64, base64url or hex into UTF-8 text; malformed data is an error.',
      input: z.object({ data: z.string().max(DEFAULT_IO_MAX_CHARS), encoding: EncodingSchema }),
      mutating: false,
      run: async ({ data, encoding }) => {
        // Buffer.from skips bad characters silently; a decoder that guesses is not a safe primitive.
        if (!PATTERNS[encoding].test(data)) throw new ToolCallError('INVALID_INPUT', `data is not valid ${encoding}`, { details: { encoding } });
        const bytes = Buffer.from(data, encoding);
        const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
        return { text, bytes: bytes.length };
      },
    }),
    defineTool({
      name: 'json-parse',
      capability: 'io',
      description: `Parses JSON text, refusing text over ${DEFAULT_IO_MAX_CHARS} characters or nested deeper than maxDepth.`,
      input: z.object({
        text: z.string().max(DEFAULT_IO_MAX_CHARS),
        maxDepth: z.number().int().min(1).max(DEFAULT_JSON_MAX_DEPTH).default(DEFAULT_JSON_MAX_DEPTH),
      }),
      mutating: false,
      run: async ({ text, maxDepth }) => {
        const depth = textDepth(text);
        if (depth > maxDepth) throw new ToolCallError('INVALID_INPUT', `JSON nests ${depth} deep, over the limit of ${maxDepth}`, { details: { depth, maxDepth } });
        try {
          return { value: JSON.parse(text) as unknown };
        } catch (error) {
          throw new ToolCallError('INVALID_INPUT', `invalid JSON: ${(error as Error).message}`);
        }
      },
    }),
    defineTool({
      name: 'hash',
      capability: 'io',
      description: 'Hashes UTF-8 text with sha256 (default) or sha512, as hex or base64.',
      input: z.object({
        text: z.string().max(DEFAULT_IO_MAX_CHARS),
        algorithm: z.enum(['sha256', 'sha512']).default('sha256'),
        encoding: z.enum(['hex', 'base64']).default('hex'),
      }),
      mutating: false,
      run: async ({ text, algorithm, encoding }) => ({ digest: createHash(algorithm).update(text, 'utf8').digest(encoding), algorithm }),
    }),
  ];
}

import { z } from 'zod';
import type { ToolResult } from '../../contracts/tools.js';
import { NoError } from '../../contracts/errors.js';
import { chainResult, type ChainResult } from '../chain-result.js';
import { defineTool, type ToolDefinition, type ToolContext } from '../tool.js';

const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const UNSAFE_KEYS = new Set(['__proto__', 'prototype', 'constructor']);
const MAX_DEPTH = 64;

export const ChainInputSchema = z.object({
  steps: z
    .array(
      z.object({
        /** A tool of the same layer; `tool-chain` itself is refused (no nested chains). */
        tool: z.string().min(1).max(128).refine((tool) => tool !== 'tool-chain', 'chains cannot nest'),
        /** The tool's input; `{ "$ref": "step.path.to.value" }` anywhere is replaced by an earlier step's data. */
        params: z.unknown().default({}),
        /** The step's name in `$ref` and in the result (else its index: `0`, `1`, ...; `$ref` takes the index too). */
        as: z.string().regex(STEP_NAME).optional(),
      }),
    )
    .min(1)
    .max(50),
});
export type ChainInput = z.infer<typeof ChainInputSchema>;

class RefError extends Error {}

function isRef(value: unknown): value is { $ref: string } {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) &&
    Object.keys(value).length === 1 && typeof (value as { $ref?: unknown }).$ref === 'string'
  );
}

/** Follows `name.a.b.0` through earlier steps' data, own properties only. */
export function lookup(ref: string, named: Map<string, unknown>): unknown {
  const [name, ...keys] = ref.split('.');
  if (name === undefined || !named.has(name)) throw new RefError(`unknown step in $ref "${ref}"`);
  let value = named.get(name);
  for (const key of keys) {
    if (UNSAFE_KEYS.has(key)) throw new RefError(`unsafe key in $ref "${ref}"`);
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) {
      throw new RefError(`$ref "${ref}" does not resolve`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Returns `params` with every `$ref` replaced (a new structure; the input is not changed). */
export function substitute(params: unknown, named: Map<string, unknown>, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new RefError('params are nested too deeply');
  if (isRef(params)) return lookup(params.$ref, named);
  if (Array.isArray(params)) return params.map((item) => substitute(item, named, depth + 1));
  if (typeof params === 'object' && params !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(params)) {
      Object.defineProperty(out, key, {
        value: substitute(value, named, depth + 1), enumerable: true, writable: true, configurable: true,
      });
    }
    return out;
  }
  return params;
}

function refFailure(tool: string, ctx: ToolContext, message: string): ToolResult {
  return {
    ok: false,
    tool,
    layer: ctx.layer,
    error: { code: 'INVALID_INPUT', message, timestamp: new Date().toISOString() },
    durationMs: 0,
  };
}

export function chainTool(): ToolDefinition<typeof ChainInputSchema, ChainResult> {
  return defineTool({
    name: 'tool-chain',
    capability: 'chaining',
    description:
      'Runs tools one after another through the security gate; a step may use an earlier result with ' +
      '{ "$ref": "step.path" }. Stops at the first failure and returns each step\'s result by name, ' +
      'the failed step and the skipped ones.',
    input: ChainInputSchema,
    mutating: true,
    async run(input, ctx) {
      const names = input.steps.map((step, index) => step.as ?? String(index));
      if (new Set(names).size !== names.length) {
        throw new NoError('INVALID_INPUT', 'step names must be unique', { details: { names } });
      }
      const named = new Map<string, unknown>();
      const results = new Map<string, ToolResult>();
      for (const [index, step] of input.steps.entries()) {
        if (ctx.signal.aborted) throw new NoError('ABORTED', 'the chain was aborted', { details: { completedSteps: index } });
        const name = names[index] as string;
        let params: unknown;
        try {
          params = substitute(step.params, named);
        } catch (error) {
          results.set(name, refFailure(step.tool, ctx, (error as Error).message));
          return chainResult(names, results, name);
        }
        const result = await ctx.invoke(step.tool, params);
        results.set(name, result);
        if (!result.ok) return chainResult(names, results, name);
        named.set(String(index), result.data);
        if (step.as !== undefined) named.set(step.as, result.data);
      }
      return chainResult(names, results, undefined);
    },
  });
}

import { z } from 'zod';
import type { ToolResult } from '../../contracts/tools.js';
import { NoError } from '../../contracts/errors.js';
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
        /** Name later steps use in `$ref` (steps are also named by their index: `0`, `1`, ...). */
        as: z.string().regex(STEP_NAME).optional(),
      }),
    )
    .min(1)
    .max(50),
});
export type ChainInput = z.infer<typeof ChainInputSchema>;

export interface ChainResult {
  /** Every step ran and succeeded. */
  completed: boolean;
  /** The results of the steps that ran, in order; the last one is the failure when not completed. */
  steps: ToolResult[];
  /** Index of the failed step. */
  failedStep?: number;
}

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
      '{ "$ref": "step.path" }. Stops at the first failure and returns every step result.',
    input: ChainInputSchema,
    mutating: true,
    async run(input, ctx) {
      const names = input.steps.map((step, index) => step.as ?? String(index));
      if (new Set(names).size !== names.length) {
        throw new NoError('INVALID_INPUT', 'step names must be unique', { details: { names } });
      }
      const named = new Map<string, unknown>();
      const steps: ToolResult[] = [];
      for (const [index, step] of input.steps.entries()) {
        if (ctx.signal.aborted) throw new NoError('ABORTED', 'the chain was aborted', { details: { completedSteps: index } });
        let params: unknown;
        try {
          params = substitute(step.params, named);
        } catch (error) {
          steps.push(refFailure(step.tool, ctx, (error as Error).message));
          return { completed: false, steps, failedStep: index };
        }
        const result = await ctx.invoke(step.tool, params);
        steps.push(result);
        if (!result.ok) return { completed: false, steps, failedStep: index };
        named.set(String(index), result.data);
        if (step.as !== undefined) named.set(step.as, result.data);
      }
      return { completed: true, steps };
    },
  });
}

import { z } from 'zod';
import { ToolCallError } from '../errors.js';
import { defineTool, type ToolDefinition } from '../tool.js';
import { DEFAULT_MAX_EXPRESSION_LENGTH, evaluateNode, parseExpression } from './expression.js';
import { VariableNameSchema } from './compute-tools.js';
import { DEFAULT_JSON_MAX_DEPTH, jsonDepth } from './io-tools.js';

/** Keys that would reach an object's prototype; refused in paths and skipped in merges. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const JsonObjectSchema = z.record(z.string(), z.unknown());
type JsonObject = z.infer<typeof JsonObjectSchema>;

const isPlainObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkDepth(value: unknown): void {
  const depth = jsonDepth(value);
  if (depth > DEFAULT_JSON_MAX_DEPTH) {
    throw new ToolCallError('INVALID_INPUT', `value nests ${depth} deep, over the limit of ${DEFAULT_JSON_MAX_DEPTH}`, { details: { depth } });
  }
}

function mergeInto(target: JsonObject, source: JsonObject, deep: boolean, concatArrays: boolean): JsonObject {
  const out: JsonObject = { ...target };
  for (const [key, value] of Object.entries(source)) {
    if (UNSAFE_KEYS.has(key)) continue;
    const existing = out[key];
    if (deep && isPlainObject(existing) && isPlainObject(value)) out[key] = mergeInto(existing, value, deep, concatArrays);
    else if (concatArrays && Array.isArray(existing) && Array.isArray(value)) out[key] = [...existing, ...value];
    else out[key] = value;
  }
  return out;
}

function setPath(target: JsonObject, segments: readonly string[], value: unknown): void {
  let node = target;
  segments.forEach((segment, i) => {
    if (i === segments.length - 1) {
      node[segment] = value;
      return;
    }
    if (!isPlainObject(node[segment])) node[segment] = {};
    node = node[segment] as JsonObject;
  });
}

/** The `composition` tools: shape JSON so one tool's output becomes another's input. */
export function compositionTools(): ToolDefinition[] {
  return [
    defineTool({
      name: 'pick',
      capability: 'composition',
      description: 'Copies the values at dot paths (e.g. "user.name") out of an object; missing paths are left out.',
      input: z.object({ value: JsonObjectSchema, paths: z.array(z.string().min(1).max(512)).min(1).max(100) }),
      mutating: false,
      run: async ({ value, paths }) => {
        const out: JsonObject = {};
        const missing: string[] = [];
        for (const path of paths) {
          const segments = path.split('.');
          if (segments.some((s) => UNSAFE_KEYS.has(s) || s === '')) throw new ToolCallError('INVALID_INPUT', `path '${path}' is not allowed`, { details: { path } });
          let node: unknown = value;
          for (const s of segments) node = isPlainObject(node) && Object.hasOwn(node, s) ? node[s] : undefined;
          if (node === undefined) missing.push(path);
          else setPath(out, segments, node);
        }
        return { value: out, missing };
      },
    }),
    defineTool({
      name: 'merge',
      capability: 'composition',
      description: 'Merges objects left to right (later wins); deep by default; arrays are replaced or concatenated.',
      input: z.object({
        values: z.array(JsonObjectSchema).min(1).max(100),
        deep: z.boolean().default(true),
        arrays: z.enum(['replace', 'concat']).default('replace'),
      }),
      mutating: false,
      run: async ({ values, deep, arrays }) => {
        values.forEach(checkDepth);
        return { value: values.reduce<JsonObject>((acc, v) => mergeInto(acc, v, deep, arrays === 'concat'), {}) };
      },
    }),
    defineTool({
      name: 'map-values',
      capability: 'composition',
      description: 'Applies an arithmetic expression to every number of an array or object (the number is the variable, "x" by default).',
      input: z.object({
        value: z.union([z.array(z.number()), z.record(z.string(), z.number())]),
        expression: z.string().min(1).max(DEFAULT_MAX_EXPRESSION_LENGTH),
        variable: VariableNameSchema.default('x'),
        variables: z.record(VariableNameSchema, z.number()).default({}),
      }),
      mutating: false,
      run: async ({ value, expression, variable, variables }) => {
        const ast = parseExpression(expression);
        const scope = new Map(Object.entries(variables));
        const apply = (n: number): number | boolean => evaluateNode(ast, scope.set(variable, n));
        if (Array.isArray(value)) return { value: value.map(apply) };
        return { value: Object.fromEntries(Object.entries(value).map(([k, n]) => [k, apply(n)])) };
      },
    }),
  ];
}

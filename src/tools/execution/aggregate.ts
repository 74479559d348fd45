import { z } from 'zod';
import { defineTool, type ToolDefinition } from '../tool.js';

const UNSAFE_KEYS = new Set(['__proto__', 'prototype', 'constructor']);
const KeyPathSchema = z.string().min(1).max(256).regex(/^[^.]+(\.[^.]+)*$/, 'a dotted key path');

export const AggregateInputSchema = z.object({
  /** Plain values, or tool results (`{ ok, data }`: a success counts its data, a failure is counted apart). */
  values: z.array(z.unknown()).max(100_000),
  /** Aggregate this key path of each value instead of the value itself (`data.size`). */
  field: KeyPathSchema.optional(),
  /** Also aggregate per group of this key path's value (missing: group `(none)`). */
  by: KeyPathSchema.optional(),
  /** Put between concatenated strings. @default '' */
  separator: z.string().max(1024).default(''),
});
export type AggregateInput = z.infer<typeof AggregateInputSchema>;

export interface Aggregate {
  /** Values aggregated (failed tool results excluded). */
  count: number;
  /** Failed tool results among the values. */
  failures: number;
  /** Over the finite numbers only; `null` fields when there are none. */
  numbers: { count: number; sum: number; mean: number | null; min: number | null; max: number | null };
  /** The strings, joined by `separator`. */
  concat: string;
  /** The plain objects merged shallowly, later keys winning. */
  merged: Record<string, unknown>;
}

export interface AggregateResult extends Aggregate {
  groups?: Record<string, Aggregate>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isToolResult(value: unknown): value is { ok: boolean; data?: unknown } {
  return isPlainObject(value) && typeof value.ok === 'boolean' && 'tool' in value && 'layer' in value;
}

/** The value at a dotted key path (own properties only), or `undefined`. */
export function pick(value: unknown, keyPath: string): unknown {
  let current = value;
  for (const key of keyPath.split('.')) {
    if (UNSAFE_KEYS.has(key) || typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function aggregate(values: unknown[], failures: number, separator: string): Aggregate {
  const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const sum = numbers.reduce((total, n) => total + n, 0);
  const merged: Record<string, unknown> = {};
  for (const value of values) {
    if (!isPlainObject(value)) continue;
    for (const [key, item] of Object.entries(value)) {
      if (UNSAFE_KEYS.has(key)) continue;
      merged[key] = item;
    }
  }
  return {
    count: values.length,
    failures,
    numbers: {
      count: numbers.length,
      sum,
      mean: numbers.length === 0 ? null : sum / numbers.length,
      min: numbers.length === 0 ? null : Math.min(...numbers),
      max: numbers.length === 0 ? null : Math.max(...numbers),
    },
    concat: values.filter((v): v is string => typeof v === 'string').join(separator),
    merged,
  };
}

export function aggregateTool(): ToolDefinition<typeof AggregateInputSchema, AggregateResult> {
  return defineTool({
    name: 'aggregate-results',
    capability: 'chaining',
    description:
      'Aggregates values or tool results: count, sum/mean/min/max of numbers, concatenation of strings, ' +
      'shallow merge of objects, optionally of one field and per group of a `by` key.',
    input: AggregateInputSchema,
    mutating: false,
    async run(input) {
      const items: unknown[] = [];
      let failures = 0;
      for (const value of input.values) {
        if (!isToolResult(value)) items.push(value);
        else if (value.ok) items.push(value.data);
        else failures += 1;
      }
      const project = (item: unknown): unknown => (input.field === undefined ? item : pick(item, input.field));
      const result: AggregateResult = aggregate(items.map(project), failures, input.separator);
      if (input.by !== undefined) {
        const groups = new Map<string, unknown[]>();
        for (const item of items) {
          const key = pick(item, input.by);
          const name = key === undefined || key === null ? '(none)' : typeof key === 'object' ? JSON.stringify(key) : String(key);
          const group = groups.get(name) ?? [];
          group.push(project(item));
          groups.set(name, group);
        }
        result.groups = Object.fromEntries([...groups].map(([name, group]) => [name, aggregate(group, 0, input.separator)]));
      }
      return result;
    },
  });
}

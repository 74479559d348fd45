import { z } from 'zod';
import { isToolCallError } from '../errors.js';
import { defineTool, type ToolDefinition } from '../tool.js';
import type { KeyValueStore } from './store.js';

/** Keys: 1..512 characters. */
export const KvKeySchema = z.string().min(1).max(512);
/** Largest `kv-list` page. @default 1000 */
export const DEFAULT_KV_LIST_LIMIT = 1000;
/** Most ops in one transaction. @default 1000 */
export const MAX_TRANSACTION_OPS = 1000;

const json = z.unknown().refine((v) => v !== undefined, 'a value is required');

export const TransactionOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('set'), key: KvKeySchema, value: json }),
  z.object({ op: z.literal('delete'), key: KvKeySchema }),
  z.object({
    op: z.literal('assert'),
    key: KvKeySchema,
    exists: z.boolean().optional(),
    version: z.number().int().nonnegative().optional(),
    equals: z.unknown().optional(),
  }),
]);

/** The key-value tools over one store (capability `memory`). */
export function kvTools(store: KeyValueStore): ToolDefinition[] {
  return [
    defineTool({
      name: 'atomic-write',
      capability: 'memory',
      description: 'Writes one value under a key, all at once; returns the new version.',
      input: z.object({ key: KvKeySchema, value: json }),
      mutating: true,
      run: async ({ key, value }) => {
        const versions = store.transact([{ op: 'set', key, value }]);
        return { key, version: versions[key] as number, atomic: true };
      },
    }),
    defineTool({
      name: 'compare-and-set',
      capability: 'memory',
      description:
        'Writes a value only if the key is still at the expected version (0 = absent) or holds the expected value; ' +
        'otherwise writes nothing and returns swapped: false with the current version.',
      input: z
        .object({ key: KvKeySchema, value: json, expectedVersion: z.number().int().nonnegative().optional(), expected: z.unknown().optional() })
        .refine((v) => (v.expectedVersion === undefined) !== !('expected' in v), 'give exactly one of expectedVersion and expected'),
      mutating: true,
      run: async (input) => {
        const current = store.get(input.key);
        const guard =
          input.expectedVersion !== undefined
            ? { op: 'assert' as const, key: input.key, version: input.expectedVersion }
            : { op: 'assert' as const, key: input.key, equals: input.expected };
        try {
          const versions = store.transact([guard, { op: 'set', key: input.key, value: input.value }]);
          return { key: input.key, swapped: true, version: versions[input.key] as number };
        } catch (error) {
          // Only the guard failing means "not swapped"; anything else (a full store) is a real error.
          if (isToolCallError(error) && error.details['failedOp'] === 0) return { key: input.key, swapped: false, version: current?.version ?? 0 };
          throw error;
        }
      },
    }),
    defineTool({
      name: 'transaction',
      capability: 'memory',
      description: 'Applies set / delete / assert ops to several keys: all of them, or (when any fails) none.',
      input: z.object({ ops: z.array(TransactionOpSchema).min(1).max(MAX_TRANSACTION_OPS) }),
      mutating: true,
      run: async ({ ops }) => ({ committed: true, versions: store.transact(ops) }),
    }),
    defineTool({
      name: 'kv-read',
      capability: 'memory',
      description: 'Reads the value and version stored under a key (version 0 when absent).',
      input: z.object({ key: KvKeySchema }),
      mutating: false,
      run: async ({ key }) => {
        const entry = store.get(key);
        return entry === undefined ? { key, found: false, version: 0 } : { key, found: true, value: entry.value, version: entry.version };
      },
    }),
    defineTool({
      name: 'kv-list',
      capability: 'memory',
      description: 'Lists keys (and optionally values) in ascending order, under an optional prefix.',
      input: z.object({
        prefix: z.string().max(512).default(''),
        limit: z.number().int().min(1).max(DEFAULT_KV_LIST_LIMIT).default(DEFAULT_KV_LIST_LIMIT),
        values: z.boolean().default(false),
      }),
      mutating: false,
      run: async ({ prefix, limit, values }) => {
        const keys = store.keys(prefix);
        const entries = keys.slice(0, limit).map((key) => {
          const entry = store.get(key)!;
          return values ? { key, version: entry.version, value: entry.value } : { key, version: entry.version };
        });
        return { entries, total: keys.length, truncated: keys.length > limit };
      },
    }),
  ];
}

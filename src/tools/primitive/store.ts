import { isDeepStrictEqual } from 'node:util';
import { ToolCallError } from '../errors.js';

/** A stored value and its version (1 on first write, +1 on each write; 0 means "absent"). */
export interface KvEntry {
  value: unknown;
  version: number;
}

export type TransactionOp =
  | { op: 'set'; key: string; value: unknown }
  | { op: 'delete'; key: string }
  | { op: 'assert'; key: string; exists?: boolean; version?: number; equals?: unknown };

/** Keys a store holds at most. @default 100_000 */
export const DEFAULT_MAX_KEYS = 100_000;

/** An in-memory key-value store whose writes are all-or-nothing. */
export interface KeyValueStore {
  get(key: string): KvEntry | undefined;
  /** Keys in ascending order, optionally under a prefix. */
  keys(prefix?: string): string[];
  size(): number;
  /** A deep copy of every entry, for inspection and tests. */
  snapshot(): Record<string, KvEntry>;
  /**
   * Applies `ops` in order to a staged view and commits only if every op succeeds: a failed assert
   * or a full store throws a typed error and leaves the store exactly as it was.
   * Returns the version of every key the transaction wrote (0 for deleted keys).
   */
  transact(ops: readonly TransactionOp[]): Record<string, number>;
}

export interface KeyValueStoreOptions {
  /** @default DEFAULT_MAX_KEYS */
  maxKeys?: number;
}

/** Values go in and out as copies, so no caller can change a stored value behind the store's back. */
const copy = <T>(value: T): T => structuredClone(value);

function assertFailed(index: number, op: TransactionOp & { op: 'assert' }, reason: string): ToolCallError {
  return new ToolCallError('INVALID_INPUT', `transaction op ${index} (assert '${op.key}') failed: ${reason}; nothing was written`, {
    details: { failedOp: index, key: op.key, reason },
  });
}

/**
 * @example
 * const store = createKeyValueStore();
 * store.transact([{ op: 'set', key: 'a', value: 1 }, { op: 'assert', key: 'b', exists: false }]);
 */
export function createKeyValueStore(options: KeyValueStoreOptions = {}): KeyValueStore {
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  const data = new Map<string, KvEntry>();

  return {
    get(key) {
      const entry = data.get(key);
      return entry === undefined ? undefined : { value: copy(entry.value), version: entry.version };
    },
    keys(prefix = '') {
      return [...data.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
    size: () => data.size,
    snapshot() {
      // fromEntries, not out[key] = ...: a key named __proto__ must stay a plain own property.
      return Object.fromEntries(
        [...data.keys()].sort().map((key) => {
          const entry = data.get(key) as KvEntry;
          return [key, { value: copy(entry.value), version: entry.version }];
        }),
      );
    },
    transact(ops) {
      // Staged writes: undefined marks a delete. Nothing touches `data` until every op has passed.
      const staged = new Map<string, KvEntry | undefined>();
      const read = (key: string): KvEntry | undefined => (staged.has(key) ? staged.get(key) : data.get(key));
      ops.forEach((op, index) => {
        const current = read(op.key);
        if (op.op === 'set') {
          staged.set(op.key, { value: copy(op.value), version: (current?.version ?? 0) + 1 });
        } else if (op.op === 'delete') {
          staged.set(op.key, undefined);
        } else {
          if (op.exists !== undefined && op.exists !== (current !== undefined)) {
            throw assertFailed(index, op, op.exists ? 'the key does not exist' : 'the key exists');
          }
          if (op.version !== undefined && op.version !== (current?.version ?? 0)) {
            throw assertFailed(index, op, `expected version ${op.version}, found ${current?.version ?? 0}`);
          }
          // Stored values are structured clones, which have plain prototypes: clone the expected value
          // the same way, so a null-prototype object still equals the same data.
          if ('equals' in op && (current === undefined || !isDeepStrictEqual(current.value, copy(op.equals)))) {
            throw assertFailed(index, op, 'the value differs');
          }
        }
      });
      let size = data.size;
      for (const [key, entry] of staged) size += (entry !== undefined ? 1 : 0) - (data.has(key) ? 1 : 0);
      if (size > maxKeys) {
        throw new ToolCallError('INVALID_INPUT', `the store would hold ${size} keys, over its limit of ${maxKeys}; nothing was written`, {
          details: { maxKeys, size },
        });
      }
      for (const [key, entry] of staged) {
        if (entry === undefined) data.delete(key);
        else data.set(key, entry);
      }
      return Object.fromEntries([...staged].map(([key, entry]) => [key, entry?.version ?? 0]));
    },
  };
}

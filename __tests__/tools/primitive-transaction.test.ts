import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { createToolLayer } from '../../src/tools/create-layer.js';
import { createKeyValueStore, type KvEntry, type TransactionOp } from '../../src/tools/primitive/index.js';

const key = fc.constantFrom('a', 'b', 'c', 'd');
const value = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(null), fc.record({ v: fc.integer({ min: 0, max: 2 }) }));
const op: fc.Arbitrary<TransactionOp> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key, value }),
  fc.record({ op: fc.constant('delete' as const), key }),
  fc.record(
    { op: fc.constant('assert' as const), key, exists: fc.boolean(), version: fc.integer({ min: 0, max: 3 }), equals: value },
    { requiredKeys: ['op', 'key'] },
  ),
);

/** The reference: the same ops applied one by one to a plain map, or undefined when an assert fails. */
function model(start: Record<string, KvEntry>, ops: readonly TransactionOp[]): Record<string, KvEntry> | undefined {
  const m = new Map(Object.entries(start));
  for (const o of ops) {
    const cur = m.get(o.key);
    if (o.op === 'set') m.set(o.key, { value: o.value, version: (cur?.version ?? 0) + 1 });
    else if (o.op === 'delete') m.delete(o.key);
    else {
      if (o.exists !== undefined && o.exists !== (cur !== undefined)) return undefined;
      if (o.version !== undefined && o.version !== (cur?.version ?? 0)) return undefined;
      if ('equals' in o && (cur === undefined || !isDeepStrictEqual(structuredClone(cur.value), structuredClone(o.equals)))) return undefined;
    }
  }
  return Object.fromEntries([...m].sort(([x], [y]) => x.localeCompare(y)));
}

describe('primitive transaction property', () => {
  it('compares an assert by data, not by prototype (a null-prototype object equals the same stored data)', () => {
    const store = createKeyValueStore();
    store.transact([{ op: 'set', key: 'b', value: Object.assign(Object.create(null), { v: 1 }) }]);
    expect(() => store.transact([{ op: 'assert', key: 'b', equals: Object.assign(Object.create(null), { v: 1 }) }])).not.toThrow();
    expect(() => store.transact([{ op: 'assert', key: 'b', equals: { v: 2 } }])).toThrow(/the value differs/);
  });

  it('applies a transaction exactly like one-by-one ops, or leaves the store exactly as before', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ op: fc.constant('set' as const), key, value }), { maxLength: 6 }), fc.array(op, { minLength: 1, maxLength: 8 }), async (setup, ops) => {
        const store = createKeyValueStore();
        const layer = createToolLayer('primitive', { store, rateLimit: false });
        if (setup.length > 0) store.transact(setup);
        const before = store.snapshot();
        const expected = model(before, ops);
        const result = await layer.invoke('transaction', { ops });
        if (expected === undefined) {
          expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
          expect(store.snapshot()).toEqual(before);
        } else {
          expect(result.ok).toBe(true);
          expect(store.snapshot()).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });
});

import { createHash } from 'node:crypto';
import type { ToolResult } from '../../src/contracts/tools.js';
import { createToolLayer } from '../../src/tools/create-layer.js';
import { createKeyValueStore } from '../../src/tools/primitive/index.js';

const data = (result: ToolResult): any => {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.data;
};
const code = (result: ToolResult): string | undefined => (result.ok ? undefined : result.error.code);

function setup() {
  const store = createKeyValueStore();
  const layer = createToolLayer('primitive', { store, rateLimit: false });
  return { store, layer };
}

describe('primitive memory tools', () => {
  it('writes atomically and reads back the value with its version', async () => {
    const { layer } = setup();
    const written = await layer.invoke('atomic-write', { key: 'k', value: { a: 1 } });
    expect(written).toMatchObject({ ok: true, data: { key: 'k', version: 1, atomic: true } });
    expect(data(await layer.invoke('atomic-write', { key: 'k', value: [2] })).version).toBe(2);
    expect(data(await layer.invoke('kv-read', { key: 'k' }))).toEqual({ key: 'k', found: true, value: [2], version: 2 });
    expect(data(await layer.invoke('kv-read', { key: 'missing' }))).toEqual({ key: 'missing', found: false, version: 0 });
    expect(code(await layer.invoke('atomic-write', { key: 'k' }))).toBe('INVALID_INPUT');
  });

  it('compare-and-set swaps only at the expected version or value', async () => {
    const { layer, store } = setup();
    expect(data(await layer.invoke('compare-and-set', { key: 'c', value: 1, expectedVersion: 0 }))).toEqual({ key: 'c', swapped: true, version: 1 });
    expect(data(await layer.invoke('compare-and-set', { key: 'c', value: 9, expectedVersion: 0 }))).toEqual({ key: 'c', swapped: false, version: 1 });
    expect(data(await layer.invoke('compare-and-set', { key: 'c', value: 2, expected: 1 }))).toEqual({ key: 'c', swapped: true, version: 2 });
    expect(data(await layer.invoke('compare-and-set', { key: 'c', value: 3, expected: 1 }))).toMatchObject({ swapped: false });
    expect(data(await layer.invoke('compare-and-set', { key: 'nope', value: 3, expected: null }))).toMatchObject({ swapped: false, version: 0 });
    expect(store.get('c')).toEqual({ value: 2, version: 2 });
    expect(code(await layer.invoke('compare-and-set', { key: 'c', value: 3 }))).toBe('INVALID_INPUT');
    expect(code(await layer.invoke('compare-and-set', { key: 'c', value: 3, expected: 2, expectedVersion: 2 }))).toBe('INVALID_INPUT');
  });

  it('compare-and-set reports a full store as an error, not as "not swapped"', async () => {
    const store = createKeyValueStore({ maxKeys: 1 });
    const layer = createToolLayer('primitive', { store });
    await layer.invoke('atomic-write', { key: 'a', value: 1 });
    expect(code(await layer.invoke('compare-and-set', { key: 'b', value: 1, expectedVersion: 0 }))).toBe('INVALID_INPUT');
    expect(store.keys()).toEqual(['a']);
  });

  it('applies a transaction whole, and a failing assert rolls it back whole', async () => {
    const { layer, store } = setup();
    const ok = await layer.invoke('transaction', {
      ops: [
        { op: 'set', key: 'a', value: 1 },
        { op: 'set', key: 'b', value: 2 },
        { op: 'set', key: 'c', value: 3 },
        { op: 'assert', key: 'a', exists: true, version: 1, equals: 1 },
        { op: 'delete', key: 'b' },
      ],
    });
    expect(data(ok)).toEqual({ committed: true, versions: { a: 1, b: 0, c: 1 } });
    const before = store.snapshot();
    for (const failing of [
      { op: 'assert', key: 'a', exists: false },
      { op: 'assert', key: 'zz', exists: true },
      { op: 'assert', key: 'a', version: 7 },
      { op: 'assert', key: 'a', equals: 99 },
      { op: 'assert', key: 'zz', equals: null },
    ]) {
      const result = await layer.invoke('transaction', { ops: [{ op: 'delete', key: 'c' }, { op: 'set', key: 'new', value: 'x' }, failing] });
      expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { failedOp: 2 } } });
      expect(store.snapshot()).toEqual(before);
    }
  });

  it('lists keys under a prefix, in order, with optional values and a limit', async () => {
    const { layer } = setup();
    for (const key of ['user:2', 'user:1', 'team:1']) await layer.invoke('atomic-write', { key, value: key.length });
    expect(data(await layer.invoke('kv-list', { prefix: 'user:' }))).toEqual({
      entries: [{ key: 'user:1', version: 1 }, { key: 'user:2', version: 1 }],
      total: 2,
      truncated: false,
    });
    expect(data(await layer.invoke('kv-list', { limit: 1, values: true }))).toEqual({ entries: [{ key: 'team:1', version: 1, value: 6 }], total: 3, truncated: true });
  });

  it('hands out copies, so changing a returned value does not change the store', () => {
    const store = createKeyValueStore();
    const value = { nested: [1] };
    store.transact([{ op: 'set', key: '__proto__', value }]);
    value.nested.push(2);
    (store.get('__proto__')!.value as { nested: number[] }).nested.push(3);
    expect(store.snapshot()).toEqual({ ['__proto__']: { value: { nested: [1] }, version: 1 } });
    expect(Object.keys(store.snapshot())).toEqual(['__proto__']);
    expect(store.size()).toBe(1);
  });
});

describe('primitive io tools', () => {
  it('encodes and decodes base64, base64url and hex round trip', async () => {
    const { layer } = setup();
    for (const encoding of ['base64', 'base64url', 'hex']) {
      const encoded = data(await layer.invoke('encode', { text: 'héllo ✓', encoding })).data;
      expect(data(await layer.invoke('decode', { data: encoded, encoding })).text).toBe('héllo ✓');
    }
    expect(data(await layer.invoke('encode', { text: 'hi', encoding: 'hex' })).data).toBe('6869');
  });

  it('refuses malformed encoded data instead of guessing', async () => {
    const { layer } = setup();
    expect(code(await layer.invoke('decode', { data: 'abc', encoding: 'hex' }))).toBe('INVALID_INPUT');
    expect(code(await layer.invoke('decode', { data: 'a!==', encoding: 'base64' }))).toBe('INVALID_INPUT');
    expect(code(await layer.invoke('decode', { data: 'a+b', encoding: 'base64url' }))).toBe('INVALID_INPUT');
  });

  it('parses JSON within the depth limit and refuses deeper or invalid text', async () => {
    const { layer } = setup();
    expect(data(await layer.invoke('json-parse', { text: '{"a":[1,{"b":"]}"}]}' }))).toEqual({ value: { a: [1, { b: ']}' }] } });
    expect(data(await layer.invoke('json-parse', { text: '"a\\"["' }))).toEqual({ value: 'a"[' });
    expect(await layer.invoke('json-parse', { text: '[[[1]]]', maxDepth: 2 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { depth: 3 } } });
    expect(code(await layer.invoke('json-parse', { text: '{bad' }))).toBe('INVALID_INPUT');
  });

  it('hashes with sha256 by default and sha512 on request', async () => {
    const { layer } = setup();
    expect(data(await layer.invoke('hash', { text: 'abc' })).digest).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(data(await layer.invoke('hash', { text: 'abc', algorithm: 'sha512', encoding: 'base64' })).digest).toBe(createHash('sha512').update('abc').digest('base64'));
  });
});

describe('primitive composition tools', () => {
  it('picks dot paths and lists the missing ones, refusing prototype paths', async () => {
    const { layer } = setup();
    const value = { user: { name: 'ada', age: 36 }, tags: ['x'] };
    expect(data(await layer.invoke('pick', { value, paths: ['user.name', 'tags', 'user.zip', 'tags.0'] }))).toEqual({
      value: { user: { name: 'ada' }, tags: ['x'] },
      missing: ['user.zip', 'tags.0'],
    });
    expect(code(await layer.invoke('pick', { value, paths: ['__proto__.polluted'] }))).toBe('INVALID_INPUT');
    expect(code(await layer.invoke('pick', { value, paths: ['a..b'] }))).toBe('INVALID_INPUT');
  });

  it('merges deep or shallow, replacing or concatenating arrays, and never pollutes prototypes', async () => {
    const { layer } = setup();
    const values = [{ a: { x: 1, list: [1] }, keep: true }, JSON.parse('{"a":{"y":2,"list":[2]},"__proto__":{"polluted":true}}')];
    expect(data(await layer.invoke('merge', { values }))).toEqual({ value: { a: { x: 1, y: 2, list: [2] }, keep: true } });
    expect(data(await layer.invoke('merge', { values, arrays: 'concat' })).value.a.list).toEqual([1, 2]);
    expect(data(await layer.invoke('merge', { values, deep: false })).value.a).toEqual({ y: 2, list: [2] });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 70; i++) deep = { d: deep };
    expect(code(await layer.invoke('merge', { values: [deep] }))).toBe('INVALID_INPUT');
  });

  it('maps an expression over every number of an array or object', async () => {
    const { layer } = setup();
    expect(data(await layer.invoke('map-values', { value: [1, 2, 3], expression: 'x * k + 1', variables: { k: 10 } }))).toEqual({ value: [11, 21, 31] });
    expect(data(await layer.invoke('map-values', { value: { a: 4, b: 9 }, expression: 'sqrt(v) > 2', variable: 'v' }))).toEqual({ value: { a: false, b: true } });
    expect(code(await layer.invoke('map-values', { value: [0], expression: '1 / x' }))).toBe('INVALID_INPUT');
  });
});

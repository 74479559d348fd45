import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { executionTools } from '../../../src/tools/execution/index';
import { lookup, substitute } from '../../../src/tools/execution/chain';
import { pick } from '../../../src/tools/execution/aggregate';
import { normalizeHost, resolveConfig } from '../../../src/tools/execution/options';
import { LAYER_CAPABILITIES } from '../../../src/contracts/tools';
import { MAX_TIMER_MS } from '../../../src/resilience/timeout';
import { call, context, makeFixture, miniInvoke, toolsFor, type Fixture } from './helpers';

let fx: Fixture;
let tools: ReturnType<typeof toolsFor>;
beforeEach(async () => {
  fx = await makeFixture();
  tools = toolsFor({ root: fx.root, commands: ['echo'] });
});
afterEach(() => fx.cleanup());

const chain = (steps: unknown[], signal?: AbortSignal) =>
  call(tools['tool-chain']!, { steps }, context({ invoke: miniInvoke(tools, signal), ...(signal ? { signal } : {}) }));

describe('executionTools', () => {
  it('returns the five tools with fixed names, execution capabilities and JSON-schema-able inputs', () => {
    const all = executionTools({ root: fx.root });
    expect(all.map((t) => t.name)).toEqual(['file-system-operation', 'process-execution', 'network-fetch', 'tool-chain', 'aggregate-results']);
    for (const tool of all) {
      expect(LAYER_CAPABILITIES.execution).toContain(tool.capability);
      expect(tool.name).toMatch(/^[a-z][a-z0-9._-]*$/);
      expect(z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' })).toHaveProperty('type', 'object');
    }
    expect(all.filter((t) => !t.mutating).map((t) => t.name)).toEqual(['network-fetch', 'aggregate-results']);
  });

  it('validates its options', () => {
    expect(() => executionTools({ root: '' })).toThrow(/root/);
    expect(() => executionTools({ root: fx.root, commands: ['/bin/sh'] })).toThrow(/plain executable/);
    expect(() => executionTools({ root: fx.root, commands: ['a b'] })).toThrow(/plain executable/);
    expect(() => executionTools({ root: fx.root, maxOutputBytes: 0 })).toThrow(/maxOutputBytes/);
    expect(() => executionTools({ root: fx.root, maxFileBytes: 1.5 })).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER', message: expect.stringContaining('maxFileBytes') }));
    expect(() => executionTools({ root: fx.root, defaultTimeoutMs: MAX_TIMER_MS + 1 })).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER', message: expect.stringContaining('defaultTimeoutMs') }));
    const config = resolveConfig({ root: fx.root });
    expect(config).toMatchObject({ maxOutputBytes: 1024 * 1024, maxFileBytes: 10 * 1024 * 1024, defaultTimeoutMs: 30_000, env: { PATH: '/usr/local/bin:/usr/bin:/bin' } });
    expect([...config.commands, ...config.hosts]).toEqual([]);
    expect(normalizeHost(' Example.COM ')).toBe('example.com');
    expect(normalizeHost('::1')).toBe('[::1]');
    expect(normalizeHost('[::1]')).toBe('[::1]');
  });
});

describe('tool-chain', () => {
  it('runs steps in order through invoke, substituting $ref from earlier results', async () => {
    const result = await chain([
      { tool: 'file-system-operation', params: { operation: 'write', path: 'msg.txt', content: 'chained' }, as: 'w' },
      { tool: 'file-system-operation', params: { operation: 'read', path: { $ref: 'w.path' } }, as: 'r' },
      { tool: 'process-execution', params: { command: 'echo', args: [{ $ref: 'r.content' }, { $ref: '0.path' }] } },
      { tool: 'aggregate-results', params: { values: [{ $ref: 'w.bytes' }, { $ref: 'r.bytes' }] } },
    ]);
    expect(result).toMatchObject({ ok: true, skipped: [], layersExecuted: 1 });
    expect(Object.keys(result.results).sort()).toEqual(['2', '3', 'r', 'w']);
    expect(result.results['2'].data.stdout).toBe('chained msg.txt\n');
    expect(result.results['3'].data.numbers).toMatchObject({ sum: 14, count: 2 });
    expect(await readFile(path.join(fx.root, 'msg.txt'), 'utf8')).toBe('chained');
  });

  it('stops at the first failure and returns the results so far', async () => {
    const result = await chain([
      { tool: 'file-system-operation', params: { operation: 'read', path: 'file.txt' } },
      { tool: 'file-system-operation', params: { operation: 'read', path: '../outside/sentinel.txt' } },
      { tool: 'file-system-operation', params: { operation: 'write', path: 'never.txt', content: 'x' } },
    ]);
    expect(result).toMatchObject({ ok: false, failedStep: '1', skipped: ['2'] });
    // The orchestrator's ChainResult, field for field (orchestrator.test.ts checks the same keys).
    expect(Object.keys(result).sort()).toEqual(['failedStep', 'layersExecuted', 'ok', 'results', 'skipped']);
    expect(Object.keys(result.results)).toEqual(['0', '1']);
    expect(result.results['1'].error.code).toBe('PERMISSION_DENIED');
    expect((await call(tools['file-system-operation']!, { operation: 'exists', path: 'never.txt' })).exists).toBe(false);
  });

  it('turns a bad $ref into a failed step, and refuses unsafe keys', async () => {
    for (const ref of ['nope.x', '0.missing', '0.__proto__', '0.content.constructor', '1']) {
      const result = await chain([
        { tool: 'file-system-operation', params: { operation: 'read', path: 'file.txt' } },
        { tool: 'aggregate-results', params: { values: [{ $ref: ref }] } },
      ]);
      expect(result).toMatchObject({ ok: false, failedStep: '1', skipped: [] });
      expect(result.results['1']).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
  });

  it('refuses nested chains, duplicate names, and stops when aborted', async () => {
    expect(() => tools['tool-chain']!.input.parse({ steps: [{ tool: 'tool-chain', params: {} }] })).toThrow(/nest/);
    expect(() => tools['tool-chain']!.input.parse({ steps: [] })).toThrow();
    await expect(
      chain([
        { tool: 'aggregate-results', params: { values: [] }, as: 'x' },
        { tool: 'aggregate-results', params: { values: [] }, as: 'x' },
      ]),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const controller = new AbortController();
    controller.abort();
    await expect(chain([{ tool: 'aggregate-results', params: { values: [] } }], controller.signal)).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('substitute copies, keeps literals, and guards depth and prototypes', () => {
    const named = new Map<string, unknown>([['s', { list: [10, { deep: 'v' }] }]]);
    const params = { a: [{ $ref: 's.list.1.deep' }, 3], b: { $ref: 's.list.0', extra: 1 }, c: null };
    expect(substitute(params, named)).toEqual({ a: ['v', 3], b: { $ref: 's.list.0', extra: 1 }, c: null });
    const evil = JSON.parse('{"__proto__": {"polluted": true}}');
    const out = substitute(evil, named) as Record<string, unknown>;
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(() => substitute(deep, named)).toThrow(/deeply/);
    expect(() => lookup('s.list.5', named)).toThrow(/does not resolve/);
    expect(lookup('s', named)).toEqual({ list: [10, { deep: 'v' }] });
  });
});

describe('aggregate-results', () => {
  const agg = (params: Record<string, unknown>) => call(tools['aggregate-results']!, params);

  it('counts, sums numbers, concatenates strings and merges objects', async () => {
    const result = await agg({ values: [1, 2, 'a', { x: 1 }, 3.5, 'b', { y: 2, x: 3 }, NaN, null, [1]], separator: '-' });
    expect(result).toEqual({
      count: 10,
      failures: 0,
      numbers: { count: 3, sum: 6.5, mean: 6.5 / 3, min: 1, max: 3.5 },
      concat: 'a-b',
      merged: { x: 3, y: 2 },
    });
    expect(await agg({ values: [] })).toMatchObject({ count: 0, numbers: { count: 0, sum: 0, mean: null, min: null, max: null }, concat: '', merged: {} });
  });

  it('unwraps tool results, aggregates a field and groups by a key', async () => {
    const ok = (data: unknown) => ({ ok: true, tool: 't', layer: 'execution', data, durationMs: 1 });
    const failed = { ok: false, tool: 't', layer: 'execution', error: { code: 'INVALID_INPUT', message: 'x', timestamp: 'now' }, durationMs: 1 };
    const values = [ok({ kind: 'a', size: 2 }), ok({ kind: 'b', size: 5 }), failed, ok({ kind: 'a', size: 4 }), ok({ size: 1 }), ok({ kind: { n: 1 }, size: 0 })];
    const result = await agg({ values, field: 'size', by: 'kind' });
    expect(result).toMatchObject({ count: 5, failures: 1, numbers: { sum: 12, min: 0, max: 5 } });
    expect(Object.keys(result.groups)).toEqual(['a', 'b', '(none)', '{"n":1}']);
    expect(result.groups.a.numbers).toMatchObject({ count: 2, sum: 6, mean: 3 });
    expect(result.groups['(none)'].count).toBe(1);
  });

  it('never walks into or merges prototype keys', async () => {
    const evil = JSON.parse('{"__proto__": {"polluted": true}, "k": 1}');
    const result = await agg({ values: [evil], by: '__proto__.polluted' });
    expect(result.merged).toEqual({ k: 1 });
    expect(Object.keys(result.groups)).toEqual(['(none)']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(pick({ a: { b: 1 } }, 'a.b')).toBe(1);
    expect(pick({ a: 1 }, 'a.b')).toBeUndefined();
    expect(pick({ a: 1 }, 'constructor')).toBeUndefined();
  });
});

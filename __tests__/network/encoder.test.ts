import fc from 'fast-check';
import { NoError } from '../../src/contracts/errors';
import { encodeJson, nestsDeeperThan } from '../../src/network/encoder';

/** The recursive encoder every signature so far was made with: the new walk must give the same text. */
function reference(value: unknown, top = true): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((item) => reference(item, false) ?? 'null').join(',')}]`;
      const parts: string[] = [];
      for (const key of Object.keys(value).sort()) {
        const item = reference((value as Record<string, unknown>)[key], false);
        if (item !== undefined) parts.push(`${JSON.stringify(key)}:${item}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return top ? 'null' : undefined;
  }
}

/** Nesting of arrays and objects: a scalar is 0, `{}` is 1. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  return 1 + Math.max(0, ...Object.values(value as object).map(depthOf));
}

// Dense arrays only: the reference encoder, like any Array#map, skips holes.
const values = fc.anything({ maxDepth: 4, withDate: true, withNullPrototype: true, withSparseArray: false, withBoxedValues: false, withMap: true, withSet: true, withTypedArray: true, values: [fc.string({ unit: 'grapheme' }), fc.double(), fc.constant(undefined), fc.constant(-0)] });

describe('canonical encoder', () => {
  it('gives the same text as the recursive encoder signatures were made with', () => {
    fc.assert(
      fc.property(values, (value) => {
        expect(encodeJson(value)).toBe(reference(value) ?? 'null');
      }),
      { numRuns: 500 },
    );
  });

  it('measures JSON exactly: refuses iff the UTF-8 text is longer than maxBytes or nests deeper than maxDepth', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.nat({ max: 400 }), fc.nat({ max: 6 }), (value, maxBytes, maxDepth) => {
        const text = encodeJson(value);
        const bytes = Buffer.byteLength(text);
        const depth = depthOf(value);
        try {
          expect(encodeJson(value, { maxBytes, maxDepth })).toBe(text);
          expect(bytes).toBeLessThanOrEqual(maxBytes);
          expect(depth).toBeLessThanOrEqual(maxDepth);
        } catch (error) {
          expect(error).toBeInstanceOf(NoError);
          const { limit } = (error as NoError).details;
          expect(limit === 'maxMessageBytes' ? bytes > maxBytes : depth > maxDepth).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('encodes any depth without recursion when unbounded', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200_000; i++) deep = i % 2 === 0 ? [deep] : { k: deep };
    const text = encodeJson(deep);
    expect(text.startsWith('{"k":[{"k":[')).toBe(true);
    expect(text.length).toBe(200_000 / 2 * ('{"k":'.length + 1 + '[]'.length) + '"leaf"'.length);
  });

  it('finds the nesting of JSON text without parsing it, ignoring brackets inside strings', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.nat({ max: 8 }), (value, max) => {
        expect(nestsDeeperThan(JSON.stringify(value), max)).toBe(depthOf(value) > max);
      }),
      { numRuns: 1000 },
    );
    expect(nestsDeeperThan('["[[[\\"[[", {"{": "]]]"}]', 2)).toBe(false);
    expect(nestsDeeperThan('["[[[\\"[[", {"{": ["]]]"]}]', 2)).toBe(true);
  });
});

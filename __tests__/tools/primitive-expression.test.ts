import fc from 'fast-check';
import { isNoError } from '../../src/contracts/errors.js';
import { isToolCallError } from '../../src/tools/errors.js';
import { createToolLayer } from '../../src/tools/create-layer.js';
import { DEFAULT_MAX_EXPRESSION_DEPTH, evaluateExpression, parseExpression } from '../../src/tools/primitive/index.js';

type Ast = { n: number } | { v: 'x' | 'y' } | { neg: Ast } | { op: '+' | '-' | '*' | '/' | '%' | '^'; l: Ast; r: Ast } | { fn: 'min' | 'max' | 'abs' | 'round' | 'sqrt'; args: Ast[] };

const { ast } = fc.letrec<{ ast: Ast }>((tie) => ({
  ast: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ n: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.double({ min: 0, max: 100, noNaN: true })) }),
    fc.record({ v: fc.constantFrom('x' as const, 'y' as const) }),
    fc.record({ neg: tie('ast') }),
    fc.record({ op: fc.constantFrom('+' as const, '-' as const, '*' as const, '/' as const, '%' as const, '^' as const), l: tie('ast'), r: tie('ast') }),
    fc.record({ fn: fc.constantFrom('min' as const, 'max' as const), args: fc.array(tie('ast'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ fn: fc.constantFrom('abs' as const, 'round' as const, 'sqrt' as const), args: fc.tuple(tie('ast')) }),
  ),
})) as { ast: fc.Arbitrary<Ast> };

const print = (a: Ast): string => {
  if ('n' in a) return String(a.n);
  if ('v' in a) return a.v;
  if ('neg' in a) return `(-${print(a.neg)})`;
  if ('op' in a) return `(${print(a.l)} ${a.op} ${print(a.r)})`;
  return `${a.fn}(${a.args.map(print).join(', ')})`;
};

class Invalid extends Error {}
/** The reference: plain JS arithmetic on the tree, with the evaluator's rules for what is an error. */
const reference = (a: Ast, vars: Record<string, number>): number => {
  const ok = (x: number): number => {
    if (!Number.isFinite(x)) throw new Invalid();
    return x;
  };
  if ('n' in a) return a.n;
  if ('v' in a) return vars[a.v] as number;
  if ('neg' in a) return -reference(a.neg, vars);
  if ('op' in a) {
    const l = reference(a.l, vars);
    const r = reference(a.r, vars);
    if ((a.op === '/' || a.op === '%') && r === 0) throw new Invalid();
    return ok({ '+': l + r, '-': l - r, '*': l * r, '/': l / r, '%': l % r, '^': l ** r }[a.op]);
  }
  const args = a.args.map((x) => reference(x, vars));
  if (a.fn === 'sqrt' && (args[0] as number) < 0) throw new Invalid();
  return ok((Math[a.fn] as (...n: number[]) => number)(...args));
};

describe('expression evaluator', () => {
  it.each([
    ['2 + 3 * 4', 14],
    ['(2 + 3) * 4', 20],
    ['-2 ^ 2', -4],
    ['2 ^ 3 ^ 2', 512],
    ['2 ^ -1', 0.5],
    ['10 % 4 - -1', 3],
    ['+5', 5],
    ['max(1, 7, 3) - min(4, 2)', 5],
    ['round(2.5) + abs(-1) + floor(1.9) + ceil(1.1) + sqrt(9)', 10],
    ['1.5e2 + .5', 150.5],
    ['a * b', 12],
    ['3 > 2', true],
    ['3 <= 2', false],
    ['(1 + 1) == 2', true],
    ['2 != 2', false],
    ['2 >= 2', true],
    ['1 < 2', true],
  ])('evaluates %s to %p', (source, expected) => {
    expect(evaluateExpression(source, { a: 3, b: 4 })).toBe(expected);
  });

  it.each([
    ['1 / 0', 'division by zero'],
    ['1 % (2 - 2)', 'modulo by zero'],
    ['sqrt(-1)', 'sqrt of a negative'],
    ['10 ^ 400', 'not a finite'],
    ['1e999', 'out of range'],
    ['unknown + 1', "unknown variable 'unknown'"],
    ['nope(1)', "unknown function 'nope'"],
    ['abs(1, 2)', 'takes 1 argument'],
    ['min()', "expected a number"],
    ['(1 + 2', "expected ')'"],
    ['1 + ', 'the end of the expression'],
    ['1 2', "unexpected '2'"],
    ['2 $ 3', 'unexpected character'],
    ['(1 < 2) + 1', 'comparison result'],
    ['1 < 2 < 3', "unexpected '<'"],
    ['constructor', "unknown variable"],
    ['toString(1)', 'unknown function'],
  ])('refuses %s with INVALID_INPUT (%s)', (source, message) => {
    let caught: unknown;
    try {
      evaluateExpression(source);
    } catch (error) {
      caught = error;
    }
    expect(isToolCallError(caught) && caught.code === 'INVALID_INPUT').toBe(true);
    expect((caught as Error).message).toContain(message);
  });

  it('refuses expressions over the length or nesting limits', () => {
    expect(() => parseExpression('1+'.repeat(600) + '1')).toThrow(/over the limit/);
    expect(() => parseExpression('('.repeat(DEFAULT_MAX_EXPRESSION_DEPTH + 1) + '1' + ')'.repeat(DEFAULT_MAX_EXPRESSION_DEPTH + 1))).toThrow(/deeper than/);
    expect(() => parseExpression('-'.repeat(10) + '1', { maxDepth: 5 })).toThrow(/deeper than/);
    expect(() => parseExpression('2^2^2^2', { maxDepth: 2 })).toThrow(/deeper than/);
    expect(parseExpression('('.repeat(10) + '1' + ')'.repeat(10))).toEqual({ kind: 'number', value: 1 });
  });

  it('agrees with a reference computation on generated expressions', () => {
    fc.assert(
      fc.property(ast, fc.integer({ min: -20, max: 20 }), fc.double({ min: -10, max: 10, noNaN: true }), (tree, x, y) => {
        const source = print(tree);
        fc.pre(source.length <= 1000 && !source.includes('e'));
        let expected: number | 'invalid';
        try {
          expected = reference(tree, { x, y });
        } catch (error) {
          if (!(error instanceof Invalid)) throw error;
          expected = 'invalid';
        }
        let actual: number | boolean | 'invalid';
        try {
          actual = evaluateExpression(source, { x, y });
        } catch (error) {
          if (!(isToolCallError(error) && error.code === 'INVALID_INPUT')) throw error;
          actual = 'invalid';
        }
        expect(actual).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws anything but a typed INVALID_INPUT on random text', () => {
    const chars = fc.constantFrom(...'0123456789.+-*/%^()<>=!, eExyminsqrtab_$'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: chars, maxLength: 60 }), fc.string({ maxLength: 60 })), (source) => {
        try {
          const value = evaluateExpression(source, { x: 1, y: 2 });
          expect(typeof value === 'number' ? Number.isFinite(value) : typeof value === 'boolean').toBe(true);
        } catch (error) {
          expect(isNoError(error, 'INVALID_INPUT')).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('runs as the evaluate-expression tool with named variables', async () => {
    const layer = createToolLayer('primitive', { rateLimit: false });
    expect(await layer.invoke('evaluate-expression', { expression: 'rate * 60', variables: { rate: 2.5 } })).toMatchObject({ ok: true, data: { value: 150 } });
    expect(await layer.invoke('evaluate-expression', { expression: '1/0' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await layer.invoke('evaluate-expression', { expression: 'x', variables: { 'bad name': 1 } })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});

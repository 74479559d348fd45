import { isNoError } from '../../src/contracts/errors.js';
import { MAX_TIMER_MS, requireNumber } from '../../src/resilience/index.js';
import { thrown } from '../helpers/errors.js';

describe('requireNumber', () => {
  it('returns a value inside the rule', () => {
    expect(requireNumber('n', 3, { min: 1, max: 3, integer: true })).toBe(3);
    expect(requireNumber('rate', 0.01, { above: 0 })).toBe(0.01);
    expect(requireNumber('idle', Number.POSITIVE_INFINITY, { above: 0 })).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([
    ['below min', 0, { min: 1 }, 'n must be a number >= 1, got 0'],
    ['not above', 0, { above: 0 }, 'n must be a number > 0, got 0'],
    ['over max', 11, { min: 1, max: 10, integer: true }, 'n must be an integer >= 1 and <= 10, got 11'],
    ['a fraction', 1.5, { integer: true }, 'n must be an integer, got 1.5'],
    ['an unsafe integer', 2 ** 53, { integer: true }, `n must be an integer, got ${2 ** 53}`],
    ['NaN', Number.NaN, {}, 'n must be a number, got NaN'],
    ['a string', '5' as unknown as number, {}, 'n must be a number, got 5'],
  ])('refuses %s with INVALID_NUMBER naming the option and the rule', (_label, value, rule, message) => {
    const error = thrown(() => requireNumber('n', value, rule));
    expect(isNoError(error, 'INVALID_NUMBER')).toBe(true);
    expect(error.message).toBe(message);
    expect(error.details).toMatchObject({ option: 'n' });
  });

  it("holds timers to setTimeout's largest delay", () => {
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
    expect(requireNumber('ms', MAX_TIMER_MS, { min: 1, max: MAX_TIMER_MS, integer: true })).toBe(MAX_TIMER_MS);
    expect(() => requireNumber('ms', MAX_TIMER_MS + 1, { min: 1, max: MAX_TIMER_MS, integer: true })).toThrow(/<= 2147483647/);
  });
});

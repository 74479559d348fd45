import { isNoError } from '../../src/contracts/errors';
import { sampleBeta, sampleGamma, sampleNormal } from '../../src/scheduler/beta';
import { createRandom } from '../../src/scheduler/random';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  const xs = Array.from({ length: n }, draw);
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return { mean, variance };
}

describe('beta sampling', () => {
  it('draws standard normals', () => {
    const random = createRandom(1);
    const { mean, variance } = moments(() => sampleNormal(random), 20_000);
    expect(mean).toBeCloseTo(0, 1);
    expect(variance).toBeCloseTo(1, 1);
  });

  it.each([0.3, 1, 2.5, 40])('draws Gamma(%p) with mean and variance equal to the shape', (shape) => {
    const random = createRandom(7);
    const { mean, variance } = moments(() => sampleGamma(shape, random), 20_000);
    expect(Math.abs(mean - shape) / shape).toBeLessThan(0.05);
    expect(Math.abs(variance - shape) / shape).toBeLessThan(0.1);
  });

  it.each([
    [1, 1],
    [3, 1],
    [0.5, 0.5],
    [20, 5],
  ])('draws Beta(%p, %p) in [0, 1] with the right mean', (a, b) => {
    const random = createRandom(42);
    const draws = Array.from({ length: 20_000 }, () => sampleBeta(a, b, random));
    expect(draws.every((x) => x >= 0 && x <= 1)).toBe(true);
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    expect(mean).toBeCloseTo(a / (a + b), 1.5);
  });

  it('is reproducible from the seed', () => {
    const a = createRandom(99);
    const b = createRandom(99);
    expect(Array.from({ length: 5 }, () => sampleBeta(2, 3, a))).toEqual(Array.from({ length: 5 }, () => sampleBeta(2, 3, b)));
  });

  it('falls back to the mean when both gamma draws underflow to zero', () => {
    const random = createRandom(3);
    const draws = Array.from({ length: 200 }, () => sampleBeta(1e-300, 1e-300, random));
    expect(draws).toContain(0.5);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the shape %p', (shape) => {
    let caught: unknown;
    try {
      sampleBeta(shape, 1, createRandom(1));
    } catch (error) {
      caught = error;
    }
    expect(isNoError(caught, 'INVALID_NUMBER')).toBe(true);
    expect((caught as Error).message).toContain('alpha');
  });
});

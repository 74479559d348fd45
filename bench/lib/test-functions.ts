/**
 * Standard continuous test functions (minimum 0), with their usual search boxes, for the swarm bench.
 * Rastrigin: many regular local minima; Rosenbrock: a narrow curved valley; Ackley: a nearly flat
 * outer region with a deep hole at the origin.
 */
export interface TestFunction {
  name: string;
  f: (x: readonly number[]) => number;
  /** The box per dimension. */
  bound: readonly [number, number];
}

export const rastrigin: TestFunction = {
  name: 'rastrigin',
  bound: [-5.12, 5.12],
  f: (x) => 10 * x.length + x.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 0),
};

export const rosenbrock: TestFunction = {
  name: 'rosenbrock',
  bound: [-5, 10],
  f: (x) => {
    let s = 0;
    for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
    return s;
  },
};

export const ackley: TestFunction = {
  name: 'ackley',
  bound: [-32.768, 32.768],
  f: (x) => {
    const n = x.length;
    const squares = x.reduce((s, v) => s + v * v, 0) / n;
    const cosines = x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / n;
    // Rounding leaves about -4e-16 at the origin; the minimum is 0.
    return Math.max(0, -20 * Math.exp(-0.2 * Math.sqrt(squares)) - Math.exp(cosines) + 20 + Math.E);
  },
};

export const TEST_FUNCTIONS = [rastrigin, rosenbrock, ackley] as const;

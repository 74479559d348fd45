import fc from 'fast-check';
import { createSwarm, type SwarmTopology } from '../../src/coordination/index';

// Objectives with walls, plateaus, ridges and infeasible regions, so particles hit the bounds often.
const objectives: Array<(x: number[]) => number> = [
  (x) => x.reduce((s, v) => s + v * v, 0),
  (x) => -x.reduce((s, v) => s + v, 0), // minimum in the upper corner: particles pile on the walls
  (x) => x.reduce((s, v) => s + Math.abs(Math.sin(3 * v)) + v, 0),
  () => 7, // a plateau
  (x) => (x[0]! > 0 ? Infinity : x.reduce((s, v) => s + Math.abs(v), 0)), // infeasible half
];

const boundsArb = fc
  .array(
    fc.tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: 0, max: 1e3, noNaN: true }), fc.boolean()),
    { minLength: 1, maxLength: 5 },
  )
  // Some dimensions have width 0: the one point allowed there must be hit exactly.
  .map((dims) => dims.map(([lo, width, flat]) => [lo, flat ? lo : lo + width] as [number, number]));

describe('swarm search (property)', () => {
  it('evaluates only points inside the bounds, and reports the minimum of all values it evaluated', async () => {
    await fc.assert(
      fc.asyncProperty(
        boundsArb,
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.constantFrom<SwarmTopology>('global', 'ring'),
        fc.nat(objectives.length - 1),
        async (bounds, swarmSize, extra, seed, topology, which) => {
          const f = objectives[which]!;
          const evaluated: Array<{ point: number[]; value: number }> = [];
          const maxEvaluations = swarmSize + extra;
          const result = await createSwarm({
            swarmSize,
            seed,
            topology,
            evaluate: async (points) =>
              points.map((point) => {
                const value = f(point);
                evaluated.push({ point: [...point], value });
                return value;
              }),
          }).optimizeCollectively({ bounds, maxEvaluations, patience: 5 });

          for (const { point } of evaluated) {
            expect(point).toHaveLength(bounds.length);
            point.forEach((x, d) => {
              expect(x).toBeGreaterThanOrEqual(bounds[d]![0]);
              expect(x).toBeLessThanOrEqual(bounds[d]![1]);
            });
          }
          expect(result.evaluations).toBe(evaluated.length);
          expect(result.evaluations).toBeLessThanOrEqual(maxEvaluations);
          const minimum = Math.min(...evaluated.map((e) => e.value));
          expect(result.bestValue).toBe(minimum);
          if (Number.isFinite(minimum)) {
            expect(evaluated.some((e) => e.value === minimum && e.point.every((x, d) => x === result.bestPoint[d]))).toBe(true);
          }
          // The reported history never gets worse and ends at the best.
          expect(result.history.every((h, i) => i === 0 || h.bestValue <= result.history[i - 1]!.bestValue)).toBe(true);
          expect(result.history.at(-1)!.bestValue).toBe(result.bestValue);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives the same points and result for the same seed', async () => {
    await fc.assert(
      fc.asyncProperty(boundsArb, fc.integer({ min: 2, max: 8 }), fc.integer({ min: 0, max: 2 ** 31 }), async (bounds, swarmSize, seed) => {
        const run = async () => {
          const points: number[][] = [];
          const result = await createSwarm({ swarmSize, seed, evaluate: async (batch) => (points.push(...batch), batch.map((p) => p.reduce((s, v) => s + Math.cos(v), 0))) }).optimizeCollectively({
            id: 'same',
            bounds,
            maxIterations: 6,
          });
          return { points, result };
        };
        expect(await run()).toEqual(await run());
      }),
      { numRuns: 50 },
    );
  });
});

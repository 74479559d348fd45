import fc from 'fast-check';
import { criticalPath } from '../../src/scheduler/critical-path';
import { buildDag } from '../../src/scheduler/dag';

describe('criticalPath', () => {
  it('follows the longest chain of dependencies', () => {
    const dag = buildDag([
      { id: 'a' },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['a'] },
      { id: 'd', dependsOn: ['b', 'c'] },
      { id: 'side' },
    ]);
    const result = criticalPath(dag, [2, 5, 1, 3, 9]);
    expect(result.path).toEqual(['a', 'b', 'd']);
    expect(result.lengthMs).toBe(10);
    expect(result.heads).toEqual([0, 2, 2, 7, 0]);
    expect(result.tails).toEqual([10, 8, 4, 3, 9]);
  });

  it('picks a lone long task over a chain of shorter ones', () => {
    const dag = buildDag([{ id: 'x' }, { id: 'y', dependsOn: ['x'] }, { id: 'long' }]);
    expect(criticalPath(dag, [1, 1, 5])).toMatchObject({ path: ['long'], lengthMs: 5 });
  });

  it('works with real-valued durations and tasks that take no time', () => {
    const dag = buildDag([{ id: 'start' }, { id: 'work', dependsOn: ['start'] }, { id: 'done', dependsOn: ['work'] }]);
    const result = criticalPath(dag, [0, 2.5, 0]);
    expect(result.path).toEqual(['start', 'work', 'done']);
    expect(result.lengthMs).toBe(2.5);
    expect(result.heads).toEqual([0, 0, 2.5]);
  });

  it('breaks ties between equally long chains by topological order', () => {
    const dag = buildDag([{ id: 'p' }, { id: 'q' }, { id: 'r', dependsOn: ['p', 'q'] }]);
    expect(criticalPath(dag, [3, 3, 1]).path).toEqual(['p', 'r']);
  });

  it('returns an empty path for an empty graph', () => {
    expect(criticalPath(buildDag([]), [])).toEqual({ path: [], lengthMs: 0, heads: [], tails: [] });
  });

  it('handles a 10,000-task chain', () => {
    const n = 10_000;
    const dag = buildDag(Array.from({ length: n }, (_, i) => ({ id: `t${i}`, dependsOn: i === 0 ? [] : [`t${i - 1}`] })));
    const result = criticalPath(dag, new Array<number>(n).fill(1));
    expect(result.lengthMs).toBe(n);
    expect(result.path).toHaveLength(n);
    expect(result.heads[n - 1]).toBe(n - 1);
  });

  it('is a real chain whose length equals the latest earliest finish, on random graphs', () => {
    const graph = fc.integer({ min: 1, max: 30 }).chain((n) =>
      fc.record({
        edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 3 * n }),
        durations: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 }), fc.double({ min: 0, max: 50, noNaN: true })), {
          minLength: n,
          maxLength: n,
        }),
      }),
    );
    fc.assert(
      fc.property(graph, ({ edges, durations }) => {
        const n = durations.length;
        const deps = Array.from({ length: n }, () => [] as string[]);
        for (const [a, b] of edges) if (a < b) (deps[b] as string[]).push(`t${a}`);
        const dag = buildDag(deps.map((dependsOn, i) => ({ id: `t${i}`, dependsOn })));
        const { path, lengthMs, heads, tails } = criticalPath(dag, durations);
        let latestFinish = 0;
        for (let i = 0; i < n; i++) {
          latestFinish = Math.max(latestFinish, (heads[i] as number) + (durations[i] as number));
          for (const p of dag.preds[i] as number[]) {
            expect(heads[i]).toBeGreaterThanOrEqual((heads[p] as number) + (durations[p] as number));
            expect(tails[p]).toBeGreaterThanOrEqual((durations[p] as number) + (tails[i] as number));
          }
        }
        expect(lengthMs).toBeCloseTo(latestFinish, 9);
        const indexes = path.map((id) => dag.indexOf.get(id) as number);
        expect(dag.preds[indexes[0] as number]).toEqual([]);
        expect(dag.succs[indexes[indexes.length - 1] as number]).toEqual([]);
        for (let k = 1; k < indexes.length; k++) expect(dag.preds[indexes[k] as number]).toContain(indexes[k - 1]);
        expect(indexes.reduce((sum, i) => sum + (durations[i] as number), 0)).toBeCloseTo(lengthMs, 9);
      }),
      { numRuns: 200 },
    );
  });
});

import fc from 'fast-check';
import { isNoError, NoError } from '../../src/contracts/errors';
import { buildDag, type DagNode } from '../../src/scheduler/dag';

function caught(run: () => unknown): NoError {
  try {
    run();
  } catch (error) {
    if (error instanceof NoError) return error;
    throw error;
  }
  throw new Error('expected a NoError');
}

const idsInOrder = (nodes: DagNode[]): string[] => {
  const dag = buildDag(nodes);
  return dag.order.map((i) => dag.ids[i] as string);
};

describe('buildDag', () => {
  it('indexes tasks in input order with their predecessors and successors', () => {
    const dag = buildDag([{ id: 'fetch' }, { id: 'parse', dependsOn: ['fetch'] }, { id: 'store', dependsOn: ['parse', 'fetch'] }]);
    expect(dag.ids).toEqual(['fetch', 'parse', 'store']);
    expect(dag.indexOf.get('store')).toBe(2);
    expect(dag.preds).toEqual([[], [0], [1, 0]]);
    expect(dag.succs).toEqual([[1, 2], [2], []]);
  });

  it('counts a dependency named twice once', () => {
    const dag = buildDag([{ id: 'a' }, { id: 'b', dependsOn: ['a', 'a', 'a'] }]);
    expect(dag.preds[1]).toEqual([0]);
    expect(dag.succs[0]).toEqual([1]);
  });

  it('keeps the input order when it already respects every dependency', () => {
    expect(idsInOrder([{ id: 'a' }, { id: 'c' }, { id: 'b', dependsOn: ['a'] }, { id: 'd', dependsOn: ['c', 'b'] }])).toEqual(['a', 'c', 'b', 'd']);
  });

  it('moves a task after its dependencies and otherwise takes the lowest input index first', () => {
    // Ready at first: y (1) and z (2); x (0) waits for z.
    expect(idsInOrder([{ id: 'x', dependsOn: ['z'] }, { id: 'y' }, { id: 'z' }])).toEqual(['y', 'z', 'x']);
    // c (2) goes before a (3); once a is placed, d (0) and b (1) follow by input index.
    expect(idsInOrder([{ id: 'd', dependsOn: ['a'] }, { id: 'b', dependsOn: ['a'] }, { id: 'c' }, { id: 'a' }])).toEqual(['c', 'a', 'd', 'b']);
  });

  it('accepts an empty task list', () => {
    expect(buildDag([])).toMatchObject({ ids: [], order: [], preds: [], succs: [] });
  });

  it('rejects a duplicate id and names it', () => {
    const error = caught(() => buildDag([{ id: 'a' }, { id: 'b' }, { id: 'a' }]));
    expect(isNoError(error, 'DUPLICATE_TASK')).toBe(true);
    expect(error.details).toEqual({ taskId: 'a' });
    expect(error.message).toContain("'a'");
  });

  it('rejects a dependency on a task that is not in the request', () => {
    const error = caught(() => buildDag([{ id: 'a' }, { id: 'b', dependsOn: ['a', 'ghost'] }]));
    expect(isNoError(error, 'UNKNOWN_DEPENDENCY')).toBe(true);
    expect(error.details).toEqual({ taskId: 'b', dependency: 'ghost' });
    expect(error.message).toContain('ghost');
  });

  it('names the cycle path in the error', () => {
    // b needs a, c needs b, a needs c: a -> b -> c -> a.
    const error = caught(() => buildDag([{ id: 'a', dependsOn: ['c'] }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['b'] }]));
    expect(isNoError(error, 'CYCLE_DETECTED')).toBe(true);
    expect(error.details.cycle).toEqual(['a', 'b', 'c', 'a']);
    expect(error.message).toContain('a -> b -> c -> a');
  });

  it('reports a self-dependency as a one-task cycle', () => {
    const error = caught(() => buildDag([{ id: 'ok' }, { id: 'me', dependsOn: ['ok', 'me'] }]));
    expect(error.code).toBe('CYCLE_DETECTED');
    expect(error.details.cycle).toEqual(['me', 'me']);
    expect(error.message).toContain('me -> me');
  });

  it('reports only the tasks on the cycle, not those leading into or out of it', () => {
    const error = caught(() =>
      buildDag([
        { id: 'after', dependsOn: ['q'] },
        { id: 'before' },
        { id: 'p', dependsOn: ['before', 'r'] },
        { id: 'q', dependsOn: ['p'] },
        { id: 'r', dependsOn: ['q'] },
      ]),
    );
    expect(error.details.cycle).toEqual(['p', 'q', 'r', 'p']);
  });

  it('finds a 5,000-task cycle and lists it in dependency order', () => {
    const n = 5000;
    const nodes = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, dependsOn: [`t${(i + n - 1) % n}`] }));
    const cycle = caught(() => buildDag(nodes)).details.cycle as string[];
    expect(cycle).toEqual([...Array.from({ length: n }, (_, k) => `t${k}`), 't0']);
  });

  it('handles a 10,000-task chain without overflowing the stack, in either input order', () => {
    const n = 10_000;
    const chain = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, dependsOn: i === 0 ? [] : [`t${i - 1}`] }));
    const forward = buildDag(chain);
    expect(forward.order[n - 1]).toBe(n - 1);
    const backward = buildDag([...chain].reverse());
    // Input index 0 is t9999, which must come last.
    expect(backward.order[0]).toBe(n - 1);
    expect(backward.order[n - 1]).toBe(0);
  });

  it('orders any random DAG so that every task comes after its dependencies', () => {
    const graph = fc.integer({ min: 1, max: 40 }).chain((n) =>
      fc.record({
        edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 3 * n }),
        shuffle: fc.array(fc.nat(), { minLength: n, maxLength: n }),
        n: fc.constant(n),
      }),
    );
    fc.assert(
      fc.property(graph, ({ n, edges, shuffle }) => {
        // Edges from a lower to a higher rank are acyclic; the input order is a random permutation.
        const position = Array.from({ length: n }, (_, i) => i).sort((a, b) => (shuffle[a] as number) - (shuffle[b] as number) || a - b);
        const deps = Array.from({ length: n }, () => [] as string[]);
        for (const [a, b] of edges) if (a < b) (deps[b] as string[]).push(`t${a}`);
        const dag = buildDag(position.map((rank) => ({ id: `t${rank}`, dependsOn: deps[rank] })));
        expect([...dag.order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        const at = new Map(dag.order.map((i, k) => [i, k]));
        dag.preds.forEach((preds, i) => preds.forEach((p) => expect(at.get(p)).toBeLessThan(at.get(i) as number)));
        dag.preds.forEach((preds, i) => preds.forEach((p) => expect(dag.succs[p]).toContain(i)));
      }),
      { numRuns: 200 },
    );
  });
});

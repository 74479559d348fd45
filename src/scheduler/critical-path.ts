import type { Dag } from './dag.js';

/** The longest chain of dependencies, ignoring resources: no schedule can finish sooner. */
export interface CriticalPath {
  /** Task ids along the longest chain, first to last (empty for an empty graph). */
  path: string[];
  /** Length of that chain: the sum of its durations. */
  lengthMs: number;
  /** heads[i]: earliest start of task i when only dependencies count. */
  heads: number[];
  /** tails[i]: longest chain from the start of task i to the end, including task i's own duration. */
  tails: number[];
}

/**
 * Computes heads, tails and the critical path of a {@link Dag} in O(V + E).
 *
 * Ties between equally long chains go to the earliest task in topological order, so the same graph
 * always yields the same path.
 *
 * @example
 * const dag = buildDag([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c' }]);
 * criticalPath(dag, [5, 3, 4]); // { path: ['a', 'b'], lengthMs: 8, heads: [0, 5, 0], tails: [8, 3, 4] }
 */
export function criticalPath(dag: Dag, durations: readonly number[]): CriticalPath {
  const n = dag.ids.length;
  const heads = new Array<number>(n).fill(0);
  const tails = new Array<number>(n).fill(0);
  for (const i of dag.order) {
    const end = (heads[i] as number) + (durations[i] as number);
    for (const s of dag.succs[i] as readonly number[]) if (end > (heads[s] as number)) heads[s] = end;
  }
  let lengthMs = 0;
  let first = -1;
  for (let k = n - 1; k >= 0; k--) {
    const i = dag.order[k] as number;
    let longest = 0;
    for (const s of dag.succs[i] as readonly number[]) if ((tails[s] as number) > longest) longest = tails[s] as number;
    const tail = (durations[i] as number) + longest;
    tails[i] = tail;
    // Walking the order backwards, `>=` leaves `first` at the earliest task with the longest tail,
    // which has no dependency of its own on the longest chain, so the path can start there.
    if (tail >= lengthMs) {
      lengthMs = tail;
      first = i;
    }
  }
  const path: string[] = [];
  for (let at = first; at !== -1; ) {
    path.push(dag.ids[at] as string);
    let next = -1;
    for (const s of dag.succs[at] as readonly number[]) {
      if (next === -1 || (tails[s] as number) > (tails[next] as number)) next = s;
    }
    at = next;
  }
  return { path, lengthMs, heads, tails };
}

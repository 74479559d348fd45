import { NoError } from '../contracts/errors.js';

/**
 * A validated dependency graph over task indexes. Indexes follow the input order, so every array here
 * can be read side by side with the caller's task list.
 */
export interface Dag {
  /** index -> id, in input order. */
  readonly ids: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** Direct predecessors (dependencies) by index, deduplicated, in the order first named. */
  readonly preds: readonly (readonly number[])[];
  /** Direct successors (dependents) by index, ascending. */
  readonly succs: readonly (readonly number[])[];
  /** A topological order: whenever several tasks are ready, the lowest input index goes first. */
  readonly order: readonly number[];
}

/** What {@link buildDag} needs of a task. */
export interface DagNode {
  id: string;
  /** Ids of the tasks that must finish before this one starts. */
  dependsOn?: readonly string[];
}

/**
 * Validates tasks and their dependencies into a {@link Dag}.
 *
 * Iterative throughout, so a 10,000-task chain cannot overflow the stack. When the input is already
 * topologically sorted (the usual case) the order is the input order and the cost is O(V + E);
 * otherwise ready tasks go through a min-heap on the input index, O(E + V log V).
 *
 * @throws NoError `DUPLICATE_TASK` (`details.taskId`), `UNKNOWN_DEPENDENCY` (`details.taskId`,
 *   `details.dependency`) or `CYCLE_DETECTED` (`details.cycle`, a path that starts and ends with the
 *   same id; `a -> b` means b depends on a).
 * @example
 * const dag = buildDag([{ id: 'fetch' }, { id: 'parse', dependsOn: ['fetch'] }]);
 * dag.order.map((i) => dag.ids[i]); // ['fetch', 'parse']
 */
export function buildDag(nodes: ReadonlyArray<DagNode>): Dag {
  const n = nodes.length;
  const ids: string[] = new Array<string>(n);
  const indexOf = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = (nodes[i] as DagNode).id;
    if (indexOf.has(id)) {
      throw new NoError('DUPLICATE_TASK', `task id '${id}' is used more than once`, {
        details: { taskId: id },
      });
    }
    indexOf.set(id, i);
    ids[i] = id;
  }

  const preds: number[][] = new Array<number[]>(n);
  const succs: number[][] = new Array<number[]>(n);
  for (let i = 0; i < n; i++) succs[i] = [];
  // Last task that named a given dependency: deduplicates in O(1) without a set per task.
  const seenBy = new Int32Array(n).fill(-1);
  let inputIsTopological = true;
  for (let i = 0; i < n; i++) {
    const node = nodes[i] as DagNode;
    const list: number[] = [];
    for (const dependency of node.dependsOn ?? []) {
      const p = indexOf.get(dependency);
      if (p === undefined) {
        throw new NoError(
          'UNKNOWN_DEPENDENCY',
          `task '${node.id}' depends on '${dependency}', which is not in the request`,
          { details: { taskId: node.id, dependency } },
        );
      }
      if (seenBy[p] === i) continue;
      seenBy[p] = i;
      list.push(p);
      (succs[p] as number[]).push(i);
      if (p >= i) inputIsTopological = false;
    }
    preds[i] = list;
  }

  const order = inputIsTopological ? Array.from({ length: n }, (_, i) => i) : kahnOrder(preds, succs);
  if (order.length < n) throwCycle(ids, preds, order);
  return { ids, indexOf, preds, succs, order };
}

/** Kahn's algorithm with a min-heap of ready indexes; returns fewer than n indexes when there is a cycle. */
function kahnOrder(preds: readonly (readonly number[])[], succs: readonly (readonly number[])[]): number[] {
  const n = preds.length;
  const indegree = new Int32Array(n);
  const heap = new Int32Array(n);
  let size = 0;
  const push = (value: number): void => {
    let at = size++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if ((heap[parent] as number) <= value) break;
      heap[at] = heap[parent] as number;
      at = parent;
    }
    heap[at] = value;
  };
  const pop = (): number => {
    const top = heap[0] as number;
    const last = heap[--size] as number;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && (heap[child + 1] as number) < (heap[child] as number)) child++;
      if ((heap[child] as number) >= last) break;
      heap[at] = heap[child] as number;
      at = child;
    }
    heap[at] = last;
    return top;
  };
  for (let i = 0; i < n; i++) {
    indegree[i] = (preds[i] as readonly number[]).length;
    if (indegree[i] === 0) push(i);
  }
  const order: number[] = [];
  while (size > 0) {
    const i = pop();
    order.push(i);
    for (const s of succs[i] as readonly number[]) {
      indegree[s] = (indegree[s] as number) - 1;
      if (indegree[s] === 0) push(s);
    }
  }
  return order;
}

/**
 * Every task left out of a partial topological order still has a dependency that is also left out, so
 * walking dependencies from any of them must revisit a task: that loop is a cycle.
 */
function throwCycle(ids: readonly string[], preds: readonly (readonly number[])[], partial: readonly number[]): never {
  const n = ids.length;
  const done = new Uint8Array(n);
  for (const i of partial) done[i] = 1;
  let start = 0;
  while (done[start] === 1) start++;
  const stepOf = new Int32Array(n).fill(-1);
  const walk: number[] = [];
  let at = start;
  while (stepOf[at] === -1) {
    stepOf[at] = walk.length;
    walk.push(at);
    at = (preds[at] as readonly number[]).find((p) => done[p] === 0) as number;
  }
  // walk[k + 1] is a dependency of walk[k]; reverse so the path reads dependency -> dependent.
  const loop = walk.slice(stepOf[at]).reverse();
  // Start at the earliest task of the loop so the same graph always reports the same path.
  let first = 0;
  for (let k = 1; k < loop.length; k++) if ((loop[k] as number) < (loop[first] as number)) first = k;
  const rotated = [...loop.slice(first), ...loop.slice(0, first)];
  const cycle = [...rotated, rotated[0] as number].map((i) => ids[i] as string);
  throw new NoError('CYCLE_DETECTED', `dependency cycle: ${cycle.join(' -> ')}`, { details: { cycle } });
}

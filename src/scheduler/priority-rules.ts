import type { Random } from './random.js';
import type { CompiledProblem } from './sgs.js';

/**
 * Priority rules for resource-constrained scheduling, each expressed as a key where smaller goes first
 * (Kolisch 1996 lists them; LFT is the strongest single rule on PSPLIB, the others add diversity).
 * "More first" rules are negated as `0 - x`, which keeps zero a plain 0 rather than -0.
 */
export type PriorityRule = 'lft' | 'lst' | 'mslk' | 'mts' | 'grpw' | 'grd';

/** Every rule, strongest first. */
export const PRIORITY_RULES: readonly PriorityRule[] = ['lft', 'lst', 'mslk', 'mts', 'grpw', 'grd'];

/** Above this many tasks, `mts` (which needs the transitive closure, O(n²) bits) falls back to `lft`. */
export const MTS_MAX_TASKS = 4000;

/**
 * Computes a rule's key for every task.
 *
 * @param heads earliest starts ignoring resources; @param tails longest path from each task's start.
 */
export function ruleKeys(problem: CompiledProblem, rule: PriorityRule, heads: readonly number[], tails: readonly number[]): Float64Array {
  const { n, r, durations, demand, capacity, succStart, succList } = problem;
  let horizon = 0;
  for (let i = 0; i < n; i++) horizon = Math.max(horizon, tails[i] as number);
  const keys = new Float64Array(n);
  if (rule === 'mts' && n <= MTS_MAX_TASKS) {
    const counts = successorCounts(problem);
    for (let i = 0; i < n; i++) keys[i] = 0 - (counts[i] as number);
    return keys;
  }
  for (let i = 0; i < n; i++) {
    const lst = horizon - (tails[i] as number);
    const d = durations[i] as number;
    if (rule === 'lst') keys[i] = lst;
    else if (rule === 'mslk') keys[i] = lst - (heads[i] as number);
    else if (rule === 'grpw') {
      let weight = d;
      for (let e = succStart[i] as number; e < (succStart[i + 1] as number); e++) weight += durations[succList[e] as number] as number;
      keys[i] = 0 - weight;
    } else if (rule === 'grd') {
      let load = 0;
      for (let k = 0; k < r; k++) load += (demand[i * r + k] as number) / (capacity[k] as number);
      keys[i] = 0 - d * load;
    } else keys[i] = lst + d;
  }
  return keys;
}

/** Number of tasks that (transitively) depend on each task, via bitsets in reverse topological order. */
function successorCounts(problem: CompiledProblem): Int32Array {
  const { n, order, succStart, succList } = problem;
  const words = (n + 31) >>> 5;
  const reach = new Uint32Array(n * words);
  const counts = new Int32Array(n);
  for (let k = n - 1; k >= 0; k--) {
    const i = order[k] as number;
    const row = i * words;
    for (let e = succStart[i] as number; e < (succStart[i + 1] as number); e++) {
      const s = succList[e] as number;
      reach[row + (s >>> 5)] = (reach[row + (s >>> 5)] as number) | (1 << (s & 31));
      for (let w = 0; w < words; w++) reach[row + w] = (reach[row + w] as number) | (reach[s * words + w] as number);
    }
    let count = 0;
    for (let w = 0; w < words; w++) {
      let v = reach[row + w] as number;
      while (v !== 0) {
        v &= v - 1;
        count++;
      }
    }
    counts[i] = count;
  }
  return counts;
}

/**
 * Ranks tasks by key, then higher user priority, then input index: rankOf[i] is task i's position in
 * that total order, so comparisons later are on one integer.
 */
export function rankTasks(keys: Float64Array, userPriorities?: readonly number[]): Int32Array {
  const n = keys.length;
  const byRank = Array.from({ length: n }, (_, i) => i);
  const priorityOf = (i: number): number => userPriorities?.[i] ?? 0;
  byRank.sort((a, b) => (keys[a] as number) - (keys[b] as number) || priorityOf(b) - priorityOf(a) || a - b);
  const rankOf = new Int32Array(n);
  byRank.forEach((task, rank) => {
    rankOf[task] = rank;
  });
  return rankOf;
}

/** A binary min-heap of integers, compared through `less`. */
export class IntHeap {
  private items: Int32Array;
  size = 0;

  constructor(capacity: number, private readonly less: (a: number, b: number) => boolean) {
    this.items = new Int32Array(Math.max(1, capacity));
  }

  push(value: number): void {
    const items = this.items;
    let at = this.size++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.less(value, items[parent] as number)) break;
      items[at] = items[parent] as number;
      at = parent;
    }
    items[at] = value;
  }

  peek(): number {
    return this.items[0] as number;
  }

  pop(): number {
    const items = this.items;
    const top = items[0] as number;
    const last = items[--this.size] as number;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && this.less(items[child + 1] as number, items[child] as number)) child++;
      if (!this.less(items[child] as number, last)) break;
      items[at] = items[child] as number;
      at = child;
    }
    items[at] = last;
    return top;
  }
}

/** The activity list a rule gives: repeatedly take the best-ranked task whose dependencies are listed. */
export function ruleList(problem: CompiledProblem, rankOf: Int32Array): Int32Array {
  const { n, predStart, succStart, succList } = problem;
  const waiting = new Int32Array(n);
  const ready = new IntHeap(n, (a, b) => (rankOf[a] as number) < (rankOf[b] as number));
  for (let i = 0; i < n; i++) {
    waiting[i] = (predStart[i + 1] as number) - (predStart[i] as number);
    if (waiting[i] === 0) ready.push(i);
  }
  const list = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = ready.pop();
    list[k] = i;
    for (let e = succStart[i] as number; e < (succStart[i + 1] as number); e++) {
      const s = succList[e] as number;
      waiting[s] = (waiting[s] as number) - 1;
      if (waiting[s] === 0) ready.push(s);
    }
  }
  return list;
}

/**
 * Regret-based biased random sampling (Kolisch and Drexl): among the tasks whose dependencies are
 * listed, task j is picked with probability proportional to (max key - key_j + epsilon)^2, so the rule's
 * favourites dominate but every choice stays possible. `epsilon` sets how far from the rule it strays.
 */
export function sampleList(problem: CompiledProblem, keys: Float64Array, epsilon: number, random: Random): Int32Array {
  const { n, predStart, succStart, succList } = problem;
  const waiting = new Int32Array(n);
  const eligible: number[] = [];
  for (let i = 0; i < n; i++) {
    waiting[i] = (predStart[i + 1] as number) - (predStart[i] as number);
    if (waiting[i] === 0) eligible.push(i);
  }
  const weights = new Float64Array(n);
  const list = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let worst = -Infinity;
    for (const j of eligible) worst = Math.max(worst, keys[j] as number);
    let total = 0;
    for (let e = 0; e < eligible.length; e++) {
      const regret = worst - (keys[eligible[e] as number] as number) + epsilon;
      weights[e] = regret * regret;
      total += regret * regret;
    }
    let pick = random() * total;
    let chosen = eligible.length - 1;
    for (let e = 0; e < eligible.length - 1; e++) {
      pick -= weights[e] as number;
      if (pick < 0) {
        chosen = e;
        break;
      }
    }
    const i = eligible[chosen] as number;
    eligible[chosen] = eligible[eligible.length - 1] as number;
    eligible.pop();
    list[k] = i;
    for (let e = succStart[i] as number; e < (succStart[i + 1] as number); e++) {
      const s = succList[e] as number;
      waiting[s] = (waiting[s] as number) - 1;
      if (waiting[s] === 0) eligible.push(s);
    }
  }
  return list;
}

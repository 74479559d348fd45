import { criticalPath } from './critical-path.js';
import { geneticSearch, ScheduleSearch } from './improvement.js';
import { makespanLowerBound } from './lower-bound.js';
import { IntHeap, PRIORITY_RULES, rankTasks, ruleKeys, ruleList } from './priority-rules.js';
import { createRandom } from './random.js';
import { compileProblem, type CompiledProblem, type SchedulingProblem } from './sgs.js';

export type { SchedulingProblem } from './sgs.js';

export interface SolveOptions {
  /**
   * Wall-clock safety cap for the search. The search is bounded by schedule generations, so results
   * are reproducible; only a machine too slow to finish those within this cap gets a cut-short search.
   * @default DEFAULT_TIME_BUDGET_MS
   */
  timeBudgetMs?: number;
  /** Seed of the search's random choices. @default DEFAULT_SEED */
  seed?: number;
  /**
   * Schedule generations to spend; 1 gives the single priority-rule pass. When set, it is the only
   * deterministic limit (the default also caps effort at DEFAULT_SEARCH_WORK).
   * @default defaultScheduleCount(number of tasks)
   */
  maxIterations?: number;
}

export interface Solution {
  /** Start time of each task, by index. */
  starts: number[];
  makespan: number;
}

/** @default 1000 */
export const DEFAULT_TIME_BUDGET_MS = 1000;
/** @default 0x5eed */
export const DEFAULT_SEED = 0x5eed;
/** Most schedule generations any problem gets by default. @default 5000 */
export const DEFAULT_MAX_SCHEDULES = 5000;
/**
 * Default search effort, in task placements (schedule generations times tasks): small problems get
 * DEFAULT_MAX_SCHEDULES, larger ones proportionally fewer. @default 150_000
 */
export const DEFAULT_SCHEDULE_WORK = 150_000;
/**
 * Default cap on the search's profile work (rows visited or shifted, see `ResourceProfile.work`).
 * Typical problems use under half of it; it is there for shapes where each placement scans a long
 * profile (thousands of independent tasks under a tight limit), and keeps those within ~100 ms while
 * staying deterministic. Applies only when `maxIterations` is not given. @default 4_000_000
 */
export const DEFAULT_SEARCH_WORK = 4_000_000;
/** Above this many tasks the default is the single fast pass. @default 2000 */
export const SEARCH_MAX_TASKS = 2000;

/**
 * Schedule generations a problem of `tasks` tasks gets by default.
 *
 * @example
 * defaultScheduleCount(30); // 5000
 * defaultScheduleCount(10_000); // 1
 */
export function defaultScheduleCount(tasks: number): number {
  if (tasks > SEARCH_MAX_TASKS) return 1;
  return Math.max(1, Math.min(DEFAULT_MAX_SCHEDULES, Math.floor(DEFAULT_SCHEDULE_WORK / Math.max(1, tasks))));
}

/**
 * Parallel schedule generation (Kelley), event-driven: time moves from one finish to the next, and at
 * each such moment the waiting tasks that fit start, best rank first. It only produces non-delay
 * schedules, which is the stronger single-pass scheme on large instances, and it is near O(n log n):
 * waiting tasks sit in a bitset indexed by rank, so a scan visits them in rank order without sorting;
 * a resource with no room left for its smallest demand masks out its users 32 at a time, and the scan
 * stops once every resource is in that state.
 *
 * @example
 * const compiled = compileProblem(problem);
 * const starts = new Float64Array(compiled.n);
 * const makespan = parallelSgs(compiled, rankTasks(ruleKeys(compiled, 'lft', heads, tails)), starts);
 */
export function parallelSgs(problem: CompiledProblem, rankOf: Int32Array, starts: Float64Array): number {
  const { n, r, durations, demand, capacity, tolerance, holds, predStart, succStart, succList } = problem;
  const taskAt = new Int32Array(n);
  for (let i = 0; i < n; i++) taskAt[rankOf[i] as number] = i;
  const words = (n + 31) >>> 5;
  const waitingForResources = new Uint32Array(words);
  let firstWord = words;
  const waitingForPreds = new Int32Array(n);
  const free = Float64Array.from(capacity);
  const smallest = new Float64Array(r).fill(Infinity);
  // needs[k * words + w]: which of the 32 tasks ranked 32w.. use resource k.
  const needs = new Uint32Array(r * words);
  for (let i = 0; i < n; i++) {
    waitingForPreds[i] = (predStart[i + 1] as number) - (predStart[i] as number);
    const rank = rankOf[i] as number;
    for (let k = 0; k < r; k++) {
      const d = demand[i * r + k] as number;
      if (d <= 0) continue;
      if (d < (smallest[k] as number)) smallest[k] = d;
      needs[k * words + (rank >>> 5)] = (needs[k * words + (rank >>> 5)] as number) | (1 << (rank & 31));
    }
  }
  const finish = new Float64Array(n);
  const running = new IntHeap(n, (a, b) => (finish[a] as number) < (finish[b] as number) || (finish[a] === finish[b] && a < b));
  const finishedNow: number[] = [];

  const release = (i: number, t: number): void => {
    if (holds[i] === 1) {
      const rank = rankOf[i] as number;
      waitingForResources[rank >>> 5] = (waitingForResources[rank >>> 5] as number) | (1 << (rank & 31));
      if (rank >>> 5 < firstWord) firstWord = rank >>> 5;
      return;
    }
    starts[i] = t;
    finish[i] = t + (durations[i] as number);
    if ((durations[i] as number) > 0) running.push(i);
    else finishedNow.push(i);
  };
  // Zero-duration chains complete in the same instant, so they are drained with a stack, not recursion.
  const settle = (): void => {
    while (finishedNow.length > 0) {
      const i = finishedNow.pop() as number;
      for (let e = succStart[i] as number; e < (succStart[i + 1] as number); e++) {
        const s = succList[e] as number;
        waitingForPreds[s] = (waitingForPreds[s] as number) - 1;
        if (waitingForPreds[s] === 0) release(s, finish[i] as number);
      }
    }
  };
  const fits = (i: number): boolean => {
    for (let k = 0; k < r; k++) {
      const d = demand[i * r + k] as number;
      if (d > (free[k] as number) + (tolerance[k] as number)) return false;
    }
    return true;
  };
  const exhausted: number[] = [];
  const findExhausted = (): void => {
    exhausted.length = 0;
    for (let k = 0; k < r; k++) if ((free[k] as number) + (tolerance[k] as number) < (smallest[k] as number)) exhausted.push(k);
  };
  const usable = (w: number): number => {
    let bits = waitingForResources[w] as number;
    for (const k of exhausted) bits &= ~(needs[k * words + w] as number);
    return bits;
  };

  for (let i = 0; i < n; i++) if (waitingForPreds[i] === 0) release(i, 0);
  settle();
  let t = 0;
  for (;;) {
    while (firstWord < words && waitingForResources[firstWord] === 0) firstWord++;
    findExhausted();
    scan: for (let w = firstWord; w < words && exhausted.length < r; w++) {
      let bits = usable(w);
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        const i = taskAt[(w << 5) + 31 - Math.clz32(low)] as number;
        if (!fits(i)) continue;
        waitingForResources[w] = (waitingForResources[w] as number) & ~low;
        for (let k = 0; k < r; k++) free[k] = (free[k] as number) - (demand[i * r + k] as number);
        starts[i] = t;
        finish[i] = t + (durations[i] as number);
        running.push(i);
        findExhausted();
        if (exhausted.length === r) break scan;
        bits &= usable(w);
      }
    }
    if (running.size === 0) break;
    t = finish[running.peek()] as number;
    while (running.size > 0 && (finish[running.peek()] as number) <= t) {
      const i = running.pop();
      for (let k = 0; k < r; k++) free[k] = (free[k] as number) + (demand[i * r + k] as number);
      finishedNow.push(i);
      settle();
    }
  }
  let makespan = 0;
  for (let i = 0; i < n; i++) makespan = Math.max(makespan, finish[i] as number);
  return makespan;
}

/**
 * Whether starting every task at its earliest dependency-allowed time keeps within every resource.
 * If so that schedule is optimal (it meets the critical path). A cheap work-versus-capacity test rules
 * out the sweep on congested problems.
 */
function earliestStartsFit(problem: CompiledProblem, heads: readonly number[], horizon: number): boolean {
  const { n, r, durations, demand, capacity, tolerance, holds } = problem;
  for (let k = 0; k < r; k++) {
    let work = 0;
    for (let i = 0; i < n; i++) work += (durations[i] as number) * (demand[i * r + k] as number);
    if (work > (capacity[k] as number) * horizon * (1 + 1e-9)) return false;
  }
  // Events as signed task numbers: ~i releases task i's resources, i takes them; releases come first
  // at equal times, because a task ending when another starts does not overlap it.
  const events: number[] = [];
  for (let i = 0; i < n; i++) if (holds[i] === 1) events.push(~i, i);
  const timeOf = (e: number): number => (e < 0 ? (heads[~e] as number) + (durations[~e] as number) : (heads[e] as number));
  events.sort((a, b) => timeOf(a) - timeOf(b) || a - b);
  const usage = new Float64Array(r);
  for (const e of events) {
    const i = e < 0 ? ~e : e;
    const sign = e < 0 ? -1 : 1;
    for (let k = 0; k < r; k++) {
      usage[k] = (usage[k] as number) + sign * (demand[i * r + k] as number);
      if ((usage[k] as number) > (capacity[k] as number) + (tolerance[k] as number)) return false;
    }
  }
  return true;
}

/** The order in which a schedule starts its tasks; ties keep topological order, so it stays feasible. */
function listOf(problem: CompiledProblem, starts: Float64Array): Int32Array {
  const position = new Int32Array(problem.n);
  problem.order.forEach((i, k) => {
    position[i] = k;
  });
  return Int32Array.from(problem.order).sort((a, b) => (starts[a] as number) - (starts[b] as number) || (position[a] as number) - (position[b] as number));
}

/**
 * Schedules tasks under dependencies and renewable resource limits, minimising the makespan.
 *
 * Without binding resources, every task starts as early as its dependencies allow (optimal). Otherwise
 * one parallel pass with the latest-finish-time rule gives a first schedule, and problems up to
 * {@link SEARCH_MAX_TASKS} tasks then get a genetic search over activity lists with forward-backward
 * justification, for `maxIterations` schedule generations. The same problem and seed give the same
 * solution every time.
 *
 * @example
 * const dag = buildDag([{ id: 'a' }, { id: 'b' }, { id: 'c', dependsOn: ['a'] }]);
 * const { starts, makespan } = solveSchedule({ dag, durations: [2, 2, 1], demands: [[1, 1, 1]], capacities: [1] });
 * // one unit of the resource, so the tasks run one at a time: makespan 5
 */
export function solveSchedule(problem: SchedulingProblem, options: SolveOptions = {}): Solution {
  const compiled = compileProblem(problem);
  const { n, durations } = compiled;
  const { heads, tails } = criticalPath(problem.dag, problem.durations);
  const solution = (starts: ArrayLike<number>): Solution => {
    let makespan = 0;
    for (let i = 0; i < n; i++) makespan = Math.max(makespan, (starts[i] as number) + (durations[i] as number));
    return { starts: Array.from(starts), makespan };
  };
  let horizon = 0;
  for (const tail of tails) horizon = Math.max(horizon, tail);
  if (compiled.r === 0 || earliestStartsFit(compiled, heads, horizon)) return solution(heads);

  const lft = ruleKeys(compiled, 'lft', heads, tails);
  const first = new Float64Array(n);
  const firstMakespan = parallelSgs(compiled, rankTasks(lft, problem.priorities), first);
  const maxSchedules = options.maxIterations ?? defaultScheduleCount(n);
  if (maxSchedules <= 1) return solution(first);
  const lowerBound = makespanLowerBound(problem);
  if (firstMakespan <= lowerBound) return solution(first);

  const search = new ScheduleSearch(compiled, {
    maxSchedules: maxSchedules - 1,
    deadline: performance.now() + (options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS),
    maxWork: options.maxIterations === undefined ? DEFAULT_SEARCH_WORK : Infinity,
    lowerBound,
  });
  search.offer(first, firstMakespan);
  const seeds = [listOf(compiled, first)];
  for (const rule of PRIORITY_RULES) seeds.push(ruleList(compiled, rankTasks(ruleKeys(compiled, rule, heads, tails), problem.priorities)));
  let meanDuration = 0;
  for (let i = 0; i < n; i++) meanDuration += (durations[i] as number) / n;
  const evaluations = maxSchedules / 3;
  geneticSearch(
    search,
    compiled,
    seeds,
    {
      populationSize: Math.max(8, Math.min(50, Math.round(Math.sqrt(evaluations)))),
      mutationRate: 0.05,
      keys: lft,
      epsilon: 0.2 * meanDuration,
    },
    createRandom(options.seed ?? DEFAULT_SEED),
  );
  return solution(search.bestStarts);
}

import { NoError } from '../contracts/errors.js';
import type { Dag } from './dag.js';

/** A resource-constrained project scheduling problem (RCPSP) over a validated DAG. */
export interface SchedulingProblem {
  dag: Dag;
  /** Per task index, >= 0 (real numbers allowed). */
  durations: readonly number[];
  /** demands[r][i]: units of resource r that task i holds while it runs. */
  demands: readonly (readonly number[])[];
  /** capacities[r]; every demand must be at most its capacity. */
  capacities: readonly number[];
  /** At most this many tasks that take time run at any instant (a hard limit). */
  maxConcurrent?: number;
  /** User priority 1..10 per task: higher goes first among otherwise equal choices. */
  priorities?: readonly number[];
}

/**
 * A scheduling problem in the flat, typed-array form the schedule generators run on. Only resources
 * that can actually run short are kept (a resource whose total demand fits its capacity never binds),
 * and `maxConcurrent` becomes one more resource with demand 1 per task that takes time.
 */
export interface CompiledProblem {
  readonly n: number;
  /** Number of binding resources. */
  readonly r: number;
  readonly durations: Float64Array;
  /** demand[i * r + k]: units of binding resource k task i holds; zero for tasks with no duration. */
  readonly demand: Float64Array;
  readonly capacity: Float64Array;
  /** Slack allowed when comparing sums of real-valued demands with a capacity. */
  readonly tolerance: Float64Array;
  /** 1 when task i holds some binding resource for some time. */
  readonly holds: Uint8Array;
  /** Dependencies in compressed rows: preds of i are predList[predStart[i] .. predStart[i + 1]). */
  readonly predStart: Int32Array;
  readonly predList: Int32Array;
  readonly succStart: Int32Array;
  readonly succList: Int32Array;
  /** Topological order (the DAG's). */
  readonly order: Int32Array;
}

/** Relative slack for real-valued demands, so that 0.1 + 0.2 units fit a capacity of 0.3. */
const RELATIVE_TOLERANCE = 1e-9;

function compressed(rows: readonly (readonly number[])[]): { start: Int32Array; list: Int32Array } {
  const start = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) start[i + 1] = (start[i] as number) + (rows[i] as readonly number[]).length;
  const list = new Int32Array(start[rows.length] as number);
  let at = 0;
  for (const row of rows) for (const v of row) list[at++] = v;
  return { start, list };
}

/**
 * Flattens a {@link SchedulingProblem}.
 *
 * @example
 * const dag = buildDag([{ id: 'a' }, { id: 'b' }]);
 * compileProblem({ dag, durations: [1, 1], demands: [[1, 1]], capacities: [1], maxConcurrent: 4 }).r;
 * // 1: the resource binds; maxConcurrent 4 cannot, with two tasks, so it is dropped
 * @throws NoError `RESOURCE_EXCEEDED` when a task needs more of a resource than exists, which would
 *   leave it unschedulable.
 */
export function compileProblem(problem: SchedulingProblem): CompiledProblem {
  const { dag, durations, demands, capacities, maxConcurrent } = problem;
  const n = dag.ids.length;
  const dur = Float64Array.from({ length: n }, (_, i) => durations[i] as number);
  const binding: Array<{ caps: number; of: (i: number) => number }> = [];
  for (let k = 0; k < capacities.length; k++) {
    const caps = capacities[k] as number;
    const row = demands[k] ?? [];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = row[i] ?? 0;
      if (d > caps) {
        throw new NoError('RESOURCE_EXCEEDED', `task '${dag.ids[i]}' needs ${d} units of resource ${k}, but only ${caps} exist`, {
          details: { taskId: dag.ids[i], resource: k, demand: d, capacity: caps },
        });
      }
      if ((dur[i] as number) > 0) total += d;
    }
    if (total > caps + caps * RELATIVE_TOLERANCE) binding.push({ caps, of: (i) => row[i] ?? 0 });
  }
  if (maxConcurrent !== undefined) {
    let running = 0;
    for (let i = 0; i < n; i++) if ((dur[i] as number) > 0) running++;
    if (running > 0 && !(maxConcurrent >= 1)) {
      throw new NoError('RESOURCE_EXCEEDED', `maxConcurrent ${maxConcurrent} leaves no room to run any task`, {
        details: { maxConcurrent },
      });
    }
    if (running > maxConcurrent) binding.push({ caps: maxConcurrent, of: () => 1 });
  }
  const r = binding.length;
  const demand = new Float64Array(n * r);
  const holds = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if ((dur[i] as number) <= 0) continue;
    for (let k = 0; k < r; k++) {
      const d = (binding[k] as { of: (i: number) => number }).of(i);
      demand[i * r + k] = d;
      if (d > 0) holds[i] = 1;
    }
  }
  const capacity = Float64Array.from(binding, (b) => b.caps);
  const preds = compressed(dag.preds);
  const succs = compressed(dag.succs);
  return {
    n,
    r,
    durations: dur,
    demand,
    capacity,
    tolerance: capacity.map((c) => c * RELATIVE_TOLERANCE),
    holds,
    predStart: preds.start,
    predList: preds.list,
    succStart: succs.start,
    succList: succs.list,
    order: Int32Array.from(dag.order),
  };
}



/**
 * Resource usage over real-valued time as a sorted list of breakpoints: usage row k applies from
 * times[k] to times[k + 1], and the last row (always empty) runs to infinity. Event-based rather than
 * unit time buckets, so durations in fractional milliseconds cost nothing extra.
 */
export class ResourceProfile {
  private times: Float64Array;
  private usage: Float64Array;
  private size = 1;
  /**
   * Rows visited or shifted since creation: a machine-independent measure of effort, so a search can
   * be bounded deterministically even where the row count, not the task count, drives the cost.
   */
  work = 0;

  constructor(private readonly problem: CompiledProblem) {
    this.times = new Float64Array(2 * problem.n + 2);
    this.usage = new Float64Array((2 * problem.n + 2) * problem.r);
  }

  reset(): void {
    this.size = 1;
    this.times[0] = 0;
    this.usage.fill(0, 0, this.problem.r);
  }

  /** Index of the last breakpoint at or before `t` (t >= 0). */
  private locate(t: number): number {
    let lo = 0;
    let hi = this.size - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.times[mid] as number) <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private fits(row: number, task: number): boolean {
    const { r, demand, capacity, tolerance } = this.problem;
    for (let k = 0; k < r; k++) {
      const d = demand[task * r + k] as number;
      if (d > 0 && (this.usage[row * r + k] as number) + d > (capacity[k] as number) + (tolerance[k] as number)) return false;
    }
    return true;
  }

  /** The earliest time at or after `earliest` from which `task` fits for its whole duration. */
  earliestFit(task: number, earliest: number): number {
    const duration = this.problem.durations[task] as number;
    let start = earliest;
    let end = start + duration;
    // A row that does not fit pushes the start to the row's end; rows before it never matter again.
    let row = this.locate(earliest);
    const first = row;
    for (; row < this.size && (this.times[row] as number) < end; row++) {
      if (!this.fits(row, task)) {
        start = this.times[row + 1] as number;
        end = start + duration;
      }
    }
    this.work += row - first + 1;
    return start;
  }

  private breakpointAt(t: number): number {
    const at = this.locate(t);
    if (this.times[at] === t) return at;
    const r = this.problem.r;
    this.work += this.size - at;
    this.times.copyWithin(at + 2, at + 1, this.size);
    this.usage.copyWithin((at + 2) * r, (at + 1) * r, this.size * r);
    this.times[at + 1] = t;
    this.usage.copyWithin((at + 1) * r, at * r, (at + 1) * r);
    this.size++;
    return at + 1;
  }

  /** Marks `task` as holding its resources from `start` to `start + duration`. */
  reserve(task: number, start: number): void {
    const { r, demand } = this.problem;
    const from = this.breakpointAt(start);
    const to = this.breakpointAt(start + (this.problem.durations[task] as number));
    for (let row = from; row < to; row++) {
      for (let k = 0; k < r; k++) this.usage[row * r + k] = (this.usage[row * r + k] as number) + (demand[task * r + k] as number);
    }
  }
}

/**
 * Serial schedule generation: takes tasks in list order (every task after its dependencies) and starts
 * each at the earliest time its dependencies and the resources allow. With `backward`, dependencies are
 * reversed, which schedules a mirror image used to right-justify a schedule. Writes `starts` and
 * returns the makespan.
 *
 * @example
 * const compiled = compileProblem(problem);
 * const starts = new Float64Array(compiled.n);
 * const makespan = serialSgs(compiled, compiled.order, starts, new ResourceProfile(compiled));
 */
export function serialSgs(
  problem: CompiledProblem,
  list: ArrayLike<number>,
  starts: Float64Array,
  profile: ResourceProfile,
  backward = false,
): number {
  const { durations, holds } = problem;
  const start = backward ? problem.succStart : problem.predStart;
  const before = backward ? problem.succList : problem.predList;
  profile.reset();
  let makespan = 0;
  for (let k = 0; k < list.length; k++) {
    const i = list[k] as number;
    let earliest = 0;
    for (let e = start[i] as number; e < (start[i + 1] as number); e++) {
      const p = before[e] as number;
      const end = (starts[p] as number) + (durations[p] as number);
      if (end > earliest) earliest = end;
    }
    let at = earliest;
    if (holds[i] === 1) {
      at = profile.earliestFit(i, earliest);
      profile.reserve(i, at);
    }
    starts[i] = at;
    const end = at + (durations[i] as number);
    if (end > makespan) makespan = end;
  }
  return makespan;
}

/**
 * Which strategies learning may choose for a DAG. Learning is there to make a run safer where the
 * tasks' declared risk asks for it, not to try slower plans on work that asked for nothing, so:
 *
 * 1. The rules' choice (`selectStrategy`) is always a candidate: it is what the DAG gets with
 *    learning off, and what a class learning knows nothing about starts with.
 * 2. A DAG whose tasks declare no risk (every task `risk: 'low'`, none with `external` side effects)
 *    has no other candidate: learning never changes its plan.
 * 3. Otherwise `sequential-safe` is a candidate, and so is the parallel strategy that keeps the tasks
 *    that need coordination apart: `parallel-coordinated` when there are such tasks, else `parallel`
 *    (learning never takes the mutex away from tasks that need it).
 * 4. Regret cap: a candidate whose makespan bound exceeds the fastest candidate's by more than
 *    `regretCap` is dropped (the rules' choice stays), so no choice learning makes costs more than
 *    that factor over the fastest plan the DAG's risk allows.
 *
 * Bounds are lower bounds rather than solved schedules: exact for `sequential-safe` (the sum of the
 * durations, which is what serialising costs), close for the parallel strategies, and linear to
 * compute, so every plan can afford all three.
 */
import { CONCRETE_STRATEGIES, type ConcreteStrategy, type ExecutionRequest, type Task } from '../contracts/scheduler.js';
import { buildDag, type Dag } from './dag.js';
import { makespanLowerBound } from './lower-bound.js';
import { toSchedulingProblem } from './planner.js';
import {
  analyzeShape,
  needsCoordination,
  resolveStrategyOptions,
  selectStrategy,
  type StrategyChoice,
  type StrategySelectionOptions,
} from './strategy.js';

/** What candidate selection reads from a request or a plan (both have these fields). */
export type CandidateSource = Pick<ExecutionRequest, 'tasks' | 'resources' | 'constraints'>;

/** The strategies learning may choose for one DAG. */
export interface StrategyCandidates {
  /** The rules' choice for the DAG's shape and risk: the strategy with learning off. */
  rule: StrategyChoice;
  /** The rules' choice first, then the others in `CONCRETE_STRATEGIES` order. */
  candidates: ConcreteStrategy[];
}

/**
 * `true` when a task declares a risk that may justify running it more carefully: medium or high risk,
 * or side effects that cannot be repeated. Idempotent side effects are safe to repeat, so they do not.
 *
 * @example
 * declaresRisk({ risk: 'low', sideEffects: 'idempotent' }); // false
 * declaresRisk({ risk: 'medium', sideEffects: 'none' }); // true
 */
export function declaresRisk(task: Pick<Task, 'risk' | 'sideEffects'>): boolean {
  return task.risk !== 'low' || task.sideEffects === 'external';
}

/**
 * Each concrete strategy's makespan lower bound for the request, over the given durations (by task
 * index; the tasks' estimates when omitted).
 *
 * @example
 * strategyBounds(request, dag)['sequential-safe']; // the sum of the estimated durations
 */
export function strategyBounds(source: CandidateSource, dag: Dag, durations?: readonly number[]): Record<ConcreteStrategy, number> {
  const bounds = {} as Record<ConcreteStrategy, number>;
  for (const strategy of CONCRETE_STRATEGIES) {
    const problem = toSchedulingProblem(source, dag, strategy);
    bounds[strategy] = makespanLowerBound(durations === undefined ? problem : { ...problem, durations });
  }
  return bounds;
}

/**
 * The strategies learning may choose for a DAG (rules in this module's header).
 *
 * @example
 * const { candidates } = strategyCandidates(request, dag);
 * // ['parallel'] for a DAG that declares no risk
 */
export function strategyCandidates(source: CandidateSource, dag: Dag, options: StrategySelectionOptions = {}): StrategyCandidates {
  const { regretCap } = resolveStrategyOptions(options);
  const rule = selectStrategy(analyzeShape(dag, source.tasks), options);
  // The common case costs nothing more than the rules: no declared risk, nothing to compare.
  if (!source.tasks.some(declaresRisk)) return { rule, candidates: [rule.strategy] };
  const boundsMs = strategyBounds(source, dag);
  const coordinated = source.tasks.some(needsCoordination);
  const allowed = CONCRETE_STRATEGIES.filter(
    (s) => s === rule.strategy || s === 'sequential-safe' || s === (coordinated ? 'parallel-coordinated' : 'parallel'),
  );
  const fastest = Math.min(...allowed.map((s) => boundsMs[s]));
  const affordable = allowed.filter((s) => s !== rule.strategy && boundsMs[s] <= regretCap * fastest);
  return { rule, candidates: [rule.strategy, ...affordable] };
}

/** What a finished run is measured against. */
export interface RunBaseline {
  /** The strategies the run's DAG allowed learning to choose. */
  candidates: ConcreteStrategy[];
  /** The lowest lower bound among the candidates, over the durations the tasks really took. */
  bestLowerBoundMs: number;
}

/**
 * The baseline of a finished run: its DAG's candidates and the fastest candidate's bound over the
 * durations its tasks really took (a task with no measured duration counts 0 ms). Measured rather
 * than estimated durations make the baseline honest when estimates are missing or wrong, so a
 * serialised run is scored by how much slower it was than the same work run the fastest allowed way.
 *
 * @example
 * const { bestLowerBoundMs } = runBaseline(plan, new Map([['a', 12.5], ['b', 8]]));
 * rewardOf({ ...feedback, bestLowerBoundMs });
 */
export function runBaseline(
  source: CandidateSource,
  durationsMs: ReadonlyMap<string, number>,
  options: StrategySelectionOptions = {},
): RunBaseline {
  const dag = buildDag(source.tasks);
  const { candidates } = strategyCandidates(source, dag, options);
  const observed = dag.ids.map((id) => durationsMs.get(id) ?? 0);
  const bounds = strategyBounds(source, dag, observed);
  return { candidates, bestLowerBoundMs: Math.min(...candidates.map((s) => bounds[s])) };
}

/**
 * Strategy selection from the shape of the task DAG and the tasks' risk and side effects.
 *
 * Rules, first match wins:
 * 1. A chain (at most one task per level, or parallelism = tasks / depth below `minParallelism`)
 *    runs `sequential-safe`: there is nothing to gain from parallelism, so take the safest order.
 *    Unless a task is a vote (consensus with more than one voter): its voters are one task's
 *    attempts and would take turns under `sequential-safe`, so the rules below decide.
 * 2. When more than `maxCoordinatedShare` of the tasks need coordination (high risk or external side
 *    effects), run `sequential-safe`: most of the run would be serialised anyway, and one task at a
 *    time keeps a failure's blast radius to one task.
 * 3. When any task needs coordination, run `parallel-coordinated`: the rest runs in parallel while
 *    the risky tasks take turns (the planner adds a virtual mutex resource for them).
 * 4. Otherwise `parallel`.
 *
 * What learning may choose instead of the rules' strategy, and at what cost, is in candidates.ts.
 */
import { NoError } from '../contracts/errors.js';
import type { ConcreteStrategy, Task } from '../contracts/scheduler.js';
import type { Dag } from './dag.js';

/**
 * Below this parallelism (tasks / depth) a DAG counts as a chain.
 * @default 1.1
 */
export const DEFAULT_MIN_PARALLELISM = 1.1;

/**
 * Above this share of tasks needing coordination, the whole run goes `sequential-safe`.
 * @default 0.5
 */
export const DEFAULT_MAX_COORDINATED_SHARE = 0.5;

/**
 * Learning may choose a strategy only if its makespan bound is at most this many times the fastest
 * candidate's (see `strategyCandidates`): what exploring can cost a run is capped by this factor.
 * @default 1.5
 */
export const DEFAULT_REGRET_CAP = 1.5;

export interface StrategySelectionOptions {
  /**
   * Below this parallelism (tasks / depth) the DAG is treated as a chain.
   * @default DEFAULT_MIN_PARALLELISM
   */
  minParallelism?: number;
  /**
   * Above this share (0..1) of tasks that need coordination, run `sequential-safe`.
   * @default DEFAULT_MAX_COORDINATED_SHARE
   */
  maxCoordinatedShare?: number;
  /**
   * Learning never picks a strategy whose makespan bound exceeds the fastest candidate's by more than
   * this factor (>= 1; `Infinity` turns the cap off); the rules' own choice is always allowed.
   * @default DEFAULT_REGRET_CAP
   */
  regretCap?: number;
}

/** What strategy selection looks at. */
export interface DagShape {
  tasks: number;
  edges: number;
  /** Levels in the longest chain (0 for an empty DAG). */
  depth: number;
  /** Tasks in the largest level, levels taken by longest path from a root. */
  maxWidth: number;
  /** tasks / depth: the average number of tasks that could run at once. */
  parallelism: number;
  highRisk: number;
  mediumRisk: number;
  /** Tasks with external side effects. */
  external: number;
  idempotent: number;
  /** Tasks that need coordination (high risk or external), each counted once. */
  coordinated: number;
  /** Consensus tasks that ask more than one voter: each runs several agents at once. */
  voting: number;
}

export interface StrategyChoice {
  strategy: ConcreteStrategy;
  reason: string;
}

/**
 * `true` when a task must not overlap other such tasks: external side effects cannot be undone by a
 * retry, and high-risk tasks should not fail together.
 *
 * @example
 * needsCoordination({ ...task, sideEffects: 'external' }); // true
 */
export function needsCoordination(task: Pick<Task, 'risk' | 'sideEffects'>): boolean {
  return task.sideEffects === 'external' || task.risk === 'high';
}

/**
 * Measures a DAG: depth and width by longest-path level, and counts of risky tasks.
 * Tasks not in the DAG are ignored.
 *
 * @example
 * const shape = analyzeShape(buildDag(tasks), tasks);
 * shape.depth; // 3 for a -> b -> c
 */
export function analyzeShape(dag: Dag, tasks: readonly Task[]): DagShape {
  const level = new Array<number>(dag.ids.length).fill(0);
  for (const node of dag.order) {
    for (const pred of dag.preds[node] as readonly number[]) {
      level[node] = Math.max(level[node] as number, (level[pred] as number) + 1);
    }
  }
  const width = new Map<number, number>();
  for (const l of level) width.set(l, (width.get(l) ?? 0) + 1);
  const depth = dag.ids.length === 0 ? 0 : Math.max(...level) + 1;
  const maxWidth = Math.max(0, ...width.values());
  const edges = dag.preds.reduce((sum, preds) => sum + preds.length, 0);

  const shape: DagShape = {
    tasks: dag.ids.length,
    edges,
    depth,
    maxWidth,
    parallelism: depth === 0 ? 0 : dag.ids.length / depth,
    highRisk: 0,
    mediumRisk: 0,
    external: 0,
    idempotent: 0,
    coordinated: 0,
    voting: 0,
  };
  for (const task of tasks) {
    if (!dag.indexOf.has(task.id)) continue;
    if (task.risk === 'high') shape.highRisk++;
    if (task.risk === 'medium') shape.mediumRisk++;
    if (task.sideEffects === 'external') shape.external++;
    if (task.sideEffects === 'idempotent') shape.idempotent++;
    if (needsCoordination(task)) shape.coordinated++;
    if (task.consensus && task.consensus.voters !== 1) shape.voting++;
  }
  return shape;
}

/** The options with their defaults; a bad number throws `NoError('INVALID_NUMBER')` naming the field. */
export function resolveStrategyOptions(options: StrategySelectionOptions): Required<StrategySelectionOptions> {
  const minParallelism = options.minParallelism ?? DEFAULT_MIN_PARALLELISM;
  const maxCoordinatedShare = options.maxCoordinatedShare ?? DEFAULT_MAX_COORDINATED_SHARE;
  const regretCap = options.regretCap ?? DEFAULT_REGRET_CAP;
  if (!Number.isFinite(minParallelism) || minParallelism < 1) {
    throw new NoError('INVALID_NUMBER', `minParallelism must be a finite number >= 1, got ${minParallelism}`, {
      details: { field: 'minParallelism', value: minParallelism },
    });
  }
  if (!Number.isFinite(maxCoordinatedShare) || maxCoordinatedShare < 0 || maxCoordinatedShare > 1) {
    throw new NoError('INVALID_NUMBER', `maxCoordinatedShare must be within [0, 1], got ${maxCoordinatedShare}`, {
      details: { field: 'maxCoordinatedShare', value: maxCoordinatedShare },
    });
  }
  // Infinity is allowed: it turns the cap off.
  if (!(regretCap >= 1)) {
    throw new NoError('INVALID_NUMBER', `regretCap must be a number >= 1, got ${regretCap}`, {
      details: { field: 'regretCap', value: regretCap },
    });
  }
  return { minParallelism, maxCoordinatedShare, regretCap };
}

/**
 * Picks the concrete strategy for a DAG shape (rules in this module's header) and says why.
 *
 * @example
 * selectStrategy(analyzeShape(dag, tasks));
 * // { strategy: 'parallel-coordinated', reason: '1 of 5 tasks need coordination ...' }
 */
export function selectStrategy(shape: DagShape, options: StrategySelectionOptions = {}): StrategyChoice {
  const { minParallelism, maxCoordinatedShare } = resolveStrategyOptions(options);
  const chain = shape.tasks <= 1 || shape.maxWidth <= 1 || shape.parallelism < minParallelism;
  if (chain && shape.voting === 0) {
    return {
      strategy: 'sequential-safe',
      reason:
        `the DAG is (nearly) a chain: ${shape.tasks} task(s) over ${shape.depth} level(s), ` +
        `at most ${shape.maxWidth} per level, parallelism ${shape.parallelism.toFixed(2)} ` +
        `(below ${minParallelism} counts as a chain); parallelism would gain nothing`,
    };
  }
  const share = shape.coordinated / shape.tasks;
  const risky =
    `${shape.coordinated} of ${shape.tasks} tasks need coordination ` +
    `(${shape.highRisk} high-risk, ${shape.external} with external side effects)`;
  if (share > maxCoordinatedShare) {
    return {
      strategy: 'sequential-safe',
      reason:
        `${risky}, more than ${Math.round(maxCoordinatedShare * 100)}%: ` +
        'running one task at a time limits the blast radius of a failure',
    };
  }
  if (shape.coordinated > 0) {
    return {
      strategy: 'parallel-coordinated',
      reason:
        `${risky}: they run one at a time while the other tasks run in parallel ` +
        `(parallelism ${shape.parallelism.toFixed(2)})`,
    };
  }
  return {
    strategy: 'parallel',
    reason:
      `no task needs coordination and the DAG has parallelism ${shape.parallelism.toFixed(2)} ` +
      `(up to ${shape.maxWidth} tasks per level)` +
      (shape.voting > 0 ? `, ${shape.voting} consensus task(s) ask their voters at once` : '') +
      ': running in parallel under the resource limits',
  };
}

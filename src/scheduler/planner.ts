import { NoError } from '../contracts/errors.js';
import {
  ExecutionRequestSchema,
  type ConcreteStrategy,
  type ExecutionPlan,
  type ExecutionRequest,
  type ScheduledTask,
  type Task,
} from '../contracts/scheduler.js';
import { parseWith } from '../contracts/validate.js';
import { criticalPath } from './critical-path.js';
import { buildDag, type Dag } from './dag.js';
import { makespanLowerBound } from './lower-bound.js';
import { hashString } from './random.js';
import { solveSchedule, type SchedulingProblem, type SolveOptions } from './rcpsp.js';
import { checkRequestShape, checkTaskNumbers, checkTaskSizes, type RequestLimits } from './request-limits.js';
import { needsCoordination } from './strategy.js';
import { fastParseTasks } from './fast-parse.js';

/** The virtual resource that serializes coordinated tasks under `parallel-coordinated`. */
export const COORDINATION_RESOURCE = '__coordination';

/**
 * Checks limits and parses the request. Tasks of the common shape take a hand-checked path (which
 * already proves their numbers good); anything else gets every check and Zod's field-naming errors.
 */
function parseRequest(input: unknown, limits: RequestLimits): ExecutionRequest {
  checkRequestShape(input, limits);
  const tasks = (input as { tasks?: unknown } | null)?.tasks;
  const fast = Array.isArray(tasks) && tasks.length > 0 ? fastParseTasks(tasks) : undefined;
  if (fast === undefined) {
    if (Array.isArray(tasks)) {
      checkTaskNumbers(tasks);
      checkTaskSizes(tasks, limits);
    }
    return parseWith(ExecutionRequestSchema, input, { what: 'request' });
  }
  checkTaskSizes(fast, limits);
  const rest = parseWith(ExecutionRequestSchema, { ...(input as object), tasks: [{ id: 'probe' }] }, { what: 'request' });
  return { ...rest, tasks: fast };
}

/** A request that passed every check, with its DAG. */
export interface ValidatedRequest {
  request: ExecutionRequest;
  dag: Dag;
}

/**
 * Every check a request passes before anything runs (ids, dependencies, cycles, resources, sizes), in
 * the order a user would want the errors: the first one names the cheapest fix.
 */
export function validateRequest(input: unknown, limits: RequestLimits): ValidatedRequest {
  const request = parseRequest(input, limits);
  const dag = buildDag(request.tasks);
  for (const task of request.tasks) {
    for (const [resource, demand] of Object.entries(task.resources)) {
      const capacity = request.resources[resource];
      if (capacity !== undefined && demand > capacity) {
        throw new NoError(
          'RESOURCE_EXCEEDED',
          `task '${task.id}' needs ${demand} ${resource} but only ${capacity} exist`,
          { details: { taskId: task.id, resource, demand, capacity } },
        );
      }
    }
  }
  return { request, dag };
}

/** The RCPSP a strategy implies: sequential-safe runs one task at a time; coordinated tasks share a mutex. */
export function toSchedulingProblem(
  request: Pick<ExecutionRequest, 'tasks' | 'resources' | 'constraints'>,
  dag: Dag,
  strategy: ConcreteStrategy,
): SchedulingProblem {
  const tasks = request.tasks;
  const names = Object.keys(request.resources);
  const demands = names.map((name) => tasks.map((t) => t.resources[name] ?? 0));
  const capacities = names.map((name) => request.resources[name]!);
  if (strategy === 'parallel-coordinated' && tasks.some(needsCoordination)) {
    demands.push(tasks.map((t) => (needsCoordination(t) ? 1 : 0)));
    capacities.push(1);
  }
  const limit = strategy === 'sequential-safe' ? 1 : request.constraints.maxConcurrentAgents;
  return {
    dag,
    durations: tasks.map((t) => t.estimatedDurationMs),
    demands,
    capacities,
    priorities: tasks.map((t) => t.priority),
    ...(limit === undefined ? {} : { maxConcurrent: limit }),
  };
}

const imul = Math.imul;

/** Feeds a string into two independent FNV-1a states at once (one pass over the characters). */
function feed(state: Uint32Array, text: string): void {
  let a = state[0]!;
  let b = state[1]!;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = imul(a ^ c, 0x01000193);
    b = imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  state[0] = a;
  state[1] = b;
}

/**
 * A stable id from what shapes the schedule (tasks without their inputs, capacities, limits, strategy):
 * the same request always gets the same plan id.
 */
export function planIdOf(request: ExecutionRequest, strategy: ConcreteStrategy): string {
  const state = new Uint32Array([hashString(strategy), 0x9747b28c]);
  feed(state, `${JSON.stringify(request.resources)}|${JSON.stringify(request.constraints)}|${request.tasks.length}`);
  for (const t of request.tasks) {
    feed(state, t.id);
    feed(state, `|${t.estimatedDurationMs}|${t.priority}|${t.risk}|${t.sideEffects}|${t.capability ?? ''}|`);
    for (const dep of t.dependsOn) feed(state, dep);
    for (const name in t.resources) feed(state, `${name}=${t.resources[name]},`);
  }
  return `plan-${state[0]!.toString(16).padStart(8, '0')}${state[1]!.toString(16).padStart(8, '0')}`;
}

/** Solves the request under a strategy and assembles the plan. */
export function buildPlan(
  validated: ValidatedRequest,
  strategy: ConcreteStrategy,
  strategyReason: string,
  solve: SolveOptions = {},
): ExecutionPlan {
  const { request, dag } = validated;
  const problem = toSchedulingProblem(request, dag, strategy);
  const { starts, makespan } = solveSchedule(problem, solve);
  const cp = criticalPath(dag, problem.durations);
  const tasks: Task[] = request.tasks;
  const schedule: ScheduledTask[] = tasks
    .map((t, i) => ({ taskId: t.id, startMs: starts[i]!, endMs: starts[i]! + t.estimatedDurationMs, i }))
    .sort((a, b) => a.startMs - b.startMs || a.i - b.i)
    .map(({ taskId, startMs, endMs }) => ({ taskId, startMs, endMs }));
  return {
    id: planIdOf(request, strategy),
    ...(request.id === undefined ? {} : { requestId: request.id }),
    requestedStrategy: request.strategy,
    strategy,
    strategyReason,
    tasks,
    order: dag.order.map((i) => dag.ids[i]!),
    criticalPath: cp.path,
    criticalPathMs: cp.lengthMs,
    schedule,
    makespanMs: makespan,
    lowerBoundMs: makespanLowerBound(problem),
    resources: request.resources,
    constraints: request.constraints,
  };
}

import { NoError } from '../contracts/errors.js';
import { buildDag } from './dag.js';
import { createRandom, type Random } from './random.js';
import type { SchedulingProblem } from './sgs.js';

/** An RCPSP instance in the request's vocabulary (task ids, dependsOn, named resources). */
export interface RcpspInstance {
  name: string;
  tasks: Array<{ id: string; dependsOn: string[]; estimatedDurationMs: number; resources: Record<string, number> }>;
  /** Capacity of each renewable resource. */
  resources: Record<string, number>;
}

/** @default 4 */
export const DEFAULT_GENERATED_RESOURCES = 4;
/** Average direct successors per task. @default 1.8 */
export const DEFAULT_NETWORK_COMPLEXITY = 1.8;
/** Share of the resources each task uses. @default 0.5 */
export const DEFAULT_RESOURCE_FACTOR = 0.5;
/** 0: capacity is the largest single demand (tight); 1: capacity is the peak of the earliest-start schedule. @default 0.3 */
export const DEFAULT_RESOURCE_STRENGTH = 0.3;
/** Durations are whole numbers from 1 to this. @default 10 */
export const DEFAULT_MAX_DURATION = 10;
/** Demands are whole numbers from 1 to this, as in PSPLIB. @default 10 */
export const MAX_GENERATED_DEMAND = 10;
/** Start and finish tasks (no dependencies / no dependents) at most, as in ProGen. @default 3 */
const END_TASKS = 3;
/** Up to this many tasks the generator skips extra arcs already implied by others (O(n) check per arc). */
const REDUNDANCY_CHECK_MAX_TASKS = 2000;

export interface GenerateOptions {
  tasks: number;
  /** @default DEFAULT_GENERATED_RESOURCES */
  resources?: number;
  seed: number;
  /** @default DEFAULT_NETWORK_COMPLEXITY */
  networkComplexity?: number;
  /** @default DEFAULT_RESOURCE_FACTOR */
  resourceFactor?: number;
  /** @default DEFAULT_RESOURCE_STRENGTH */
  resourceStrength?: number;
  /** @default DEFAULT_MAX_DURATION */
  maxDuration?: number;
}

function invalid(message: string, details: Record<string, unknown>): never {
  throw new NoError('INVALID_REQUEST', message, { details });
}

const between = (random: Random, low: number, high: number): number => low + Math.floor(random() * (high - low + 1));

/**
 * Generates an RCPSP instance the way ProGen built PSPLIB's: a random network with at most three start
 * and three finish tasks and about `networkComplexity` arcs per task (an extra arc already implied by
 * others is skipped),
 * each task using about `resourceFactor` of the resources, and capacities set by `resourceStrength`
 * between the largest single demand and the peak demand of the earliest-start schedule.
 * Task ids are `t1..tN` (every task's dependencies come earlier), resources `r1..rK`.
 *
 * @example
 * const instance = generateRcpspInstance({ tasks: 30, seed: 1 });
 * const solution = solveSchedule(instanceToProblem(instance));
 */
export function generateRcpspInstance(options: GenerateOptions): RcpspInstance {
  const n = options.tasks;
  const resourceCount = options.resources ?? DEFAULT_GENERATED_RESOURCES;
  const complexity = options.networkComplexity ?? DEFAULT_NETWORK_COMPLEXITY;
  const factor = options.resourceFactor ?? DEFAULT_RESOURCE_FACTOR;
  const strength = options.resourceStrength ?? DEFAULT_RESOURCE_STRENGTH;
  const maxDuration = options.maxDuration ?? DEFAULT_MAX_DURATION;
  if (!Number.isInteger(n) || n < 1) invalid('tasks must be a positive whole number', { tasks: n });
  if (!Number.isInteger(resourceCount) || resourceCount < 0) invalid('resources must be a whole number >= 0', { resources: resourceCount });
  if (!(factor >= 0 && factor <= 1)) invalid('resourceFactor must be within 0..1', { resourceFactor: factor });
  if (!(strength >= 0 && strength <= 1)) invalid('resourceStrength must be within 0..1', { resourceStrength: strength });
  if (!Number.isInteger(maxDuration) || maxDuration < 1) invalid('maxDuration must be a whole number >= 1', { maxDuration });
  if (!(complexity >= 0)) invalid('networkComplexity must be >= 0', { networkComplexity: complexity });

  const random = createRandom(options.seed);
  const preds = generateNetwork(n, complexity, random);
  const durations = Array.from({ length: n }, () => between(random, 1, maxDuration));
  const demands = Array.from({ length: resourceCount }, () => new Array<number>(n).fill(0));
  const used = factor * resourceCount;
  for (let i = 0; i < n; i++) {
    let count = Math.floor(used) + (random() < used - Math.floor(used) ? 1 : 0);
    // Every task uses at least one resource when any are used (ProGen's convention), if there are any.
    if (factor > 0) count = Math.min(resourceCount, Math.max(1, count));
    // A partial Fisher-Yates shuffle picks `count` distinct resources.
    const pool = Array.from({ length: resourceCount }, (_, k) => k);
    for (let c = 0; c < count; c++) {
      const pick = between(random, c, resourceCount - 1);
      [pool[c], pool[pick]] = [pool[pick] as number, pool[c] as number];
      (demands[pool[c] as number] as number[])[i] = between(random, 1, MAX_GENERATED_DEMAND);
    }
  }
  const capacities = demands.map((row) => {
    const smallest = row.reduce((most, d) => Math.max(most, d), 1);
    return smallest + Math.round(strength * (Math.max(smallest, peakOfEarliestStarts(preds, durations, row)) - smallest));
  });

  const id = (i: number): string => `t${i + 1}`;
  const name = (k: number): string => `r${k + 1}`;
  return {
    name: `rcpsp-n${n}-r${resourceCount}-s${options.seed}`,
    tasks: preds.map((list, i) => {
      const resources: Record<string, number> = {};
      demands.forEach((row, k) => {
        if ((row[i] as number) > 0) resources[name(k)] = row[i] as number;
      });
      return { id: id(i), dependsOn: list.map(id), estimatedDurationMs: durations[i] as number, resources };
    }),
    resources: Object.fromEntries(capacities.map((capacity, k) => [name(k), capacity])),
  };
}

/**
 * Arcs only go from a lower to a higher index, within a window so the network has depth (PSPLIB's
 * 30-task networks are about ten levels deep) rather than being wide and shallow.
 */
function generateNetwork(n: number, complexity: number, random: Random): number[][] {
  const starts = Math.min(END_TASKS, n);
  const finishes = Math.min(END_TASKS, n);
  const window = Math.max(4, Math.round(1.5 * Math.sqrt(n)));
  const preds: number[][] = Array.from({ length: n }, () => []);
  const hasSucc = new Uint8Array(n);
  const arcs = new Set<number>();
  const add = (i: number, j: number): void => {
    (preds[j] as number[]).push(i);
    hasSucc[i] = 1;
    arcs.add(i * n + j);
  };
  for (let j = starts; j < n; j++) add(between(random, Math.max(0, j - window), j - 1), j);
  for (let i = 0; i < n - finishes; i++) {
    if (hasSucc[i] === 1) continue;
    add(i, between(random, Math.max(i + 1, starts), Math.min(n - 1, i + window)));
  }
  const target = Math.round(complexity * n);
  for (let attempt = 0; arcs.size < target && attempt < 20 * target; attempt++) {
    const i = between(random, 0, n - finishes - 1);
    const low = Math.max(i + 1, starts);
    const high = Math.min(n - 1, i + window);
    if (low > high) continue;
    const j = between(random, low, high);
    if (arcs.has(i * n + j) || (n <= REDUNDANCY_CHECK_MAX_TASKS && reaches(preds, i, j))) continue;
    add(i, j);
  }
  for (const list of preds) list.sort((a, b) => a - b);
  return preds;
}

/** Whether j already depends on i through other arcs (search backwards from j over lower indexes). */
function reaches(preds: readonly (readonly number[])[], from: number, to: number): boolean {
  const seen = new Set<number>([to]);
  const stack = [to];
  while (stack.length > 0) {
    for (const p of preds[stack.pop() as number] as readonly number[]) {
      if (p === from) return true;
      if (p > from && !seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  return false;
}

/** Highest total demand at any instant when every task starts as early as its dependencies allow. */
function peakOfEarliestStarts(preds: readonly (readonly number[])[], durations: readonly number[], row: readonly number[]): number {
  const heads = new Array<number>(preds.length).fill(0);
  preds.forEach((list, j) => {
    for (const p of list) heads[j] = Math.max(heads[j] as number, (heads[p] as number) + (durations[p] as number));
  });
  const events: Array<[number, number]> = [];
  row.forEach((d, i) => {
    if (d > 0) events.push([heads[i] as number, d], [(heads[i] as number) + (durations[i] as number), -d]);
  });
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let usage = 0;
  let peak = 0;
  for (const [, delta] of events) {
    usage += delta;
    peak = Math.max(peak, usage);
  }
  return peak;
}

/**
 * Turns an instance into the solver's input, resources in the order of `instance.resources`.
 *
 * @example
 * solveSchedule(instanceToProblem(generateRcpspInstance({ tasks: 60, seed: 7 })));
 */
export function instanceToProblem(instance: RcpspInstance): SchedulingProblem {
  const names = Object.keys(instance.resources);
  return {
    dag: buildDag(instance.tasks),
    durations: instance.tasks.map((task) => task.estimatedDurationMs),
    demands: names.map((name) => instance.tasks.map((task) => task.resources[name] ?? 0)),
    capacities: names.map((name) => instance.resources[name] as number),
  };
}

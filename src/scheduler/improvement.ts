import type { Random } from './random.js';
import type { CompiledProblem } from './sgs.js';
import { ResourceProfile, serialSgs } from './sgs.js';
import { sampleList } from './priority-rules.js';

/** An activity list (every task after its dependencies) and the makespan it decodes to. */
export interface Individual {
  list: Int32Array;
  makespan: number;
}

/** Limits of one search: schedule generations (deterministic) and a wall-clock safety cap. */
export interface SearchLimits {
  maxSchedules: number;
  /** `performance.now()` value after which the search stops early, whatever the schedule count. */
  deadline: number;
  /** Profile rows visited or shifted (see `ResourceProfile.work`) after which the search stops. */
  maxWork: number;
  /** A makespan no schedule can beat: reaching it ends the search, since nothing better exists. */
  lowerBound: number;
}

/**
 * Decodes activity lists with the serial scheme, improves each by forward-backward justification,
 * and remembers the best schedule seen. Counts every schedule generation against the limits.
 */
export class ScheduleSearch {
  schedules = 0;
  private checks = 0;
  bestMakespan = Infinity;
  readonly bestStarts: Float64Array;
  readonly profile: ResourceProfile;
  private readonly starts: Float64Array;
  private readonly mirror: Float64Array;
  private readonly topoPosition: Int32Array;
  private readonly byTime: number[];

  constructor(private readonly problem: CompiledProblem, private readonly limits: SearchLimits) {
    const n = problem.n;
    this.bestStarts = new Float64Array(n);
    this.profile = new ResourceProfile(problem);
    this.starts = new Float64Array(n);
    this.mirror = new Float64Array(n);
    this.topoPosition = new Int32Array(n);
    problem.order.forEach((i, k) => {
      this.topoPosition[i] = k;
    });
    this.byTime = Array.from({ length: n }, (_, i) => i);
  }

  /** True once the schedule budget is spent or the clock has run out (checked every 16 schedules). */
  exhausted(): boolean {
    const { maxSchedules, maxWork, lowerBound } = this.limits;
    if (this.schedules >= maxSchedules || this.profile.work >= maxWork || this.bestMakespan <= lowerBound) return true;
    // Reading the clock is what makes a run machine-dependent, so it is only a rare safety check.
    return (++this.checks & 15) === 0 && performance.now() > this.limits.deadline;
  }

  /** Keeps a schedule found elsewhere (e.g. by the parallel scheme) if it beats the best so far. */
  offer(starts: Float64Array, makespan: number): void {
    if (makespan < this.bestMakespan) {
      this.bestMakespan = makespan;
      this.bestStarts.set(starts);
    }
  }

  /**
   * Serial decoding followed, budget permitting, by double justification (Valls, Ballestín and
   * Quintanilla 2005): shift every task as late as possible in reverse finish order, then as early as
   * possible in order of those late starts. Never worse, often several percent better. Returns the list
   * of the improved schedule, so what the search learns stays in the population.
   */
  evaluate(list: Int32Array): Individual {
    const { problem, starts, mirror, profile, topoPosition, byTime } = this;
    const { durations } = problem;
    const makespan = serialSgs(problem, list, starts, profile);
    this.schedules++;
    this.offer(starts, makespan);
    if (this.schedules + 2 > this.limits.maxSchedules) return { list, makespan };

    // Latest finish first; a dependent with no duration finishing at the same instant goes first.
    byTime.sort(
      (a, b) =>
        (starts[b] as number) + (durations[b] as number) - ((starts[a] as number) + (durations[a] as number)) ||
        (topoPosition[b] as number) - (topoPosition[a] as number),
    );
    serialSgs(problem, byTime, mirror, profile, true);
    // The mirror's latest finishes are the earliest right-justified starts.
    byTime.sort(
      (a, b) =>
        (mirror[b] as number) + (durations[b] as number) - ((mirror[a] as number) + (durations[a] as number)) ||
        (topoPosition[a] as number) - (topoPosition[b] as number),
    );
    const justified = Int32Array.from(byTime);
    const improved = serialSgs(problem, justified, starts, profile);
    this.schedules += 2;
    this.offer(starts, improved);
    // In exact arithmetic `improved <= makespan`; the justified list is kept either way so the list and
    // its makespan always agree.
    return { list: justified, makespan: improved };
  }
}

/** Tuning of {@link geneticSearch}. */
export interface GeneticOptions {
  populationSize: number;
  /** Chance that each adjacent pair in a child's list swaps (when no dependency forbids it). */
  mutationRate: number;
  /** Rule keys for the biased random sampling that fills the first population. */
  keys: Float64Array;
  /** Regret offset of that sampling (see `sampleList`). */
  epsilon: number;
}

/**
 * Hartmann's activity-list genetic algorithm (1998) with justification on every child: two-point
 * crossover keeps every list dependency-feasible, adjacent-swap mutation, and ranking selection over
 * parents and children. Runs until the search's budget is spent.
 */
export function geneticSearch(search: ScheduleSearch, problem: CompiledProblem, seeds: readonly Int32Array[], options: GeneticOptions, random: Random): void {
  let population: Individual[] = [];
  for (const seed of seeds) {
    if (search.exhausted() || population.length >= options.populationSize) break;
    population.push(search.evaluate(seed));
  }
  while (population.length < options.populationSize && !search.exhausted()) {
    population.push(search.evaluate(sampleList(problem, options.keys, options.epsilon, random)));
  }
  while (!search.exhausted()) {
    const parents = shuffled(population, random);
    const children: Individual[] = [];
    for (let p = 0; p + 1 < parents.length && !search.exhausted(); p += 2) {
      const mother = (parents[p] as Individual).list;
      const father = (parents[p + 1] as Individual).list;
      const n = mother.length;
      const a = Math.floor(random() * (n + 1));
      const b = Math.floor(random() * (n + 1));
      for (const child of [crossover(mother, father, Math.min(a, b), Math.max(a, b)), crossover(father, mother, Math.min(a, b), Math.max(a, b))]) {
        mutate(problem, child, options.mutationRate, random);
        children.push(search.evaluate(child));
        if (search.exhausted()) break;
      }
    }
    population = select([...population, ...children], options.populationSize);
  }
}

function shuffled<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/**
 * Positions [0, cut1) come from `first`, [cut1, cut2) are the remaining tasks in `second`'s order, the
 * rest in `first`'s order. Each part keeps a feasible relative order, so the child is feasible too.
 */
export function crossover(first: Int32Array, second: Int32Array, cut1: number, cut2: number): Int32Array {
  const n = first.length;
  const child = new Int32Array(n);
  const taken = new Uint8Array(n);
  let at = 0;
  for (; at < cut1; at++) {
    child[at] = first[at] as number;
    taken[first[at] as number] = 1;
  }
  for (let k = 0; at < cut2; k++) {
    const task = second[k] as number;
    if (taken[task] === 1) continue;
    child[at++] = task;
    taken[task] = 1;
  }
  for (let k = 0; at < n; k++) {
    const task = first[k] as number;
    if (taken[task] === 1) continue;
    child[at++] = task;
    taken[task] = 1;
  }
  return child;
}

function mutate(problem: CompiledProblem, list: Int32Array, rate: number, random: Random): void {
  const { predStart, predList } = problem;
  for (let k = 0; k + 1 < list.length; k++) {
    if (random() >= rate) continue;
    const a = list[k] as number;
    const b = list[k + 1] as number;
    let dependent = false;
    for (let e = predStart[b] as number; e < (predStart[b + 1] as number); e++) if (predList[e] === a) dependent = true;
    if (dependent) continue;
    list[k] = b;
    list[k + 1] = a;
  }
}

/**
 * Keeps the best `size`, dropping exact repeats (same makespan and list), which otherwise crowd the
 * population once justification sends many children to the same schedule.
 */
function select(candidates: Individual[], size: number): Individual[] {
  candidates.sort((a, b) => a.makespan - b.makespan);
  const kept: Individual[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const key = `${candidate.makespan}:${fingerprint(candidate.list)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(candidate);
    if (kept.length === size) break;
  }
  return kept;
}

function fingerprint(list: Int32Array): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < list.length; k++) h = Math.imul(h ^ (list[k] as number), 0x01000193) >>> 0;
  return h;
}

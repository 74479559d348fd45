/**
 * Federated learning state: what each process (or agent) learned, kept as its own contribution of
 * evidence, and the merge of all of them. Evidence is what the adaptive engine adds to its prior
 * (alpha - prior.alpha, beta - prior.beta, runs), so with the default discount of 1 the merge is a
 * plain sum: counts merge exactly and reward sums to float precision, whatever the order, and
 * nothing one process learned is lost when another writes. With a discount below 1 each contribution
 * carries its own forgetting, and the merge stays a sum of those deltas.
 */
import { z } from 'zod';
import { CONCRETE_STRATEGIES, type ConcreteStrategy } from '../contracts/scheduler.js';
import { parseWith } from '../contracts/validate.js';
import { DEFAULT_ADAPTIVE_SEED, DEFAULT_PRIOR, type AdaptiveState, type ArmState } from './adaptive.js';

export const ADAPTIVE_CONTRIBUTION_VERSION = 1;
/** The smallest Beta shape a merge gives an arm (discounted deltas of concurrent processes can overshoot). */
export const MIN_MERGED_SHAPE = 1e-6;

const EvidenceSchema = z.object({ alpha: z.number().finite(), beta: z.number().finite(), runs: z.number().int() });
export type Evidence = z.infer<typeof EvidenceSchema>;

/** One contributor's evidence, per task class and strategy, and the draws it made. */
export const AdaptiveContributionSchema = z.object({
  version: z.literal(ADAPTIVE_CONTRIBUTION_VERSION),
  contributor: z.string().min(1),
  draws: z.number().int(),
  classes: z.record(z.string().min(1), z.partialRecord(z.enum(CONCRETE_STRATEGIES), EvidenceSchema)),
});
export type AdaptiveContribution = z.infer<typeof AdaptiveContributionSchema>;

export interface MergeOptions {
  /** The prior every contribution's evidence is counted from. @default DEFAULT_PRIOR */
  prior?: { alpha: number; beta: number };
  /** Seed of the merged state when there is no base. @default DEFAULT_ADAPTIVE_SEED */
  seed?: number;
  /** A state learned before contributions existed (a single shared copy); counted once, as it is. */
  base?: AdaptiveState;
}

export function emptyContribution(contributor: string): AdaptiveContribution {
  return { version: ADAPTIVE_CONTRIBUTION_VERSION, contributor, draws: 0, classes: {} };
}

/** Validates a stored contribution (a bad one throws `NoError('INVALID_REQUEST')` naming the field). */
export function parseContribution(value: unknown): AdaptiveContribution {
  return parseWith(AdaptiveContributionSchema, value, { what: 'adaptive contribution' });
}

const NO_EVIDENCE: Evidence = { alpha: 0, beta: 0, runs: 0 };

/**
 * The evidence `after` holds beyond `before` (both states of one engine, `before` the one it was
 * built from; `undefined` for a fresh engine), so that adding it to a contribution records exactly
 * one step of learning.
 *
 * @example
 * const before = merged; const engine = createAdaptiveEngine({}, before); engine.adaptStrategy(feedback);
 * mine = addEvidence(mine, adaptiveDelta(before, engine.getState()));
 */
export function adaptiveDelta(before: AdaptiveState | undefined, after: AdaptiveState, prior: { alpha: number; beta: number } = DEFAULT_PRIOR): Omit<AdaptiveContribution, 'contributor' | 'version'> {
  const classes: AdaptiveContribution['classes'] = {};
  for (const [taskClass, arms] of Object.entries(after.classes)) {
    const was = before?.classes[taskClass];
    for (const s of CONCRETE_STRATEGIES) {
      const old: ArmState = was?.[s] ?? { alpha: prior.alpha, beta: prior.beta, runs: 0 };
      const d = { alpha: arms[s].alpha - old.alpha, beta: arms[s].beta - old.beta, runs: arms[s].runs - old.runs };
      if (d.alpha !== 0 || d.beta !== 0 || d.runs !== 0) (classes[taskClass] ??= {})[s] = d;
    }
  }
  return { draws: after.draws - (before?.draws ?? 0), classes };
}

/** `into` plus `delta`, as a new contribution. */
export function addEvidence(into: AdaptiveContribution, delta: Omit<AdaptiveContribution, 'contributor' | 'version'>): AdaptiveContribution {
  const out: AdaptiveContribution = structuredClone(into);
  out.draws += delta.draws;
  for (const [taskClass, arms] of Object.entries(delta.classes)) {
    const target = (out.classes[taskClass] ??= {});
    for (const [s, d] of Object.entries(arms) as Array<[ConcreteStrategy, Evidence]>) {
      const e = target[s] ?? NO_EVIDENCE;
      target[s] = { alpha: e.alpha + d.alpha, beta: e.beta + d.beta, runs: e.runs + d.runs };
    }
  }
  return out;
}

/**
 * The learning state of all contributions together: the prior (or the base) plus every
 * contribution's evidence. Contributions are added in contributor order, so every process that
 * merges the same set gets the same state, to the bit.
 *
 * @example
 * const state = mergeAdaptiveStates(await loadContributions(), { prior: DEFAULT_PRIOR });
 * const engine = createAdaptiveEngine({}, state);
 */
export function mergeAdaptiveStates(contributions: readonly AdaptiveContribution[], options: MergeOptions = {}): AdaptiveState {
  const prior = options.prior ?? DEFAULT_PRIOR;
  const merged: AdaptiveState = options.base
    ? structuredClone(options.base)
    : { version: 1, seed: options.seed ?? DEFAULT_ADAPTIVE_SEED, draws: 0, classes: {} };
  const sorted = [...contributions].sort((a, b) => (a.contributor < b.contributor ? -1 : a.contributor > b.contributor ? 1 : 0));
  for (const contribution of sorted) {
    merged.draws += contribution.draws;
    for (const [taskClass, arms] of Object.entries(contribution.classes)) {
      const target = (merged.classes[taskClass] ??= Object.fromEntries(
        CONCRETE_STRATEGIES.map((s) => [s, { alpha: prior.alpha, beta: prior.beta, runs: 0 }]),
      ) as Record<ConcreteStrategy, ArmState>);
      for (const [s, d] of Object.entries(arms) as Array<[ConcreteStrategy, Evidence]>) {
        target[s] = { alpha: target[s].alpha + d.alpha, beta: target[s].beta + d.beta, runs: target[s].runs + d.runs };
      }
    }
  }
  merged.draws = Math.max(0, merged.draws);
  for (const arms of Object.values(merged.classes)) {
    for (const s of CONCRETE_STRATEGIES) {
      arms[s] = { alpha: Math.max(MIN_MERGED_SHAPE, arms[s].alpha), beta: Math.max(MIN_MERGED_SHAPE, arms[s].beta), runs: Math.max(0, arms[s].runs) };
    }
  }
  return merged;
}

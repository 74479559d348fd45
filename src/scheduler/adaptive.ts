/**
 * The adaptive decision engine: Thompson sampling over the three concrete strategies, one set of
 * Beta posteriors per task class. Rewards are fractional (reward r adds r to alpha and 1 - r to
 * beta), and an optional discount pulls every posterior of a class back toward the prior before each
 * update, so the engine forgets old evidence and can follow an environment that changes.
 *
 * Every choice is among candidates the caller names (see `strategyCandidates`): what the engine learns
 * decides between the strategies a DAG's declared risk allows, never adds one.
 *
 * Every random draw comes from a generator seeded by (state.seed, state.draws, task class), so the
 * same state gives the same decisions, and a state persisted in a Store resumes exactly.
 */
import { z } from 'zod';
import { NoError } from '../contracts/errors.js';
import { parseWith } from '../contracts/validate.js';
import {
  CONCRETE_STRATEGIES,
  ExecutionFeedbackSchema,
  type ConcreteStrategy,
  type ExecutionFeedback,
  type ExecutionFeedbackInput,
  type StrategyAdjustment,
} from '../contracts/scheduler.js';
import { sampleBeta } from './beta.js';
import { createRandom, hashString, type Random } from './random.js';
import { rewardOf, type RewardOptions } from './reward.js';


/** @default 0x5eed */
export const DEFAULT_ADAPTIVE_SEED = 0x5eed;
/** Uniform Beta(1, 1): no opinion before the first run. @default { alpha: 1, beta: 1 } */
export const DEFAULT_PRIOR = Object.freeze({ alpha: 1, beta: 1 });
/** 1 keeps all evidence forever; below 1 forgets geometrically. @default 1 */
export const DEFAULT_DISCOUNT = 1;
/**
 * Success ratio below which a non-sequential run is overridden to `sequential-safe` (the current
 * package's `OrchestrationDefaults.qualityThreshold`).
 * @default 0.8
 */
export const DEFAULT_QUALITY_THRESHOLD = 0.8;
/** Probability of being best that a new strategy needs before it replaces the one in use. @default 0.7 */
export const DEFAULT_CONFIDENCE_THRESHOLD = 0.7;
/** Monte Carlo samples for the probability that a strategy is best. @default 2000 */
export const DEFAULT_CONFIDENCE_SAMPLES = 2000;

const ArmSchema = z.object({
  alpha: z.number().positive().finite(),
  beta: z.number().positive().finite(),
  runs: z.number().int().nonnegative(),
});
const ClassArmsSchema = z.object({
  'sequential-safe': ArmSchema,
  parallel: ArmSchema,
  'parallel-coordinated': ArmSchema,
});

/** The persisted learning state (JSON). */
export const AdaptiveStateSchema = z.object({
  version: z.literal(1),
  seed: z.number().int(),
  draws: z.number().int().nonnegative(),
  classes: z.record(z.string().min(1), ClassArmsSchema),
});

export interface ArmState {
  alpha: number;
  beta: number;
  runs: number;
}
export interface AdaptiveState {
  version: 1;
  seed: number;
  draws: number;
  classes: Record<string, Record<ConcreteStrategy, ArmState>>;
}

export interface AdaptiveEngineOptions {
  /** Seeds a new state; a loaded state keeps its own seed. @default DEFAULT_ADAPTIVE_SEED */
  seed?: number;
  /** @default DEFAULT_PRIOR */
  prior?: { alpha: number; beta: number };
  /** Forgetting factor in (0, 1]. @default DEFAULT_DISCOUNT */
  discount?: number;
  /** @default DEFAULT_QUALITY_THRESHOLD */
  qualityThreshold?: number;
  /** @default DEFAULT_CONFIDENCE_THRESHOLD */
  confidenceThreshold?: number;
  /** @default DEFAULT_CONFIDENCE_SAMPLES */
  samples?: number;
  /** How a run's feedback turns into a reward (see {@link rewardOf}). */
  reward?: RewardOptions;
}

export interface StrategyDraw {
  strategy: ConcreteStrategy;
  /** Probability (Monte Carlo) that the drawn strategy is the best one. */
  confidence: number;
  /** `true` when the draw differs from the strategy with the best posterior mean. */
  explored: boolean;
}

export interface ChooseOptions {
  /**
   * The strategies the draw may return (the fallback is always one of them); a lone candidate is
   * returned as it is. Pass a DAG's `strategyCandidates`, so learning never picks what its risk rules out.
   * @default CONCRETE_STRATEGIES
   */
  candidates?: readonly ConcreteStrategy[];
}

export interface AdaptiveDecisionEngine {
  /** Thompson draw among the candidates, deterministic given the state; increments `draws`. */
  choose(taskClass: string, fallback: ConcreteStrategy, options?: ChooseOptions): StrategyDraw;
  /** Learns from one run and says which of its candidates the class should use next. */
  adaptStrategy(feedback: ExecutionFeedbackInput): StrategyAdjustment;
  /**
   * What one run's feedback says without learning from it (for `learning: false`): its reward and the
   * current posteriors; recommends the strategy the run used. Changes no state, draws included.
   */
  assess(feedback: ExecutionFeedbackInput): StrategyAdjustment;
  /** A JSON-serializable deep copy of the learning state. */
  getState(): AdaptiveState;
}

const OptionsSchema = z.object({
  seed: z.number().int().optional(),
  prior: z.object({ alpha: z.number().positive().finite(), beta: z.number().positive().finite() }).optional(),
  discount: z.number().gt(0).max(1).optional(),
  qualityThreshold: z.number().min(0).max(1).optional(),
  confidenceThreshold: z.number().min(0).max(1).optional(),
  samples: z.number().int().positive().max(1_000_000).optional(),
  reward: z
    .object({
      retryPenalty: z.number().min(0).max(1).optional(),
      maxRetryPenalty: z.number().min(0).max(1).optional(),
      makespanTolerance: z.number().min(1).finite().optional(),
      slowdownExponent: z.number().positive().finite().optional(),
    })
    .optional(),
});

function loadState(state: unknown): AdaptiveState {
  const parsed = parseWith(AdaptiveStateSchema, state, { what: 'adaptive state' });
  // A JSON round trip: the engine never shares objects with the caller's copy.
  return JSON.parse(JSON.stringify(parsed)) as AdaptiveState;
}

function mean(arm: ArmState): number {
  return arm.alpha / (arm.alpha + arm.beta);
}

/**
 * Creates an engine, fresh or from a persisted state (validated; a bad state throws
 * `NoError('INVALID_REQUEST')`).
 *
 * @example
 * const engine = createAdaptiveEngine({ discount: 0.95 }, await loadFromStore());
 * const { strategy } = engine.choose('etl', 'parallel', { candidates: ['parallel', 'sequential-safe'] });
 * const adjustment = engine.adaptStrategy({ planId, strategy, taskClass: 'etl', totalTasks: 5, succeededTasks: 5,
 *   failedTasks: 0, predictedMakespanMs: 900, actualMakespanMs: 1000 });
 * await saveToStore(engine.getState());
 */
export function createAdaptiveEngine(
  options: AdaptiveEngineOptions = {},
  state?: AdaptiveState,
): AdaptiveDecisionEngine {
  parseWith(OptionsSchema, options, { code: 'INVALID_NUMBER', what: 'adaptive engine options' });
  const prior = options.prior ?? DEFAULT_PRIOR;
  const discount = options.discount ?? DEFAULT_DISCOUNT;
  const qualityThreshold = options.qualityThreshold ?? DEFAULT_QUALITY_THRESHOLD;
  const confidenceThreshold = options.confidenceThreshold ?? DEFAULT_CONFIDENCE_THRESHOLD;
  const samples = options.samples ?? DEFAULT_CONFIDENCE_SAMPLES;
  const current: AdaptiveState =
    state === undefined
      ? { version: 1, seed: options.seed ?? DEFAULT_ADAPTIVE_SEED, draws: 0, classes: {} }
      : loadState(state);
  const classes = new Map(Object.entries(current.classes));

  /** A generator for this state; `advance` moves the state on, so the next call draws differently. */
  function randomFor(purpose: string, taskClass: string, advance = true): Random {
    const stream = hashString(`${current.seed}:${current.draws}`);
    const random = createRandom(hashString(`${purpose}\u0000${taskClass}`, stream));
    if (advance) current.draws++;
    return random;
  }

  const freshArms = (): Record<ConcreteStrategy, ArmState> => {
    const fresh = (): ArmState => ({ alpha: prior.alpha, beta: prior.beta, runs: 0 });
    return { 'sequential-safe': fresh(), parallel: fresh(), 'parallel-coordinated': fresh() };
  };

  function armsOf(taskClass: string): Record<ConcreteStrategy, ArmState> {
    let arms = classes.get(taskClass);
    if (arms === undefined) {
      arms = freshArms();
      classes.set(taskClass, arms);
    }
    return arms;
  }

  /** Index of the largest value; ties go to the earlier strategy, for determinism. */
  function argmax(values: readonly number[]): number {
    let best = 0;
    for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
    return best;
  }

  /**
   * The candidates in `CONCRETE_STRATEGIES` order, whatever order they came in: with all three this
   * draws exactly as an engine without candidates did, so saved states keep their decisions.
   */
  function candidateList(candidates: readonly ConcreteStrategy[] | undefined, also?: ConcreteStrategy): ConcreteStrategy[] {
    const wanted = new Set<ConcreteStrategy>(candidates ?? CONCRETE_STRATEGIES);
    if (also !== undefined) wanted.add(also);
    return CONCRETE_STRATEGIES.filter((s) => wanted.has(s));
  }

  function draw(arms: Record<ConcreteStrategy, ArmState>, among: readonly ConcreteStrategy[], random: Random): number[] {
    return among.map((s) => sampleBeta(arms[s].alpha, arms[s].beta, random));
  }

  /** P(each candidate is best), indexed like `among`, by Monte Carlo over the posteriors. */
  function probabilityBest(arms: Record<ConcreteStrategy, ArmState>, among: readonly ConcreteStrategy[], random: Random): number[] {
    const wins = among.map(() => 0);
    for (let i = 0; i < samples; i++) {
      const best = argmax(draw(arms, among, random));
      wins[best] = (wins[best] as number) + 1;
    }
    return wins.map((w) => w / samples);
  }

  function choose(taskClass: string, fallback: ConcreteStrategy, chooseOptions: ChooseOptions = {}): StrategyDraw {
    const random = randomFor('choose', taskClass);
    const among = candidateList(chooseOptions.candidates, fallback);
    if (among.length === 1) return { strategy: fallback, confidence: 1, explored: false };
    const arms = classes.get(taskClass);
    const runs = arms === undefined ? 0 : CONCRETE_STRATEGIES.reduce((n, s) => n + arms[s].runs, 0);
    if (arms === undefined || runs === 0) {
      return { strategy: fallback, confidence: 1 / among.length, explored: false };
    }
    const chosen = argmax(draw(arms, among, random));
    const greedy = argmax(among.map((s) => mean(arms[s])));
    return { strategy: among[chosen] as ConcreteStrategy, confidence: probabilityBest(arms, among, random)[chosen] as number, explored: chosen !== greedy };
  }

  function invalid(message: string, path: string, details: Record<string, unknown>): NoError {
    return new NoError('INVALID_FEEDBACK', `invalid feedback: ${message}`, { details: { issues: [{ path, message }], ...details } });
  }

  function parseFeedback(input: ExecutionFeedbackInput): ExecutionFeedback {
    const feedback = parseWith(ExecutionFeedbackSchema, input, { code: 'INVALID_FEEDBACK', what: 'feedback' });
    const { succeededTasks, failedTasks, totalTasks, compensatedTasks } = feedback;
    if (succeededTasks + failedTasks > totalTasks) {
      const message = `succeededTasks (${succeededTasks}) + failedTasks (${failedTasks}) exceed totalTasks (${totalTasks})`;
      throw invalid(message, 'succeededTasks', { succeededTasks, failedTasks, totalTasks });
    }
    if (compensatedTasks > succeededTasks) {
      const message = `compensatedTasks (${compensatedTasks}) exceed succeededTasks (${succeededTasks}): only completed tasks are compensated`;
      throw invalid(message, 'compensatedTasks', { compensatedTasks, succeededTasks });
    }
    return feedback;
  }

  /** The adjustment a run's feedback calls for, given the class's posteriors (already updated when learning). */
  function adjustmentFor(
    feedback: ExecutionFeedback,
    reward: number,
    arms: Record<ConcreteStrategy, ArmState>,
    random: Random,
    learning: boolean,
  ): StrategyAdjustment {
    const among = candidateList(feedback.candidates);
    const expectedRewards = Object.fromEntries(CONCRETE_STRATEGIES.map((s) => [s, mean(arms[s])])) as Record<
      ConcreteStrategy,
      number
    >;
    const pBest = probabilityBest(arms, among, random);
    const confidenceOf = (s: ConcreteStrategy): number => (among.includes(s) ? (pBest[among.indexOf(s)] as number) : 0);
    const leader = among[argmax(among.map((s) => expectedRewards[s]))] as ConcreteStrategy;
    const successRatio = feedback.succeededTasks / feedback.totalTasks;
    const observed = `reward ${reward.toFixed(3)} (success ${(successRatio * 100).toFixed(1)}%)`;
    const belowQuality = successRatio < qualityThreshold && feedback.strategy !== 'sequential-safe';

    let recommended: ConcreteStrategy;
    let reason: string;
    if (!learning) {
      recommended = feedback.strategy;
      reason = `learning is off: ${observed} not recorded; the strategy stays the rules' choice`;
    } else if (belowQuality && among.includes('sequential-safe')) {
      recommended = 'sequential-safe';
      reason =
        `safety override: success rate ${(successRatio * 100).toFixed(1)}% is below the quality threshold ` +
        `${(qualityThreshold * 100).toFixed(1)}% under ${feedback.strategy}, so the next run goes sequential-safe; ` +
        `the learned leader is ${leader} (P(best) ${confidenceOf(leader).toFixed(2)}), ${observed} recorded`;
    } else if (!among.includes(feedback.strategy)) {
      recommended = leader;
      reason =
        `${feedback.strategy} is not a candidate for this DAG (candidates: ${among.join(', ')}); ` +
        `${leader} leads them (P(best) ${confidenceOf(leader).toFixed(2)}); ${observed}`;
    } else if (leader !== feedback.strategy && confidenceOf(leader) >= confidenceThreshold) {
      recommended = leader;
      reason =
        `${leader} is best with probability ${confidenceOf(leader).toFixed(2)} >= ${confidenceThreshold} ` +
        `(expected reward ${expectedRewards[leader].toFixed(3)} vs ` +
        `${expectedRewards[feedback.strategy].toFixed(3)} for ${feedback.strategy}); ${observed}`;
    } else {
      recommended = feedback.strategy;
      reason =
        leader === feedback.strategy
          ? `${feedback.strategy} remains the best (P(best) ${confidenceOf(leader).toFixed(2)}); ${observed}`
          : `keeping ${feedback.strategy}: ${leader} leads but only with probability ` +
            `${confidenceOf(leader).toFixed(2)} < ${confidenceThreshold}; ${observed}`;
    }
    if (learning && belowQuality && !among.includes('sequential-safe')) {
      reason +=
        '; success is below the quality threshold, but sequential-safe is not a candidate (the tasks declare ' +
        'no risk, or serialising would cost more than the regret cap)';
    }
    return {
      taskClass: feedback.taskClass,
      previousStrategy: feedback.strategy,
      recommendedStrategy: recommended,
      changed: recommended !== feedback.strategy,
      confidence: confidenceOf(recommended),
      reward,
      expectedRewards,
      reason,
    };
  }

  function adaptStrategy(input: ExecutionFeedbackInput): StrategyAdjustment {
    const feedback = parseFeedback(input);
    const reward = rewardOf(feedback, options.reward);
    const arms = armsOf(feedback.taskClass);
    for (const s of CONCRETE_STRATEGIES) {
      // Discounting toward the prior (not toward 0) keeps every posterior a proper Beta.
      arms[s].alpha = prior.alpha + discount * (arms[s].alpha - prior.alpha);
      arms[s].beta = prior.beta + discount * (arms[s].beta - prior.beta);
    }
    const played = arms[feedback.strategy];
    played.alpha += reward;
    played.beta += 1 - reward;
    played.runs++;
    return adjustmentFor(feedback, reward, arms, randomFor('adapt', feedback.taskClass), true);
  }

  function assess(input: ExecutionFeedbackInput): StrategyAdjustment {
    const feedback = parseFeedback(input);
    const arms = classes.get(feedback.taskClass) ?? freshArms();
    return adjustmentFor(feedback, rewardOf(feedback, options.reward), arms, randomFor('assess', feedback.taskClass, false), false);
  }

  function getState(): AdaptiveState {
    const snapshot = { ...current, classes: Object.fromEntries(classes) };
    return JSON.parse(JSON.stringify(snapshot)) as AdaptiveState;
  }

  return { choose, adaptStrategy, assess, getState };
}

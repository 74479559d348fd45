import { isNoError, type NoError } from '../../src/contracts/errors';
import { StrategyAdjustmentSchema, type ExecutionFeedbackInput } from '../../src/contracts/scheduler';
import {
  AdaptiveStateSchema,
  DEFAULT_QUALITY_THRESHOLD,
  createAdaptiveEngine,
  type AdaptiveState,
} from '../../src/scheduler/adaptive';
import { thrown } from '../helpers/errors';
import { feedback } from '../helpers/feedback';



describe('createAdaptiveEngine', () => {
  it('recommends sequential-safe when the success rate falls below the quality threshold, while still learning', () => {
    expect(DEFAULT_QUALITY_THRESHOLD).toBe(0.8);
    const engine = createAdaptiveEngine({ seed: 1 });
    const adjustment = engine.adaptStrategy(feedback({ succeededTasks: 6, failedTasks: 4 }));
    expect(StrategyAdjustmentSchema.parse(adjustment)).toEqual(adjustment);
    expect(adjustment.previousStrategy).toBe('parallel');
    expect(adjustment.recommendedStrategy).toBe('sequential-safe');
    expect(adjustment.changed).toBe(true);
    expect(adjustment.reason).toMatch(/safety override: success rate 60\.0% is below the quality threshold 80\.0%/);
    expect(adjustment.reward).toBeCloseTo(0.6);
    // Beta(1 + 0.6, 1 + 0.4) has mean 1.6 / 3.
    expect(adjustment.expectedRewards.parallel).toBeCloseTo(1.6 / 3);
    expect(engine.getState().classes.etl?.parallel).toEqual({ alpha: 1.6, beta: 1.4, runs: 1 });
  });

  it('does not override a sequential-safe run that falls below the quality threshold', () => {
    const engine = createAdaptiveEngine({ seed: 1 });
    const adjustment = engine.adaptStrategy(feedback({ strategy: 'sequential-safe', succeededTasks: 6, failedTasks: 4 }));
    expect(adjustment.recommendedStrategy).toBe('sequential-safe');
    expect(adjustment.changed).toBe(false);
    expect(adjustment.reason).not.toContain('safety override');
  });

  it('keeps the current strategy while the evidence for another is below the confidence threshold', () => {
    const engine = createAdaptiveEngine({ seed: 2 });
    for (let i = 0; i < 3; i++) engine.adaptStrategy(feedback({ strategy: 'parallel-coordinated' }));
    // One mediocre sequential run: parallel-coordinated leads, but not yet by 0.7.
    const adjustment = engine.adaptStrategy(feedback({ strategy: 'sequential-safe', actualMakespanMs: 1100, taskClass: 'etl' }));
    expect(adjustment.recommendedStrategy).toBe('sequential-safe');
    expect(adjustment.reason).toMatch(/keeping sequential-safe: parallel-coordinated leads but only with probability 0\.\d+ < 0\.7/);
    expect(adjustment.confidence).toBeLessThan(0.7);
  });

  it('switches to the strategy that is best with enough confidence', () => {
    const engine = createAdaptiveEngine({ seed: 3 });
    for (let i = 0; i < 15; i++) engine.adaptStrategy(feedback({ strategy: 'parallel' }));
    for (let i = 0; i < 15; i++) engine.adaptStrategy(feedback({ strategy: 'sequential-safe', actualMakespanMs: 3000 }));
    const adjustment = engine.adaptStrategy(feedback({ strategy: 'sequential-safe', actualMakespanMs: 3000 }));
    expect(adjustment.recommendedStrategy).toBe('parallel');
    expect(adjustment.changed).toBe(true);
    expect(adjustment.confidence).toBeGreaterThanOrEqual(0.7);
    expect(adjustment.reason).toMatch(/^parallel is best with probability/);
    expect(adjustment.expectedRewards.parallel).toBeGreaterThan(adjustment.expectedRewards['sequential-safe']);
  });

  it('confirms the strategy in use when it leads', () => {
    const engine = createAdaptiveEngine({ seed: 4 });
    const adjustment = engine.adaptStrategy(feedback());
    expect(adjustment).toMatchObject({ recommendedStrategy: 'parallel', changed: false });
    expect(adjustment.reason).toMatch(/^parallel remains the best/);
    expect(adjustment.confidence).toBeGreaterThan(1 / 3);
  });

  it('returns the fallback without exploring for a class it knows nothing about', () => {
    const engine = createAdaptiveEngine();
    expect(engine.choose('new-class', 'parallel-coordinated')).toEqual({
      strategy: 'parallel-coordinated',
      confidence: 1 / 3,
      explored: false,
    });
    expect(engine.getState().draws).toBe(1);
  });

  it('samples from the posteriors once a class has data, mostly exploiting a clear winner', () => {
    const engine = createAdaptiveEngine({ seed: 5, samples: 500 });
    for (let i = 0; i < 30; i++) engine.adaptStrategy(feedback({ strategy: 'parallel' }));
    for (let i = 0; i < 30; i++) engine.adaptStrategy(feedback({ strategy: 'sequential-safe', succeededTasks: 2, failedTasks: 8 }));
    for (let i = 0; i < 30; i++) engine.adaptStrategy(feedback({ strategy: 'parallel-coordinated', succeededTasks: 2, failedTasks: 8 }));
    const draws = Array.from({ length: 50 }, () => engine.choose('etl', 'sequential-safe'));
    expect(draws.filter((d) => d.strategy === 'parallel').length).toBeGreaterThan(45);
    const exploit = draws.find((d) => d.strategy === 'parallel');
    expect(exploit).toMatchObject({ explored: false });
    expect(exploit?.confidence).toBeGreaterThan(0.9);
  });

  it('draws only among the candidates it is given, with the fallback always one of them', () => {
    const engine = createAdaptiveEngine({ seed: 8, samples: 200 });
    // Evidence that sequential-safe is best: it must still never be drawn where it is no candidate.
    for (let i = 0; i < 20; i++) engine.adaptStrategy(feedback({ strategy: 'sequential-safe' }));
    engine.adaptStrategy(feedback({ strategy: 'parallel', succeededTasks: 5, failedTasks: 5 }));
    const draws = Array.from({ length: 40 }, () => engine.choose('etl', 'parallel', { candidates: ['parallel-coordinated'] }));
    expect(new Set(draws.map((d) => d.strategy))).toEqual(new Set(['parallel', 'parallel-coordinated']));
    const free = Array.from({ length: 40 }, () => engine.choose('etl', 'parallel'));
    expect(free.filter((d) => d.strategy === 'sequential-safe').length).toBeGreaterThan(30);
  });

  it('returns a lone candidate as it is, sure of it, and still moves its draws on', () => {
    const engine = createAdaptiveEngine({ seed: 9 });
    for (let i = 0; i < 5; i++) engine.adaptStrategy(feedback({ strategy: 'sequential-safe' }));
    const before = engine.getState().draws;
    expect(engine.choose('etl', 'parallel', { candidates: ['parallel'] })).toEqual({ strategy: 'parallel', confidence: 1, explored: false });
    expect(engine.getState().draws).toBe(before + 1);
  });

  it('recommends sequential-safe after a failing run only where it is a candidate, and says why not otherwise', () => {
    const failing = feedback({ succeededTasks: 5, failedTasks: 5 });
    const allowed = createAdaptiveEngine({ seed: 1 }).adaptStrategy({ ...failing, candidates: ['parallel', 'sequential-safe'] });
    expect(allowed).toMatchObject({ recommendedStrategy: 'sequential-safe', changed: true });
    const refused = createAdaptiveEngine({ seed: 1 }).adaptStrategy({ ...failing, candidates: ['parallel'] });
    expect(refused).toMatchObject({ recommendedStrategy: 'parallel', changed: false, confidence: 1 });
    expect(refused.reason).toContain('sequential-safe is not a candidate');
  });

  it('recommends the leading candidate when the strategy a run used is not one', () => {
    const engine = createAdaptiveEngine({ seed: 10 });
    for (let i = 0; i < 5; i++) engine.adaptStrategy(feedback({ strategy: 'parallel', candidates: ['parallel'] }));
    const adjustment = engine.adaptStrategy(feedback({ strategy: 'sequential-safe', candidates: ['parallel'] }));
    expect(adjustment).toMatchObject({ previousStrategy: 'sequential-safe', recommendedStrategy: 'parallel', changed: true, confidence: 1 });
    expect(adjustment.reason).toMatch(/^sequential-safe is not a candidate for this DAG \(candidates: parallel\)/);
  });

  it('assesses a run without learning from it: its reward and the current posteriors, no state change', () => {
    const engine = createAdaptiveEngine({ seed: 12 });
    engine.adaptStrategy(feedback({ strategy: 'parallel' }));
    const before = engine.getState();
    const slow = feedback({ strategy: 'sequential-safe', predictedMakespanMs: 400, actualMakespanMs: 400, bestLowerBoundMs: 100 });
    const assessed = engine.assess(slow);
    expect(StrategyAdjustmentSchema.parse(assessed)).toEqual(assessed);
    expect(assessed).toMatchObject({ previousStrategy: 'sequential-safe', recommendedStrategy: 'sequential-safe', changed: false });
    expect(assessed.reward).toBeLessThan(0.15);
    expect(assessed.expectedRewards.parallel).toBeCloseTo(2 / 3);
    expect(assessed.reason).toMatch(/^learning is off/);
    expect(engine.assess(slow)).toEqual(assessed);
    expect(engine.getState()).toEqual(before);
    expect(engine.assess(feedback({ taskClass: 'unseen' })).expectedRewards.parallel).toBe(0.5);
    expect(engine.getState().classes).not.toHaveProperty('unseen');
  });

  it('marks a draw that differs from the best posterior mean as explored', () => {
    const engine = createAdaptiveEngine({ seed: 6, samples: 200 });
    engine.adaptStrategy(feedback({ strategy: 'parallel', succeededTasks: 9, failedTasks: 1 }));
    const draws = Array.from({ length: 40 }, () => engine.choose('etl', 'parallel'));
    // The untried strategies keep their uniform prior, so Thompson sampling still tries them.
    expect(draws.some((d) => d.explored && d.strategy !== 'parallel')).toBe(true);
    expect(draws.some((d) => !d.explored && d.strategy === 'parallel')).toBe(true);
  });

  it('is deterministic given the state, and resumes exactly from a saved state', () => {
    const a = createAdaptiveEngine({ seed: 11 });
    a.adaptStrategy(feedback({ succeededTasks: 7, failedTasks: 3 }));
    const saved = JSON.parse(JSON.stringify(a.getState())) as AdaptiveState;
    const b = createAdaptiveEngine({}, saved);
    for (let i = 0; i < 5; i++) expect(b.choose('etl', 'parallel')).toEqual(a.choose('etl', 'parallel'));
    expect(b.adaptStrategy(feedback())).toEqual(a.adaptStrategy(feedback()));
    expect(b.getState()).toEqual(a.getState());
    expect(AdaptiveStateSchema.parse(b.getState())).toEqual(b.getState());
  });

  it('hands out copies of its state that the caller cannot change', () => {
    const engine = createAdaptiveEngine();
    engine.adaptStrategy(feedback());
    const state = engine.getState();
    (state.classes.etl as AdaptiveState['classes'][string]).parallel.alpha = 999;
    expect(engine.getState().classes.etl?.parallel.alpha).toBe(2);
    const loaded = createAdaptiveEngine({}, state);
    state.classes.etl!.parallel.alpha = 5;
    expect(loaded.getState().classes.etl?.parallel.alpha).toBe(999);
  });

  it('discounts every posterior of the class toward the prior before learning', () => {
    const engine = createAdaptiveEngine({ discount: 0.5, prior: { alpha: 1, beta: 1 } });
    engine.adaptStrategy(feedback({ strategy: 'parallel' }));
    engine.adaptStrategy(feedback({ strategy: 'sequential-safe', succeededTasks: 0, failedTasks: 10 }));
    const etl = engine.getState().classes.etl!;
    // parallel: (1 + 1) -> 1 + 0.5 * 1 = 1.5; its beta stays at the prior.
    expect(etl.parallel).toEqual({ alpha: 1.5, beta: 1, runs: 1 });
    expect(etl['sequential-safe']).toEqual({ alpha: 1, beta: 2, runs: 1 });
  });

  it('learns from the reward shaped by its reward options', () => {
    const engine = createAdaptiveEngine({ reward: { retryPenalty: 0.5, maxRetryPenalty: 1 } });
    expect(engine.adaptStrategy(feedback({ retries: 10 })).reward).toBeCloseTo(0.5);
  });

  it('keeps what it learns per task class', () => {
    const engine = createAdaptiveEngine();
    engine.adaptStrategy(feedback({ taskClass: 'a' }));
    engine.adaptStrategy(feedback({ taskClass: undefined }));
    expect(Object.keys(engine.getState().classes).sort()).toEqual(['a', 'default']);
    expect(engine.choose('b', 'sequential-safe').strategy).toBe('sequential-safe');
  });

  it.each([
    [{ totalTasks: 0 }, 'totalTasks'],
    [{ strategy: 'adaptive' }, 'strategy'],
    [{ actualMakespanMs: -1 }, 'actualMakespanMs'],
    [{ planId: '' }, 'planId'],
  ])('rejects feedback %p naming the field', (over, field) => {
    const error = thrown(() => createAdaptiveEngine().adaptStrategy(feedback(over as Partial<ExecutionFeedbackInput>)));
    expect(isNoError(error, 'INVALID_FEEDBACK')).toBe(true);
    expect(error.message).toContain(field);
  });

  it('rejects feedback that compensates more tasks than succeeded', () => {
    const error = thrown(() => createAdaptiveEngine().adaptStrategy(feedback({ succeededTasks: 2, failedTasks: 8, compensatedTasks: 3 })));
    expect(isNoError(error, 'INVALID_FEEDBACK')).toBe(true);
    expect(error.message).toContain('compensatedTasks');
  });

  it('rejects feedback that counts more finished tasks than there are, and learns nothing from it', () => {
    const engine = createAdaptiveEngine();
    const error = thrown(() => engine.adaptStrategy(feedback({ succeededTasks: 8, failedTasks: 3 })));
    expect(isNoError(error, 'INVALID_FEEDBACK')).toBe(true);
    expect(error.message).toContain('succeededTasks');
    expect(engine.getState().classes).toEqual({});
  });

  it.each([
    [{ version: 2, seed: 1, draws: 0, classes: {} }, 'version'],
    [{ version: 1, seed: 1, draws: -1, classes: {} }, 'draws'],
    [{ version: 1, seed: 1, draws: 0, classes: { a: { parallel: { alpha: 1, beta: 1, runs: 0 } } } }, 'sequential-safe'],
    [{ version: 1, seed: 1, draws: 0, classes: { a: { parallel: { alpha: 0, beta: 1, runs: 0 } } } }, 'alpha'],
    [null, 'adaptive state'],
  ])('rejects the saved state %p', (state, field) => {
    const error = thrown(() => createAdaptiveEngine({}, state as unknown as AdaptiveState));
    expect(isNoError(error, 'INVALID_REQUEST')).toBe(true);
    expect(error.message).toContain(field);
  });

  it.each([
    [{ discount: 0 }, 'discount'],
    [{ discount: 1.5 }, 'discount'],
    [{ qualityThreshold: 2 }, 'qualityThreshold'],
    [{ samples: 0 }, 'samples'],
    [{ prior: { alpha: -1, beta: 1 } }, 'prior.alpha'],
    [{ reward: { retryPenalty: 2 } }, 'reward.retryPenalty'],
    [{ reward: { makespanTolerance: 0.5 } }, 'reward.makespanTolerance'],
    [{ reward: { slowdownExponent: 0 } }, 'reward.slowdownExponent'],
  ])('rejects the option %p', (options, field) => {
    const error = thrown(() => createAdaptiveEngine(options));
    expect(isNoError(error, 'INVALID_NUMBER')).toBe(true);
    expect(error.message).toContain(field);
  });
});

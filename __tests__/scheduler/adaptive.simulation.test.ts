/**
 * The engine in a simulated world: each strategy has a hidden success probability and slowdown per
 * task class, and the engine must find the best one by trying them (Thompson sampling), and follow
 * the world when it changes if it forgets (discount < 1).
 */
import type { ConcreteStrategy, ExecutionFeedbackInput } from '../../src/contracts/scheduler';
import { createAdaptiveEngine, type AdaptiveDecisionEngine } from '../../src/scheduler/adaptive';
import { createRandom, type Random } from '../../src/scheduler/random';

interface Behaviour {
  /** Chance that each task succeeds. */
  success: number;
  /** Actual / predicted makespan. */
  slowdown: number;
}
type World = Record<string, Record<ConcreteStrategy, Behaviour>>;

const TASKS = 10;
const PREDICTED_MS = 1000;

function run(world: World, taskClass: string, strategy: ConcreteStrategy, random: Random, planId: string): ExecutionFeedbackInput {
  const behaviour = world[taskClass]![strategy];
  let succeeded = 0;
  for (let t = 0; t < TASKS; t++) if (random() < behaviour.success) succeeded++;
  return {
    planId,
    strategy,
    taskClass,
    totalTasks: TASKS,
    succeededTasks: succeeded,
    failedTasks: TASKS - succeeded,
    predictedMakespanMs: PREDICTED_MS,
    // +-10 % noise on the duration.
    actualMakespanMs: PREDICTED_MS * behaviour.slowdown * (0.9 + 0.2 * random()),
  };
}

/** Runs `rounds` rounds (one run per class per round) and returns each class's choices. */
function simulate(engine: AdaptiveDecisionEngine, world: World, rounds: number, random: Random): Record<string, ConcreteStrategy[]> {
  const choices: Record<string, ConcreteStrategy[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const taskClass of Object.keys(world)) {
      const { strategy } = engine.choose(taskClass, 'parallel');
      (choices[taskClass] ??= []).push(strategy);
      engine.adaptStrategy(run(world, taskClass, strategy, random, `plan-${round}`));
    }
  }
  return choices;
}

const share = (choices: readonly ConcreteStrategy[], strategy: ConcreteStrategy): number =>
  choices.filter((c) => c === strategy).length / choices.length;

const STABLE: World = {
  // Independent work: parallel is fast and safe.
  A: {
    parallel: { success: 0.97, slowdown: 1 },
    'parallel-coordinated': { success: 0.97, slowdown: 1.5 },
    'sequential-safe': { success: 0.99, slowdown: 3 },
  },
  // Tasks that trip over each other: only sequential-safe succeeds reliably.
  B: {
    parallel: { success: 0.55, slowdown: 1 },
    'parallel-coordinated': { success: 0.7, slowdown: 1.1 },
    'sequential-safe': { success: 0.99, slowdown: 1.05 },
  },
};

describe('adaptive engine in a simulated environment', () => {
  it('learns the best strategy for each class and chooses it in over 90% of the last 50 choices', () => {
    const engine = createAdaptiveEngine({ seed: 2024, samples: 100 });
    const choices = simulate(engine, STABLE, 300, createRandom(7));
    expect(share(choices.A!.slice(-50), 'parallel')).toBeGreaterThan(0.9);
    expect(share(choices.B!.slice(-50), 'sequential-safe')).toBeGreaterThan(0.9);
    // It did explore: each class tried every strategy at least once.
    for (const c of Object.values(choices)) expect(new Set(c).size).toBe(3);
  });

  it('switches to the new best strategy after the environment changes when it discounts old evidence', () => {
    const before: World = { C: STABLE.A! };
    const after: World = { C: { ...STABLE.A!, parallel: { success: 0.5, slowdown: 1.3 }, 'sequential-safe': { success: 0.99, slowdown: 1 } } };
    const random = createRandom(99);
    const forgetful = createAdaptiveEngine({ seed: 1, discount: 0.97, samples: 100 });
    const stubborn = createAdaptiveEngine({ seed: 1, samples: 100 });

    expect(share(simulate(forgetful, before, 200, random).C!.slice(-50), 'parallel')).toBeGreaterThan(0.8);
    simulate(stubborn, before, 200, createRandom(99));

    const forgetfulAfter = simulate(forgetful, after, 150, random).C!;
    const stubbornAfter = simulate(stubborn, after, 150, createRandom(100)).C!;
    expect(share(forgetfulAfter.slice(-50), 'sequential-safe')).toBeGreaterThan(0.8);
    // Forgetting is what makes the switch quick: over the first 50 runs after the change the
    // discounting engine picks the new best far more often than the one that keeps everything.
    expect(share(forgetfulAfter.slice(0, 50), 'sequential-safe')).toBeGreaterThan(share(stubbornAfter.slice(0, 50), 'sequential-safe'));
    // Without forgetting, 200 runs of old evidence still outweigh 150 new ones.
    expect(share(stubbornAfter.slice(-50), 'sequential-safe')).toBeLessThan(0.5);
  });
});

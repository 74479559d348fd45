import { isNoError } from '../../src/contracts/errors';
import { scalingPolicy } from '../../src/coordination/autoscale-policy';

const idle = { arrivals: 0, durationsMs: [], backlog: 0, busy: 0 };

describe('scaling policy', () => {
  it("sizes a capability by Little's law from the EWMA of arrivals and durations", () => {
    const policy = scalingPolicy({ min: 0, max: 100 }, { targetUtilization: 0.8, alpha: 1, scaleUpCooldownMs: 0 });
    policy.observe({ ...idle, current: 0 }, 0);
    // 10 arrivals per second, 400 ms each: 4 agents busy on average, 5 at 80 %.
    const d = policy.observe({ ...idle, arrivals: 10, durationsMs: [400], current: 0 }, 1_000);
    expect(d.arrivalRatePerSec).toBeCloseTo(10);
    expect(d.durationMs).toBe(400);
    expect(d.desired).toBe(5);
    expect(d.target).toBe(5);
  });

  it('smooths arrivals, so one quiet interval after a burst does not halve the forecast', () => {
    const policy = scalingPolicy({ min: 0, max: 100 }, { forecastWindowMs: 10_000 });
    policy.observe({ ...idle, current: 0 }, 0);
    policy.observe({ ...idle, arrivals: 20, durationsMs: [1_000], current: 0 }, 1_000);
    // A quiet second weighs 1 - e^(-1 s / 10 s); asked every 100 ms instead, the result is the same.
    expect(policy.observe({ ...idle, current: 0 }, 2_000).arrivalRatePerSec).toBeCloseTo(20 * Math.exp(-0.1));
    const often = scalingPolicy({ min: 0, max: 100 }, { forecastWindowMs: 10_000 });
    often.observe({ ...idle, current: 0 }, 0);
    often.observe({ ...idle, arrivals: 20, current: 0 }, 1_000);
    let last = 0;
    for (let t = 1_100; t <= 2_000; t += 100) last = often.observe({ ...idle, current: 0 }, t).arrivalRatePerSec;
    expect(last).toBeCloseTo(20 * Math.exp(-0.1));
  });

  it('adds the agents that drain a backlog within the drain window', () => {
    const policy = scalingPolicy({ min: 0, max: 100 }, { drainWindowMs: 1_000 });
    policy.observe({ ...idle, durationsMs: [500], current: 2 }, 0);
    // 2 busy + 10 waiting × 500 ms / 1 s = 2 + 5.
    expect(policy.observe({ ...idle, backlog: 10, busy: 2, current: 2 }, 10).desired).toBe(7);
  });

  it('never asks for more than max or fewer than min', () => {
    const policy = scalingPolicy({ min: 2, max: 4 });
    expect(policy.observe({ ...idle, backlog: 50, current: 3 }, 0)).toMatchObject({ desired: 4, target: 4, reason: 'max' });
    expect(policy.observe({ ...idle, current: 0 }, 100_000)).toMatchObject({ desired: 2, target: 2 });
  });

  it('waits out the scale-up cool-down, and shrinks only to the largest size asked for within the scale-down window', () => {
    const policy = scalingPolicy({ min: 0, max: 10 }, { scaleUpCooldownMs: 1_000, scaleDownCooldownMs: 5_000, drainWindowMs: 1_000 });
    const up = policy.observe({ ...idle, backlog: 3, durationsMs: [1_000], current: 1 }, 0);
    expect(up.target).toBe(3);
    policy.applied(1, 3, 0);
    expect(policy.observe({ ...idle, backlog: 6, current: 3 }, 500)).toMatchObject({ target: 3, reason: 'cooldown' });
    expect(policy.observe({ ...idle, backlog: 6, current: 3 }, 1_000).target).toBe(6);
    policy.applied(3, 6, 1_000);
    // Idle now: 6 was asked for at 1 s, so it holds until that leaves the 5 s window.
    expect(policy.observe({ ...idle, current: 6 }, 4_000)).toMatchObject({ target: 6, reason: 'cooldown' });
    expect(policy.observe({ ...idle, current: 6 }, 5_999).target).toBe(6);
    expect(policy.observe({ ...idle, current: 6 }, 6_000).target).toBeLessThan(6);
  });

  it('holds its size while the wanted drop is inside the hysteresis margin', () => {
    const policy = scalingPolicy({ min: 0, max: 10 }, { scaleDownHysteresis: 2, scaleDownCooldownMs: 0 });
    policy.observe({ ...idle, durationsMs: [100], current: 3 }, 0);
    expect(policy.observe({ ...idle, busy: 2, current: 3 }, 1).target).toBe(3);
    expect(policy.observe({ ...idle, busy: 1, current: 3 }, 2).target).toBe(1);
  });

  it('by default gives back idle agents at the next observation after a burst, and grows again at once', () => {
    const policy = scalingPolicy({ min: 1, max: 50 });
    policy.observe({ ...idle, current: 1 }, 0);
    // A burst: 30 tasks/s of 500 ms, 20 waiting.
    let t = 0;
    for (; t < 10_000; t += 500) {
      const d = policy.observe({ ...idle, arrivals: 15, durationsMs: [500], backlog: t === 500 ? 20 : 0, busy: 15, current: 16 }, t + 500);
      policy.applied(16, d.target, t + 500);
    }
    // The lull: 3 tasks/s, 2 agents busy. No window holds the burst's size, and a 2 s forecast
    // forgets the burst's rate within a few seconds.
    let size = 16;
    for (let i = 0; i < 10; i++, t += 500) {
      const d = policy.observe({ ...idle, arrivals: 1.5, durationsMs: [500], busy: Math.min(2, size), current: size }, t + 500);
      policy.applied(size, d.target, t + 500);
      size = d.target;
    }
    expect(size).toBeLessThanOrEqual(3);
    // The next burst's backlog is met on the very next observation: no scale-up cool-down.
    const up = policy.observe({ ...idle, arrivals: 15, durationsMs: [500], backlog: 12, busy: size, current: size }, t + 500);
    policy.applied(size, up.target, t + 500);
    const again = policy.observe({ ...idle, arrivals: 15, durationsMs: [500], backlog: 12, busy: up.target, current: up.target }, t + 1_000);
    expect(again.target).toBeGreaterThan(up.target);
    expect(again.reason).toBe('backlog');
  });

  it('refuses limits that cannot hold, saying which to change', () => {
    const attempt = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e = attempt(() => scalingPolicy({ min: 5, max: 2 }));
    expect(isNoError(e) && e.code).toBe('INVALID_REQUEST');
    expect((e as Error).message).toMatch(/lower min or raise max/);
    expect(isNoError(attempt(() => scalingPolicy({ min: 0, max: 0 })))).toBe(true);
    expect(isNoError(attempt(() => scalingPolicy({ min: 0, max: 3 }, { targetUtilization: 0 })))).toBe(true);
  });
});

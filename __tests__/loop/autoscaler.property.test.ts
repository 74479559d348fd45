import fc from 'fast-check';
import { createAgentPool, createAutoscaler, type AgentRunner } from '../../src/loop/index';

const runner: AgentRunner = async () => 'ok';
const CAPS = ['a', 'b', 'c'] as const;

const limitsArb = fc.tuple(fc.nat(3), fc.integer({ min: 1, max: 6 })).map(([min, extra]) => ({ min, max: min + extra - 1 < 1 ? 1 : Math.max(min, min + extra - 1) }));
const stepArb = fc.oneof(
  fc.record({
    kind: fc.constant('allocate' as const),
    advanceMs: fc.integer({ min: 0, max: 5_000 }),
    load: fc.array(fc.record({ backlog: fc.nat(40), arrivals: fc.nat(100), durationsMs: fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 4 }) }), { minLength: 3, maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('begin' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('end' as const), pick: fc.nat() }),
);

describe('autoscaled pool (property)', () => {
  it('never exceeds max per capability or the pool-wide hard limit, never drops a busy agent, and keeps min when the hard limit allows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(limitsArb, limitsArb, limitsArb),
        fc.integer({ min: 1, max: 12 }),
        fc.record({ up: fc.integer({ min: 0, max: 3_000 }), down: fc.integer({ min: 0, max: 10_000 }), hysteresis: fc.integer({ min: 1, max: 3 }) }),
        fc.array(stepArb, { maxLength: 40 }),
        async (limits, maxAgents, cooldowns, steps) => {
          let t = 0;
          const pool = createAgentPool();
          const capabilities = Object.fromEntries(CAPS.map((c, i) => [c, { ...limits[i]!, factory: () => runner, maxConcurrency: 1 + (i % 2) }]));
          const scaler = createAutoscaler({
            pool, maxAgents, now: () => t, capabilities,
            scaleUpCooldownMs: cooldowns.up, scaleDownCooldownMs: cooldowns.down, scaleDownHysteresis: cooldowns.hysteresis,
          });
          const busy: string[] = [];
          const check = (afterAllocation: boolean): void => {
            expect(pool.ids().length).toBeLessThanOrEqual(maxAgents);
            for (const [i, c] of CAPS.entries()) expect(pool.capable(c).length).toBeLessThanOrEqual(limits[i]!.max);
            for (const id of busy) expect(pool.ids()).toContain(id);
            if (afterAllocation && pool.ids().length < maxAgents) {
              for (const [i, c] of CAPS.entries()) expect(pool.capable(c).length).toBeGreaterThanOrEqual(limits[i]!.min);
            }
          };
          try {
            for (const step of steps) {
              if (step.kind === 'allocate') {
                t += step.advanceMs;
                await scaler.optimizeAllocation(Object.fromEntries(CAPS.map((c, i) => [c, step.load[i]!])));
                check(true);
              } else if (step.kind === 'begin') {
                const free = pool.ids().filter((id) => pool.available(id));
                if (free.length === 0) continue;
                const id = free[step.pick % free.length]!;
                pool.begin(id);
                busy.push(id);
                check(false);
              } else if (busy.length > 0) {
                const [id] = busy.splice(step.pick % busy.length, 1);
                pool.end(id!);
                check(false);
              }
            }
          } finally {
            scaler.close();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

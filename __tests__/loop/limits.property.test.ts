import fc from 'fast-check';
import type { AgentDefinition } from '../../src/loop/index';
import { loopWith, sleepMs, thread } from './helpers';

interface Probe {
  running: number;
  peak: number;
  perAgent: Map<string, number>;
  agentPeak: Map<string, number>;
  resources: Map<string, number>;
  resourcePeak: Map<string, number>;
  depViolations: string[];
  ended: Set<string>;
}

const bump = (m: Map<string, number>, k: string, by: number): number => {
  const v = (m.get(k) ?? 0) + by;
  m.set(k, v);
  return v;
};

describe('hard limits under random durations and failures (property)', () => {
  it('never runs more tasks than the global limit, an agent its slots, or a resource its capacity; never before dependencies end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          n: fc.integer({ min: 3, max: 14 }),
          edges: fc.array(fc.tuple(fc.nat(20), fc.nat(20)), { maxLength: 16 }),
          durations: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 14, maxLength: 14 }),
          cpu: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 14, maxLength: 14 }),
          failures: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 14, maxLength: 14 }),
          slots: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
          limit: fc.integer({ min: 1, max: 5 }),
          capacity: fc.integer({ min: 3, max: 6 }),
        }),
        async ({ n, edges, durations, cpu, failures, slots, limit, capacity }) => {
          const probe: Probe = { running: 0, peak: 0, perAgent: new Map(), agentPeak: new Map(), resources: new Map(), resourcePeak: new Map(), depViolations: [], ended: new Set() };
          const left = new Map<string, number>();
          const deps = new Map<string, string[]>();
          const tasks = Array.from({ length: n }, (_, i) => {
            const id = `t${i}`;
            const dependsOn = [...new Set(edges.filter(([a, b]) => a % n < b % n && b % n === i).map(([a]) => `t${a % n}`))];
            deps.set(id, dependsOn);
            left.set(id, failures[i]!);
            return { id, dependsOn, capability: 'work', estimatedDurationMs: durations[i]!, resources: { cpu: cpu[i]! }, input: { ms: durations[i]! } };
          });
          const agents: AgentDefinition[] = slots.map((maxConcurrency, a) => ({
            id: `a${a}`,
            capabilities: ['work'],
            maxConcurrency,
            run: async (input, ctx) => {
              const id = ctx.task.id;
              for (const d of deps.get(id)!) if (!probe.ended.has(d)) probe.depViolations.push(`${id} before ${d}`);
              probe.peak = Math.max(probe.peak, ++probe.running);
              probe.agentPeak.set(ctx.agentId, Math.max(probe.agentPeak.get(ctx.agentId) ?? 0, bump(probe.perAgent, ctx.agentId, 1)));
              probe.resourcePeak.set('cpu', Math.max(probe.resourcePeak.get('cpu') ?? 0, bump(probe.resources, 'cpu', ctx.task.resources['cpu'] ?? 0)));
              try {
                await sleepMs((input as { ms: number }).ms);
                const remaining = left.get(id)!;
                if (remaining > 0) {
                  left.set(id, remaining - 1);
                  throw Object.assign(new Error('flaky network'), { code: 'ECONNRESET' });
                }
                probe.ended.add(id);
                return id;
              } finally {
                probe.running--;
                bump(probe.perAgent, ctx.agentId, -1);
                bump(probe.resources, 'cpu', -(ctx.task.resources['cpu'] ?? 0));
              }
            },
          }));
          const { loop } = loopWith(agents, { limits: { maxConcurrentAgents: limit, resources: { cpu: capacity } }, retries: 3 });
          const out = await loop.invoke({ request: { tasks, resources: { cpu: capacity }, strategy: 'parallel' } }, thread());
          expect(out.status).toBe('completed');
          expect(probe.depViolations).toEqual([]);
          expect(probe.peak).toBeLessThanOrEqual(limit);
          for (const [a, peak] of probe.agentPeak) expect(peak).toBeLessThanOrEqual(slots[Number(a.slice(1))]!);
          expect(probe.resourcePeak.get('cpu') ?? 0).toBeLessThanOrEqual(capacity);
          expect(Object.keys(out.results).sort()).toEqual(tasks.map((t) => t.id).sort());
        },
      ),
      { numRuns: 25 },
    );
  }, 60_000);
});

import fc from 'fast-check';
import type { ExecutionPlan } from '../../src/contracts/index';
import { createAgentPool } from '../../src/loop/index';
import { concurrencyLimit, issueReady, issueWindow } from '../../src/loop/issue-window';

const deps = (spec: Record<string, string[]>) => (id: string): readonly string[] => spec[id] ?? [];
const tick = () => new Promise((r) => setImmediate(r));

describe('issueReady: a task starts once its dependencies have settled', () => {
  it('keeps at most `window` tasks in flight, the first in the order first', async () => {
    const order = Array.from({ length: 50 }, (_, i) => `t${i}`);
    let open = 0;
    let peak = 0;
    const started: string[] = [];
    await issueReady(order, () => [], 3, async (id) => {
      started.push(id);
      peak = Math.max(peak, ++open);
      await new Promise((r) => setTimeout(r, 1));
      open--;
    });
    expect(started).toEqual(order);
    expect(peak).toBe(3);
  });

  it('starts a dependent only after its dependencies settle, and never holds a ready task behind a waiting one', async () => {
    const spec = { slow: [], s1: ['slow'], s2: ['slow'], free: [] };
    const started: string[] = [];
    let releaseSlow!: () => void;
    const done = issueReady(['slow', 's1', 's2', 'free'], deps(spec), 2, (id) => {
      started.push(id);
      if (id === 'slow') return new Promise<void>((r) => { releaseSlow = r; });
      return Promise.resolve();
    });
    await tick();
    expect(started).toEqual(['slow', 'free']);
    releaseSlow();
    await done;
    expect(started).toEqual(['slow', 'free', 's1', 's2']);
  });

  it('takes the ready task that comes first in the order, not the one that became ready first', async () => {
    // 'late' becomes ready after 'gate' settles, but comes before 'b' and 'c' in the order.
    const spec = { gate: [], late: ['gate'], b: [], c: [] };
    const started: string[] = [];
    await issueReady(['gate', 'late', 'b', 'c'], deps(spec), 1, async (id) => { started.push(id); });
    expect(started).toEqual(['gate', 'late', 'b', 'c']);
  });

  it('counts dependencies outside the order as settled, resolves at once with nothing to do, and stops on a rejection', async () => {
    const started: string[] = [];
    await issueReady(['b'], deps({ b: ['a'] }), 1, async (id) => { started.push(id); });
    expect(started).toEqual(['b']);
    await expect(issueReady([], () => [], 1, async () => {})).resolves.toBeUndefined();
    const after: string[] = [];
    await expect(issueReady(['a', 'b'], deps({ b: ['a'] }), 1, async (id) => {
      after.push(id);
      if (id === 'a') throw new Error('store failed');
    })).rejects.toThrow('store failed');
    await tick();
    expect(after).toEqual(['a']);
  });

  it('starts every task exactly once, after all its dependencies, within the window, for any DAG (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 30 }), fc.array(fc.tuple(fc.nat(29), fc.nat(29)), { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(3), { minLength: 30, maxLength: 30 }), async (n, edges, window, delays) => {
        const ids = Array.from({ length: n }, (_, i) => `t${i}`);
        const spec = Object.fromEntries(ids.map((id, i) => [id, [...new Set(edges.filter(([a, b]) => a % n < b % n && b % n === i).map(([a]) => `t${a % n}`))]]));
        const settled = new Set<string>();
        const started: string[] = [];
        let open = 0;
        let peak = 0;
        await issueReady(ids, deps(spec), window, async (id) => {
          for (const d of spec[id]!) expect(settled.has(d)).toBe(true);
          started.push(id);
          peak = Math.max(peak, ++open);
          for (let i = 0; i < delays[Number(id.slice(1))]!; i++) await tick();
          open--;
          settled.add(id);
        });
        expect([...started].sort()).toEqual([...ids].sort());
        expect(peak).toBeLessThanOrEqual(window);
      }),
      { numRuns: 80 },
    );
  });
});

describe('concurrencyLimit: the one rule for how many tasks run at once', () => {
  const pool = createAgentPool().add([
    { id: 'a', capabilities: ['x'], maxConcurrency: 3, run: async () => null },
    { id: 'b', capabilities: ['x'], run: async () => null },
  ]);
  const plan = (strategy: string, maxConcurrentAgents?: number): ExecutionPlan =>
    ({ strategy, constraints: maxConcurrentAgents === undefined ? {} : { maxConcurrentAgents } }) as unknown as ExecutionPlan;

  it('is one under sequential-safe, else the plan’s limit capped by the pool’s slots, and sizes the window', () => {
    expect(concurrencyLimit(plan('sequential-safe', 8), pool)).toBe(1);
    expect(concurrencyLimit(plan('parallel'), pool)).toBe(4);
    expect(concurrencyLimit(plan('parallel', 2), pool)).toBe(2);
    expect(concurrencyLimit(plan('parallel', 50), pool)).toBe(4);
    expect([issueWindow(1), issueWindow(4)]).toEqual([2, 8]);
  });
});

import fc from 'fast-check';
import { TaskSchema, type Task } from '../../src/contracts/index';
import type { TaskOutcome } from '../../src/loop/index';
import type { ExecutionPlan } from '../../src/contracts/index';
import { createAgentPool } from '../../src/loop/index';
import { concurrencyLimit, issueAll as issueWithReady, issueWindow } from '../../src/loop/issue-window';

/**
 * issueAll with the record of finished tasks the coordinator keeps in its Dispatcher: `done` holds
 * tasks finished before the round, and each completed outcome is recorded before the next issue.
 */
function issueAll(
  order: readonly string[],
  byId: ReadonlyMap<string, Task>,
  done: ReadonlyMap<string, unknown>,
  window: number,
  call: (taskId: string) => Promise<TaskOutcome>,
  after: (taskId: string, outcome: TaskOutcome) => Promise<void>,
): Promise<void> {
  const finished = new Set(done.keys());
  const ready = (id: string): boolean => byId.get(id)!.dependsOn.every((d) => finished.has(d));
  return issueWithReady(order, ready, window, call, async (id, outcome) => {
    await after(id, outcome);
    if (outcome.status === 'completed') finished.add(id);
  });
}

const outcome = (taskId: string, status: TaskOutcome['status'] = 'completed'): TaskOutcome => ({
  taskId, status, attempts: 1, durationMs: 0, usedFallback: false, idempotencyKey: 'k', errors: [], recoveries: [],
});

function tasks(spec: Record<string, string[]>): Map<string, Task> {
  return new Map(Object.entries(spec).map(([id, dependsOn]) => [id, TaskSchema.parse({ id, dependsOn })]));
}

describe('issueAll: lazy task() calls in a fixed order', () => {
  it('keeps at most `window` ready tasks outstanding, in the given order', async () => {
    const order = Array.from({ length: 50 }, (_, i) => `t${i}`);
    const byId = tasks(Object.fromEntries(order.map((id) => [id, []])));
    let open = 0;
    let peak = 0;
    const called: string[] = [];
    await issueAll(order, byId, new Map(), 3, async (id) => {
      called.push(id);
      peak = Math.max(peak, ++open);
      await new Promise((r) => setTimeout(r, 1));
      open--;
      return outcome(id);
    }, async () => {});
    expect(called).toEqual(order);
    expect(peak).toBeLessThanOrEqual(3);
  });

  it('issues past tasks still waiting for dependencies, so a slow task never holds back a ready one', async () => {
    const byId = tasks({ slow: [], s1: ['slow'], s2: ['slow'], free: [] });
    const called: string[] = [];
    let releaseSlow!: () => void;
    const done = issueAll(['slow', 's1', 's2', 'free'], byId, new Map(), 2, (id) => {
      called.push(id);
      if (id === 'slow') return new Promise<TaskOutcome>((r) => { releaseSlow = () => r(outcome(id)); });
      return Promise.resolve(outcome(id));
    }, async () => {});
    await new Promise((r) => setImmediate(r));
    expect(called).toEqual(['slow', 's1', 's2', 'free']);
    releaseSlow();
    await done;
  });

  it('counts tasks finished before the round as done, resolves at once with nothing to do, and reports a failing hook', async () => {
    const byId = tasks({ a: [], b: ['a'] });
    const seen: string[] = [];
    await issueAll(['b'], byId, new Map([['a', 1]]), 1, async (id) => outcome(id), async (id) => { seen.push(id); });
    expect(seen).toEqual(['b']);
    await expect(issueAll([], byId, new Map(), 1, async (id) => outcome(id), async () => {})).resolves.toBeUndefined();
    await expect(issueAll(['a'], byId, new Map(), 1, async (id) => outcome(id), async () => { throw new Error('hook'); })).rejects.toThrow('hook');
  });

  it('calls every task exactly once, in order, for any DAG and window (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.array(fc.tuple(fc.nat(19), fc.nat(19)), { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), async (n, edges, window) => {
        const ids = Array.from({ length: n }, (_, i) => `t${i}`);
        const byId = tasks(Object.fromEntries(ids.map((id, i) => [id, [...new Set(edges.filter(([a, b]) => a % n < b % n && b % n === i).map(([a]) => `t${a % n}`))]])));
        const called: string[] = [];
        await issueAll(ids, byId, new Map(), window, async (id) => {
          called.push(id);
          await new Promise((r) => setImmediate(r));
          return outcome(id, id === 't0' ? 'failed' : 'completed');
        }, async () => {});
        expect(called).toEqual(ids);
      }),
      { numRuns: 60 },
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

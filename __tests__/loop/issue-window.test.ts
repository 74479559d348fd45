import fc from 'fast-check';
import { TaskSchema, type Task } from '../../src/contracts/index';
import type { TaskOutcome } from '../../src/loop/index';
import { issueAll } from '../../src/loop/nodes/coordinator-node';

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

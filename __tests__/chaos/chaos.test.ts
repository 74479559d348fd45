import { INJECTED_KINDS, createChaos } from '../../bench/lib/chaos';
import { chaosDag, expectedResults, percentile, runChaosWorkload, type ChaosReport } from '../../bench/lib/chaos-workload';
import { isNoError } from '../../src/contracts/errors';
import { createAgentNetwork } from '../../src/network/network';

/**
 * The chaos bench's short run: a few seconds of concurrent DAG runs under agent failures, tool
 * timeouts, network partitions and memory pressure (bench/chaos.bench.ts runs the long one).
 */
describe('the master loop under chaos', () => {
  let report: ChaosReport;
  beforeAll(async () => {
    report = await runChaosWorkload({
      chaos: { seed: 14, partitionMs: 400, memoryPressureMb: 32 },
      durationMs: 2_500,
      concurrentRuns: 4,
      reviewTimeoutMs: 300,
    });
  }, 60_000);

  it('injected every kind of fault, so the run proves something', () => {
    for (const kind of INJECTED_KINDS) expect(report.faults[kind]).toBeGreaterThan(0);
  });

  it('completes more than 95 % of tasks and of runs', () => {
    expect(report.runs).toBeGreaterThanOrEqual(4);
    expect(report.tasksCompleted / report.tasks).toBeGreaterThan(0.95);
    expect(report.runsCompleted / report.runs).toBeGreaterThan(0.95);
  });

  it('returns no corrupted result, applies no effect twice and keeps one idempotency key per task', () => {
    expect(report.corrupted).toBe(0);
    expect(report.doubleEffects).toBe(0);
    expect(report.keyChanges).toBe(0);
  });

  it('recovers from every fault, each within 30 s', () => {
    expect(report.unrecovered).toBe(0);
    expect(report.recoveries.length).toBeGreaterThanOrEqual(INJECTED_KINDS.reduce((n, k) => n + report.faults[k], 0));
    expect(percentile(report.recoveries, 100)).toBeLessThan(30_000);
  });
});

describe('the chaos engine', () => {
  it('injects the same faults into the same attempts for the same seed', () => {
    const decide = (seed: number) => {
      const chaos = createChaos({ seed, agentFailureRate: 0.5, crashShare: 0 });
      const agent = chaos.wrapAgent({ id: 'a', capabilities: ['work'], run: () => 'ok' });
      return Array.from({ length: 40 }, (_, i) => {
        try {
          return (agent.run as (i: unknown, c: unknown) => unknown)(null, { threadId: 't', task: { id: `t${i}` }, attempt: 1 });
        } catch {
          return 'failed';
        }
      });
    };
    expect(decide(3)).toEqual(decide(3));
    expect(decide(3)).not.toEqual(decide(4));
    expect(decide(3)).toContain('failed');
    expect(decide(3)).toContain('ok');
  });

  it('splits the real network so a message waits until the partition heals', async () => {
    const network = createAgentNetwork();
    for (const id of ['a', 'b', 'c']) network.registry.register({ id, capabilities: [] });
    const chaos = createChaos({ seed: 1, partitionRate: 1, partitionMs: 60_000 });
    const got: string[] = [];
    network.subscribeToAgent('b', (m) => void got.push(m.type));
    chaos.beforeSend(network, ['a', 'b', 'c'], 'a', 'b', 'run/t1', 'run/t1#1');
    await network.sendMessage('a', 'b', { type: 'hello', payload: {} });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(got).toEqual([]);
    expect((await network.getNetworkStatus()).partitioned).toBe(true);
    chaos.stop();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(got).toEqual(['hello']);
    expect(chaos.counts().partition).toBe(1);
    network.close();
  });

  it('holds the memory it was asked for while the pressure runs, and lets it go after', () => {
    const chaos = createChaos({ seed: 1, memoryPressureMb: 24 });
    const stop = chaos.startMemoryPressure();
    expect(chaos.heldBytes()).toBe(24 * 2 ** 20);
    // Real allocations: Node counts them among its array buffers.
    expect(process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(24 * 2 ** 20);
    stop();
    expect(chaos.heldBytes()).toBe(0);
  });

  it('refuses a rate outside 0..1 and says what to pass', () => {
    let thrown: unknown;
    try {
      createChaos({ seed: 1, toolTimeoutRate: 15 });
    } catch (error) {
      thrown = error;
    }
    expect(isNoError(thrown, 'INVALID_INPUT')).toBe(true);
    expect((thrown as Error).message).toMatch(/toolTimeoutRate: 0\.1/);
  });

  it('the oracle changes a result when any dependency changes', () => {
    const tasks = chaosDag(5, [12, 12]);
    const before = expectedResults(tasks);
    const dependent = tasks.find((t) => t.dependsOn.length > 0)!;
    const dep = tasks.find((t) => t.id === dependent.dependsOn[0])!;
    dep.input.seed += 1;
    expect(expectedResults(tasks).get(dependent.id)).not.toBe(before.get(dependent.id));
  });
});

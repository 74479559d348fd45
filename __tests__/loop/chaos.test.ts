import { INJECTED_FAULT_KINDS, createChaos } from '../../src/loop/chaos';
import { chaosDag, expectedResults, percentile, runChaosWorkload, type ChaosReport } from '../../bench/lib/chaos-workload';
import { isNoError } from '../../src/contracts/errors';
import { createAgentNetwork } from '../../src/network/network';
import { buildToolLayer } from '../../src/tools/layer';
import { defineTool } from '../../src/tools/tool';
import { z } from 'zod';

const attemptOf = (agent: { run: unknown }, task: string, attempt: number): unknown =>
  (agent.run as (i: unknown, c: unknown) => unknown)(null, { threadId: 'th', task: { id: task }, attempt });

/**
 * The chaos bench's short run: a few seconds of concurrent DAG runs under agent failures, tool
 * timeouts, network partitions and memory pressure (bench/chaos.bench.ts runs the long one).
 */
describe('the master loop under chaos', () => {
  let report: ChaosReport;
  beforeAll(async () => {
    report = await runChaosWorkload({
      // The bench's settings, for a shorter time and with less memory held.
      chaos: { seed: 14, memoryPressureMb: 32 },
      durationMs: 2_500,
      concurrentRuns: 4,
    });
  }, 60_000);

  it('injected every kind of fault, so the run proves something', () => {
    for (const kind of INJECTED_FAULT_KINDS) expect(report.faults[kind]).toBeGreaterThan(0);
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
    expect(report.recoveries.length).toBeGreaterThanOrEqual(INJECTED_FAULT_KINDS.reduce((n, k) => n + report.faults[k], 0));
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
          return attemptOf(agent, `t${i}`, 1);
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
    expect(chaos.exposure()).toMatchObject({ sends: 1, sendsDrawn: 1 });
    expect(chaos.exposure().splitMs).toBeGreaterThan(0);
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

  it('a crashed agent fails every attempt as an agent fault until it is back, and each fault recovers when its task completes', async () => {
    const chaos = createChaos({ seed: 2, agentFailureRate: 1, crashShare: 1, crashMs: 30 });
    const agent = chaos.wrapAgent({ id: 'a', capabilities: ['work'], run: () => 'ok' });
    expect(() => attemptOf(agent, 't1', 1)).toThrow(/crashed/);
    let down: unknown;
    try {
      attemptOf(agent, 't2', 1);
    } catch (error) {
      down = error;
    }
    expect(down).toMatchObject({ classification: 'agent-fault', message: expect.stringMatching(/is down/) });
    expect(chaos.counts()).toMatchObject({ 'agent-crash': 1, 'agent-down': 1 });
    expect(chaos.unrecovered().map((f) => f.task)).toEqual(['th/t1', 'th/t2']);
    chaos.completed('th/t1');
    expect(chaos.recoveries()).toHaveLength(1);
    expect(chaos.unrecovered().map((f) => f.task)).toEqual(['th/t2']);
    await new Promise((resolve) => setTimeout(resolve, 40));
    // Back up: with every attempt drawn to fail it crashes again, which shows it ran the draw, not the down check.
    expect(() => attemptOf(agent, 't3', 1)).toThrow(/crashed/);
  });

  it('a hung tool call holds until its gate\'s timeout aborts it, and a retry with the same input is a new draw', async () => {
    const chaos = createChaos({ seed: 5, toolTimeoutRate: 0.5 });
    let ran = 0;
    const tool = chaos.wrapTool(defineTool({
      name: 'echo', capability: 'compute', description: 'echo', mutating: false, input: z.object({ x: z.number() }),
      run: async (input) => (ran++, input.x),
    }));
    const layer = buildToolLayer('primitive', [tool], { rateLimit: false, timeoutMs: 20 });
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await layer.invoke('echo', { x: 1 }));
    const hung = results.filter((r) => !r.ok);
    expect(hung.length).toBe(chaos.counts()['tool-timeout']);
    expect(hung.length).toBeGreaterThan(0);
    expect(ran).toBe(12 - hung.length);
    for (const r of hung) expect(r).toMatchObject({ ok: false, error: { retryable: true, details: { reason: 'timeout' } } });
  });

  it('refuses a function-less agent, a seed that is not an integer, and says what to pass', () => {
    const chaos = createChaos({ seed: 1 });
    expect(() => chaos.wrapAgent({ id: 'r', capabilities: [], run: { invoke: async () => 1 } })).toThrow(/wrap it in \(input, ctx\)/);
    expect(() => createChaos({ seed: 1.5 })).toThrow(/createChaos\(\{ seed: 1 \}\)/);
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

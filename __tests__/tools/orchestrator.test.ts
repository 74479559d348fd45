import fc from 'fast-check';
import { z } from 'zod';
import { isNoError } from '../../src/contracts/errors.js';
import type { ToolResult } from '../../src/contracts/tools.js';
import { createAuditTrail } from '../../src/telemetry/index.js';
import { createToolLayer } from '../../src/tools/create-layer.js';
import { buildToolLayer } from '../../src/tools/layer.js';
import { createToolOrchestrator, type ChainStep } from '../../src/tools/orchestrator.js';
import { createToolRegistry } from '../../src/tools/registry.js';
import { defineTool, type ToolLayer } from '../../src/tools/tool.js';

/** Tools that record how many calls overlap, mutating or not. */
function probe() {
  const live = { all: 0, mutating: 0, maxAll: 0, maxMutating: 0 };
  const order: string[] = [];
  const make = (name: string, mutating: boolean) =>
    defineTool({
      name,
      capability: 'compute',
      description: name,
      input: z.object({ id: z.string(), ms: z.number().default(1), fail: z.boolean().default(false) }),
      mutating,
      run: async ({ id, ms, fail }) => {
        live.all++;
        if (mutating) live.mutating++;
        live.maxAll = Math.max(live.maxAll, live.all);
        live.maxMutating = Math.max(live.maxMutating, live.mutating);
        await new Promise((r) => setTimeout(r, ms));
        live.all--;
        if (mutating) live.mutating--;
        order.push(id);
        if (fail) throw new Error(`${id} failed`);
        return id;
      },
    });
  const layer = buildToolLayer('primitive', [make('read', false), make('write', true)], { rateLimit: false });
  return { live, order, layer };
}

const thrown = async (fn: () => Promise<unknown>): Promise<unknown> => fn().then(() => undefined, (error: unknown) => error);

describe('tool orchestrator', () => {
  it('runs a chain across layers, feeding results forward, and counts the layers that ran', async () => {
    const orchestrator = createToolOrchestrator({ layers: [createToolLayer('primitive'), createToolLayer('dashboard')] });
    const run = await orchestrator.executeChain([
      { id: 'a', tool: 'evaluate-expression', params: { expression: '2 + 3' } },
      { id: 'b', capability: 'compute', params: { expression: '10' } },
      { id: 'save', tool: 'atomic-write', dependsOn: ['a'], params: (r: Record<string, ToolResult>) => ({ key: 'sum', value: (r['a'] as { data: { value: number } }).data.value }) },
      { id: 'stats', tool: 'metric-summary', layer: 'dashboard', dependsOn: ['a', 'b'], params: (r: Record<string, ToolResult>) => ({ series: [r['a'], r['b']].map((x) => (x as { data: { value: number } }).data.value) }) },
    ]);
    expect(run.ok).toBe(true);
    expect(run.layersExecuted).toBe(2);
    expect(run.skipped).toEqual([]);
    expect(run.results['save']).toMatchObject({ ok: true, data: { key: 'sum', atomic: true } });
    expect(run.results['stats']).toMatchObject({ ok: true, data: { summaries: [{ mean: 7.5 }] } });
  });

  it('stops at the first failed step, skips what depends on it, and names it', async () => {
    const { layer } = probe();
    const orchestrator = createToolOrchestrator({ layers: [layer] });
    const run = await orchestrator.executeChain([
      { id: 'x', tool: 'write', params: { id: 'x', fail: true } },
      { id: 'y', tool: 'read', dependsOn: ['x'], params: { id: 'y' } },
    ]);
    expect(run).toMatchObject({ ok: false, failedStep: 'x', skipped: ['y'], layersExecuted: 1 });
    // The tool-chain tool's ChainResult, field for field (chain-aggregate.test.ts checks the same keys).
    expect(Object.keys(run).sort()).toEqual(['failedStep', 'layersExecuted', 'ok', 'results', 'skipped']);
    expect(run.results['x']).toMatchObject({ ok: false, error: { code: 'INTERNAL_ERROR' } });
  });

  it.each([
    ['a cycle', [{ id: 'a', tool: 'read', dependsOn: ['b'] }, { id: 'b', tool: 'read', dependsOn: ['a'] }], 'CYCLE_DETECTED'],
    ['an unknown dependency', [{ id: 'a', tool: 'read', dependsOn: ['zz'] }], 'UNKNOWN_DEPENDENCY'],
    ['a duplicate id', [{ id: 'a', tool: 'read' }, { id: 'a', tool: 'read' }], 'DUPLICATE_TASK'],
    ['an unknown tool', [{ id: 'a', tool: 'read' }, { id: 'b', tool: 'ghost' }], 'TOOL_NOT_FOUND'],
    ['an unserved capability', [{ id: 'a', capability: 'metrics' }], 'TOOL_NOT_FOUND'],
    ['a step with tool and capability', [{ id: 'a', tool: 'read', capability: 'compute' }], 'INVALID_REQUEST'],
    ['a step with neither', [{ id: 'a' }], 'INVALID_REQUEST'],
  ] as Array<[string, ChainStep[], string]>)('refuses %s with a typed error before anything runs', async (_label, chain, code) => {
    const audit = createAuditTrail();
    const layer = buildToolLayer('primitive', [probe().layer.getTool('read')!], { audit });
    const error = await thrown(() => createToolOrchestrator({ layers: [layer] }).executeChain(chain));
    expect(isNoError(error, code as never)).toBe(true);
    expect(audit.entries()).toHaveLength(0);
  });

  it('runs read-only steps in parallel up to maxParallel', async () => {
    const { layer, live } = probe();
    const chain = Array.from({ length: 6 }, (_, i) => ({ id: `r${i}`, tool: 'read', params: { id: `r${i}`, ms: 20 } }));
    const run = await createToolOrchestrator({ layers: [layer], maxParallel: 3 }).executeChain(chain);
    expect(run.ok).toBe(true);
    expect(live.maxAll).toBe(3);
  });

  it('fails only the step whose params function throws', async () => {
    const { layer } = probe();
    const run = await createToolOrchestrator({ layers: [layer] }).executeChain([
      { id: 'p', tool: 'read', params: () => { throw new Error('no input'); } },
    ]);
    expect(run).toMatchObject({ ok: false, failedStep: 'p', results: { p: { ok: false, error: { code: 'INVALID_INPUT' } } } });
  });

  it('stops dispatching when the signal aborts and reports the steps that never ran', async () => {
    const { layer } = probe();
    const controller = new AbortController();
    const pending = createToolOrchestrator({ layers: [layer] }).executeChain(
      [
        { id: 'a', tool: 'write', params: { id: 'a', ms: 20 } },
        { id: 'b', tool: 'write', dependsOn: ['a'], params: { id: 'b' } },
      ],
      { signal: controller.signal, caller: 'ops' },
    );
    controller.abort();
    const run = await pending;
    expect(run.ok).toBe(false);
    expect(run.skipped).toEqual(['b']);
  });

  it('turns a foreign layer that throws into a failed step', async () => {
    const real = probe().layer;
    const foreign: ToolLayer = { ...real, level: 'primitive', invoke: () => Promise.reject(new Error('broken layer')) };
    const run = await createToolOrchestrator({ registry: createToolRegistry().add(foreign) }).executeChain([{ id: 'a', tool: 'read', params: { id: 'a' } }]);
    expect(run.results['a']).toMatchObject({ ok: false, error: { code: 'INTERNAL_ERROR', message: 'broken layer' } });
  });

  it('refuses a maxParallel below 1', () => {
    expect(() => createToolOrchestrator({ maxParallel: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER' }));
  });

  it('chooses among tools of a capability by error rate, then latency, and keeps the figures', async () => {
    let flakyCalls = 0;
    const tool = (name: string, run: () => Promise<unknown>) => defineTool({ name, capability: 'compute', description: name, input: z.object({}), mutating: false, run });
    const layer = buildToolLayer('primitive', [
      tool('flaky', async () => {
        flakyCalls++;
        throw new Error('flaky');
      }),
      tool('steady', () => new Promise((r) => setTimeout(() => r('ok'), 5))),
    ]);
    const orchestrator = createToolOrchestrator({ layers: [layer] });
    const first = await orchestrator.executeChain([{ id: 's', capability: 'compute', params: {} }]);
    expect(first.results['s']?.tool).toBe('flaky'); // untried tools rank first, by name
    for (let i = 0; i < 3; i++) expect((await orchestrator.executeChain([{ id: 's', capability: 'compute', params: {} }])).results['s']?.tool).toBe('steady');
    expect(flakyCalls).toBe(1);
    const stats = orchestrator.stats();
    expect(stats).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ layer: 'primitive', tool: 'flaky', calls: 1, errors: 1, errorRate: 1 }),
        expect.objectContaining({ tool: 'steady', calls: 3, errors: 0, errorRate: 0 }),
      ]),
    );
    expect(stats.find((s) => s.tool === 'steady')!.meanLatencyMs).toBeGreaterThan(0);
  });

  it('never runs two mutating steps at once, never exceeds maxParallel, and respects dependencies', async () => {
    const chainArb = fc
      .array(fc.record({ mutating: fc.boolean(), ms: fc.integer({ min: 0, max: 4 }), deps: fc.array(fc.nat(), { maxLength: 3 }) }), { minLength: 1, maxLength: 10 })
      .map((steps) =>
        steps.map((s, i) => ({
          id: `s${i}`,
          tool: s.mutating ? 'write' : 'read',
          params: { id: `s${i}`, ms: s.ms },
          dependsOn: i === 0 ? [] : [...new Set(s.deps.map((d) => `s${d % i}`))],
        })),
      );
    await fc.assert(
      fc.asyncProperty(chainArb, fc.integer({ min: 1, max: 4 }), async (chain, maxParallel) => {
        const { layer, live, order } = probe();
        const run = await createToolOrchestrator({ layers: [layer], maxParallel }).executeChain(chain);
        expect(run.ok).toBe(true);
        expect(live.maxMutating).toBeLessThanOrEqual(1);
        expect(live.maxAll).toBeLessThanOrEqual(maxParallel);
        for (const step of chain) for (const dep of step.dependsOn) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(step.id));
      }),
      { numRuns: 60 },
    );
  });
});

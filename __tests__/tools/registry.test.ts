import { z } from 'zod';
import { isNoError } from '../../src/contracts/errors.js';
import { createAuditTrail } from '../../src/telemetry/index.js';
import { createToolLayer } from '../../src/tools/create-layer.js';
import { buildToolLayer } from '../../src/tools/layer.js';
import { createToolRegistry } from '../../src/tools/registry.js';
import { defineTool } from '../../src/tools/tool.js';

const shared = (capability: 'compute' | 'metrics') =>
  defineTool({ name: 'shared', capability, description: 'same name', input: z.object({}), mutating: false, run: async () => capability });

describe('tool registry', () => {
  it('finds manifests across layers by name, capability and layer', () => {
    const registry = createToolRegistry().add(createToolLayer('primitive')).add(createToolLayer('dashboard'));
    expect(registry.layers().map((l) => l.level)).toEqual(['primitive', 'dashboard']);
    expect(registry.find({ capability: 'compute' }).map((m) => m.name)).toEqual(['evaluate-expression']);
    expect(registry.find({ name: 'metric-summary' })).toEqual([expect.objectContaining({ layer: 'dashboard', capability: 'metrics' })]);
    expect(registry.find({ layer: 'dashboard' })).toHaveLength(4);
    expect(registry.find().length).toBeGreaterThan(15);
  });

  it('resolves a name to its layer and manifest, or undefined', () => {
    const primitive = createToolLayer('primitive');
    const registry = createToolRegistry().add(primitive);
    expect(registry.resolve('hash')).toMatchObject({ layer: primitive, manifest: { name: 'hash', capability: 'io' } });
    expect(registry.resolve('nope')).toBeUndefined();
    expect(registry.layer('primitive')).toBe(primitive);
    expect(registry.layer('execution')).toBeUndefined();
  });

  it('refuses a second layer of the same level', () => {
    const registry = createToolRegistry().add(createToolLayer('primitive'));
    expect(() => registry.add(createToolLayer('primitive'))).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });

  it('routes a call to the layer that has the tool, through its gate', async () => {
    const audit = createAuditTrail();
    const registry = createToolRegistry().add(createToolLayer('primitive')).add(createToolLayer('dashboard', { audit }));
    const result = await registry.invoke('metric-summary', { series: [1] }, { caller: 'a1' });
    expect(result).toMatchObject({ ok: true, layer: 'dashboard' });
    expect(audit.entries()[0]).toMatchObject({ actor: 'a1', outcome: 'success' });
  });

  it('asks for a layer when a name is ambiguous, and honours the one given', async () => {
    const registry = createToolRegistry().add(buildToolLayer('primitive', [shared('compute')])).add(buildToolLayer('dashboard', [shared('metrics')]));
    let caught: unknown;
    try {
      registry.resolve('shared');
    } catch (error) {
      caught = error;
    }
    expect(isNoError(caught, 'INVALID_REQUEST')).toBe(true);
    expect(await registry.invoke('shared', {})).toMatchObject({ ok: false, layer: 'primitive', error: { code: 'INVALID_INPUT', details: { layers: ['primitive', 'dashboard'] } } });
    expect(await registry.invoke('shared', {}, { layer: 'dashboard' })).toMatchObject({ ok: true, data: 'metrics' });
  });

  it('answers an unknown tool with a typed, audited TOOL_NOT_FOUND, and copes with no layers at all', async () => {
    const audit = createAuditTrail();
    const registry = createToolRegistry().add(createToolLayer('primitive', { audit })).add(createToolLayer('dashboard'));
    expect(await registry.invoke('ghost', {})).toMatchObject({ ok: false, layer: 'primitive', error: { code: 'TOOL_NOT_FOUND' } });
    expect(await registry.invoke('ghost', {}, { layer: 'dashboard' })).toMatchObject({ ok: false, layer: 'dashboard', error: { code: 'TOOL_NOT_FOUND' } });
    expect(audit.entries()).toHaveLength(1);
    expect(await createToolRegistry().invoke('ghost', {})).toMatchObject({ ok: false, layer: 'primitive', error: { code: 'TOOL_NOT_FOUND' } });
  });
});

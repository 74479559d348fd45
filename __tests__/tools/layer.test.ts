import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { isNoError } from '../../src/contracts/errors.js';
import { ToolManifestSchema } from '../../src/contracts/tools.js';
import { createAuditTrail } from '../../src/telemetry/index.js';
import { MAX_TIMER_MS } from '../../src/resilience/timeout.js';
import { createToolLayer } from '../../src/tools/create-layer.js';
import { buildToolLayer, toManifest } from '../../src/tools/layer.js';
import { createKeyValueStore, primitiveTools } from '../../src/tools/primitive/index.js';
import { dashboardTools } from '../../src/tools/dashboard/index.js';
import { defineTool } from '../../src/tools/tool.js';

const tool = (name: string, capability: 'compute' | 'process' = 'compute') =>
  defineTool({ name, capability, description: `tool ${name}`, input: z.object({ n: z.number().default(1) }), mutating: false, run: async ({ n }) => n });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('createToolLayer', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'no-layer-'));
    await writeFile(join(root, 'notes.md'), '# notes');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('builds the execution layer with its sandboxed tools, closed until the policy allows the caller', async () => {
    const audit = createAuditTrail();
    const execution = createToolLayer('execution', { root, commands: ['ls'], hosts: [], audit });
    expect(execution.level).toBe('execution');
    expect(execution.getCapabilities()).toEqual(['file-system', 'process', 'network', 'chaining']);
    expect(execution.getAvailableTools().map((t) => t.name)).toContain('file-system-operation');
    const params = { operation: 'read', path: 'notes.md' };
    const denied = await execution.invoke('file-system-operation', params, { caller: 'agent-1' });
    expect(denied).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    execution.setPolicy({ rules: [{ caller: 'agent-1', layer: 'execution', capability: 'file-system', effect: 'allow' }] });
    expect(execution.getPolicy().rules).toHaveLength(1);
    const read = await execution.invoke('file-system-operation', params, { caller: 'agent-1', signal: new AbortController().signal });
    expect(read).toMatchObject({ ok: true, layer: 'execution', data: { content: '# notes' } });
    expect(audit.entries().map((e) => e.outcome)).toEqual(['denied', 'success']);
    expect(audit.verify().ok).toBe(true);
  });

  it('refuses an execution layer without a root, and an unknown level', () => {
    expect(isNoError(thrown(() => createToolLayer('execution', {} as never)), 'INVALID_REQUEST')).toBe(true);
    expect(isNoError(thrown(() => createToolLayer('kernel' as never)), 'INVALID_REQUEST')).toBe(true);
  });

  it('builds the primitive and dashboard layers with their built-in tools', () => {
    const primitive = createToolLayer('primitive', { store: createKeyValueStore() });
    expect(primitive.getAvailableTools().map((t) => t.name)).toEqual(
      expect.arrayContaining(['atomic-write', 'compare-and-set', 'transaction', 'kv-read', 'kv-list', 'evaluate-expression', 'encode', 'decode', 'json-parse', 'hash', 'pick', 'merge', 'map-values']),
    );
    const dashboard = createToolLayer('dashboard', { plans: () => undefined });
    expect(dashboard.getAvailableTools().map((t) => t.name)).toEqual(['visualize-execution-graph', 'performance-report', 'agent-status-report', 'metric-summary']);
    expect(createToolLayer('dashboard').getCapabilities()).toEqual(['visualization', 'monitoring', 'reporting', 'metrics']);
    for (const m of [...primitive.getAvailableTools(), ...dashboard.getAvailableTools()]) expect(ToolManifestSchema.parse(m)).toEqual(m);
  });

  it('gives each default tool set its own store and no plan lookup', async () => {
    expect(primitiveTools().map((t) => t.capability)).toEqual(expect.arrayContaining(['memory', 'compute', 'io', 'composition']));
    const visualize = dashboardTools().find((t) => t.name === 'visualize-execution-graph')!;
    const ctx = { caller: 'a', signal: new AbortController().signal, layer: 'dashboard' as const, invoke: async () => ({}) as never };
    await expect(visualize.run({ planId: 'p', direction: 'LR' }, ctx)).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND' });
  });

  it('adds extra tools from options after the built-in ones', () => {
    const layer = createToolLayer('primitive', { tools: [tool('double')] });
    expect(layer.getTool('double')?.name).toBe('double');
  });
});

describe('tool registration', () => {
  it('puts the JSON Schema of the Zod input in the manifest', () => {
    const m = toManifest('primitive', tool('t'));
    expect(m.inputSchema).toMatchObject({ type: 'object', properties: { n: { type: 'number', default: 1 } } });
    expect(m).toMatchObject({ name: 't', layer: 'primitive', capability: 'compute', mutating: false });
  });

  it('refuses a tool outside the layer capabilities, a duplicate name and a bad name with INVALID_REQUEST', () => {
    const layer = buildToolLayer('primitive', [tool('t')]);
    const outside = thrown(() => layer.register(tool('p', 'process')));
    expect(isNoError(outside, 'INVALID_REQUEST')).toBe(true);
    expect((outside as Error).message).toContain("'process'");
    expect(isNoError(thrown(() => layer.register(tool('t'))), 'INVALID_REQUEST')).toBe(true);
    expect(isNoError(thrown(() => layer.register(tool('Bad Name'))), 'INVALID_REQUEST')).toBe(true);
    expect(layer.getAvailableTools().map((t) => t.name)).toEqual(['t']);
  });

  it('refuses invalid numeric options and a bad per-tool timeout', () => {
    expect(isNoError(thrown(() => buildToolLayer('primitive', [], { maxInputBytes: 0 })), 'INVALID_NUMBER')).toBe(true);
    expect(isNoError(thrown(() => buildToolLayer('primitive', [], { timeoutMs: MAX_TIMER_MS + 1 })), 'INVALID_NUMBER')).toBe(true);
    expect(buildToolLayer('primitive', [], { timeoutMs: MAX_TIMER_MS }).level).toBe('primitive');
    expect(isNoError(thrown(() => buildToolLayer('primitive', [], { maxChainDepth: 1.5 })), 'INVALID_NUMBER')).toBe(true);
    const layer = buildToolLayer('primitive', []);
    expect(isNoError(thrown(() => layer.register({ ...tool('slow'), timeoutMs: -1 })), 'INVALID_NUMBER')).toBe(true);
    expect(isNoError(thrown(() => layer.register({ ...tool('slower'), timeoutMs: MAX_TIMER_MS + 1 })), 'INVALID_NUMBER')).toBe(true);
  });

  it('keeps the old policy when a new one is malformed', () => {
    const layer = buildToolLayer('primitive', [tool('t')], { policy: { rules: [{ caller: 'a', effect: 'deny' }] } });
    expect(isNoError(thrown(() => layer.setPolicy({ rules: [{ caller: '', effect: 'allow' }] })), 'INVALID_REQUEST')).toBe(true);
    expect(layer.getPolicy().rules).toEqual([{ caller: 'a', effect: 'deny' }]);
  });

  it('refuses a tool whose manifest would be invalid (an empty description)', () => {
    const layer = buildToolLayer('primitive', []);
    const broken = { ...tool('broken'), description: '' };
    expect(isNoError(thrown(() => layer.register(broken)), 'INVALID_REQUEST')).toBe(true);
  });
});

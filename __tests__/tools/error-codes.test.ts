/**
 * One fact, one code: whichever way a call reaches the tools, the same failure carries the same code,
 * and a tool result's code is the code of the NoError behind it.
 */
import { z } from 'zod';
import { isNoError, NO_ERROR_CODES } from '../../src/contracts/errors.js';
import { ToolErrorCodeSchema } from '../../src/contracts/tools.js';
import { classifyFailure } from '../../src/resilience/classify.js';
import { ToolCallError } from '../../src/tools/errors.js';
import { fromRemoteResult } from '../../src/tools/mcp/remote-result.js';
import { createLayerMcpServer } from '../../src/tools/mcp/server.js';
import { createToolOrchestrator } from '../../src/tools/orchestrator.js';
import { createToolRegistry } from '../../src/tools/registry.js';
import { defineTool } from '../../src/tools/tool.js';
import { connectInMemory, testLayer, textJson } from './mcp/fixtures/layers.js';

const caller = defineTool({
  name: 'call-ghost',
  capability: 'composition',
  description: 'Calls a tool the layer does not have.',
  input: z.object({}),
  mutating: false,
  run: async (_input, ctx) => ctx.invoke('ghost', {}),
});

describe('an unknown tool', () => {
  it('is TOOL_NOT_FOUND through the gate, a nested call, the registry, the orchestrator and MCP', async () => {
    const layer = testLayer({ tools: [caller] });
    const direct = await layer.invoke('ghost', {});
    expect(direct).toMatchObject({ ok: false, error: { code: 'TOOL_NOT_FOUND' } });

    const nested = await layer.invoke('call-ghost', {});
    expect(nested).toMatchObject({ ok: true, data: { ok: false, error: { code: 'TOOL_NOT_FOUND' } } });

    expect(await createToolRegistry().add(layer).invoke('ghost', {})).toMatchObject({ ok: false, error: { code: 'TOOL_NOT_FOUND' } });
    expect(await createToolRegistry().invoke('ghost', {})).toMatchObject({ ok: false, error: { code: 'TOOL_NOT_FOUND' } });

    const chained = await createToolOrchestrator({ layers: [layer] }).executeChain([{ id: 'a', tool: 'ghost' }]).catch((e: unknown) => e);
    expect(isNoError(chained, 'TOOL_NOT_FOUND')).toBe(true);

    const { client, close } = await connectInMemory(createLayerMcpServer(layer));
    try {
      const overMcp = await client.callTool({ name: 'ghost', arguments: {} });
      expect(overMcp.isError).toBe(true);
      expect(textJson(overMcp)).toMatchObject({ code: 'TOOL_NOT_FOUND', details: { tool: 'ghost' } });
      // A mounted copy of this server's tool reads the same code back.
      expect(() => fromRemoteResult('ghost', overMcp as never)).toThrow(expect.objectContaining({ code: 'TOOL_NOT_FOUND' }));
    } finally {
      await close();
    }
  });
});

describe('tool error codes and NoError codes', () => {
  it('are one set: every tool error code is a NoError code', () => {
    for (const code of ToolErrorCodeSchema.options) expect(NO_ERROR_CODES).toContain(code);
  });

  it.each(ToolErrorCodeSchema.options)('a tool throwing ToolCallError(%s) is a NoError of that code and fails with it', async (code) => {
    const error = new ToolCallError(code, 'no');
    expect(isNoError(error, code)).toBe(true);
    const layer = testLayer({
      tools: [defineTool({ name: 'fail', capability: 'compute', description: 'fails', input: z.object({}), mutating: false, run: async () => Promise.reject(error) })],
    });
    expect(await layer.invoke('fail', {})).toMatchObject({ ok: false, error: { code } });
  });

  it('keeps a missing task or workflow a bad input, as it was when it travelled as INVALID_INPUT', () => {
    expect(classifyFailure(new ToolCallError('TASK_NOT_FOUND', 'no task'))).toBe('bad-input');
    expect(classifyFailure(new ToolCallError('WORKFLOW_NOT_FOUND', 'no plan'))).toBe('bad-input');
  });
});

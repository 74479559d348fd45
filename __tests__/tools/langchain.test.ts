import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import { createReactAgent, ToolNode } from '@langchain/langgraph/prebuilt';
import { z } from 'zod';
import { createAuditTrail } from '../../src/telemetry/index.js';
import { createToolLayer } from '../../src/tools/create-layer.js';
import { toLangChainName, toLangChainTools } from '../../src/tools/langchain.js';
import { buildToolLayer } from '../../src/tools/layer.js';
import { defineTool } from '../../src/tools/tool.js';
import { AIMessage, ScriptedChatModel } from '../helpers/fake-chat-model.js';

const call = (name: string, args: Record<string, unknown>, id: string) => new AIMessage({ content: '', tool_calls: [{ name, args, id, type: 'tool_call' }] });

describe('tools as LangChain tools', () => {
  it('exposes every tool with its name, description and JSON Schema', () => {
    const tools = toLangChainTools(createToolLayer('primitive'), { caller: 'agent-1' });
    const expr = tools.find((t) => t.name === 'evaluate-expression')!;
    expect(expr.description).toContain('arithmetic');
    expect(toJsonSchema(expr.schema as z.ZodType)).toMatchObject({ properties: { expression: { type: 'string' } }, required: ['expression'] });
    expect(toLangChainTools(createToolLayer('primitive'), { caller: 'a', tools: ['hash'] }).map((t) => t.name)).toEqual(['hash']);
    expect(toLangChainName('ns.tool')).toBe('ns_tool');
  });

  it('runs calls from a ToolNode through the gate as the configured caller', async () => {
    const audit = createAuditTrail();
    const layer = createToolLayer('primitive', { audit, policy: { rules: [{ caller: 'intruder', effect: 'deny' }] } });
    const node = new ToolNode(toLangChainTools(layer, { caller: 'agent-1' }));
    const out = await node.invoke({ messages: [call('evaluate-expression', { expression: '6 * 7' }, 'c1')] });
    const message = out.messages[0] as ToolMessage;
    expect(JSON.parse(message.content as string)).toEqual({ ok: true, type: 'data', data: { value: 42 } });
    expect(audit.entries()[0]).toMatchObject({ actor: 'agent-1', outcome: 'success', details: { tool: 'evaluate-expression' } });

    const denied = new ToolNode(toLangChainTools(layer, { caller: 'intruder' }));
    const refused = await denied.invoke({ messages: [call('evaluate-expression', { expression: '1' }, 'c2')] });
    expect(JSON.parse((refused.messages[0] as ToolMessage).content as string)).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
  });

  it('sends invalid input to the gate, which refuses and audits it, instead of throwing before it', async () => {
    const audit = createAuditTrail();
    const layer = createToolLayer('primitive', { audit });
    const [expr] = toLangChainTools(layer, { caller: 'agent-1', tools: ['evaluate-expression'] });
    const text = await expr!.invoke({ expression: 42 } as never);
    expect(JSON.parse(text as string)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(audit.entries()[0]).toMatchObject({ outcome: 'denied', details: { stage: 'schema' } });
  });

  it('lets a ReAct agent use the tools and read a denial as data', async () => {
    const writes: unknown[] = [];
    const layer = buildToolLayer('primitive', [
      defineTool({
        name: 'note.write',
        capability: 'memory',
        description: 'writes a note',
        input: z.object({ text: z.string() }),
        mutating: true,
        run: async ({ text }) => {
          writes.push(text);
          return { saved: true };
        },
      }),
    ], { policy: { rules: [{ caller: 'reader', tool: 'note.write', effect: 'deny' }] } });
    const model = new ScriptedChatModel([call('note_write', { text: 'hi' }, 'w1'), new AIMessage('done')]);
    const agent = createReactAgent({ llm: model, tools: toLangChainTools(layer, { caller: 'reader' }) });
    const result = await agent.invoke({ messages: [new HumanMessage('save hi')] });
    const toolMessage = result.messages.find((m) => m instanceof ToolMessage) as ToolMessage;
    expect(JSON.parse(toolMessage.content as string)).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    expect(writes).toEqual([]);
    expect(result.messages.at(-1)?.content).toBe('done');
  });
});

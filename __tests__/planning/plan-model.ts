import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { PLAN_TOOL_NAME } from '../../src/planning/index';

/** One scripted turn: a message to answer with, or an error to throw (a network failure, say). */
export type Turn = AIMessage | Error;

/**
 * A chat model that answers each call with the next scripted turn and records what it was sent. It
 * has tool calling (`bindTools` returns itself), so LangChain's own `withStructuredOutput` drives it.
 */
export class PlanScriptModel extends BaseChatModel {
  readonly seen: BaseMessage[][] = [];
  private turn = 0;

  constructor(private readonly script: Turn[]) {
    super({});
  }

  _llmType(): string {
    return 'plan-script';
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.seen.push(messages);
    const next = this.script[Math.min(this.turn++, this.script.length - 1)]!;
    if (next instanceof Error) throw next;
    return { generations: [{ message: next, text: typeof next.content === 'string' ? next.content : '' }] };
  }

  override bindTools(): this {
    return this;
  }

  /** The text of every message of call `n` (0-based), joined. */
  prompt(n: number): string {
    return (this.seen[n] ?? []).map((m) => m.text).join('\n');
  }
}

/** A turn that answers with a plan (the tool call's arguments), reporting 10 + 5 tokens. */
export function planCall(args: unknown): AIMessage {
  return new AIMessage({
    content: '',
    tool_calls: [{ name: PLAN_TOOL_NAME, args: args as Record<string, unknown>, id: `call-${Math.random().toString(36).slice(2)}`, type: 'tool_call' }],
    usage_metadata: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
  });
}

import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';

/**
 * A chat model that answers with a scripted list of messages (tool calls included), as LangGraph's
 * own tests do: @langchain/core's fakes cannot script a multi-turn tool-calling loop.
 */
export class ScriptedChatModel extends BaseChatModel {
  private turn = 0;
  readonly seen: BaseMessage[][] = [];

  constructor(private readonly script: AIMessage[]) {
    super({});
  }

  _llmType(): string {
    return 'scripted';
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.seen.push(messages);
    const message = this.script[Math.min(this.turn++, this.script.length - 1)]!;
    return { generations: [{ message, text: typeof message.content === 'string' ? message.content : '' }] };
  }

  override bindTools(): this {
    return this;
  }
}

export { AIMessage };

import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { LLMResult } from '@langchain/core/outputs';

/** Token counts one attempt's model calls reported. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** The model that answered last, when the provider said. */
  model?: string;
}

interface UsageMetadata {
  input_tokens?: number;
  output_tokens?: number;
}

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);

/**
 * Adds up the token usage of every chat model or LLM call made while an agent runs, from
 * LangChain's `handleLLMEnd`: each message's `usage_metadata` (the standard field), else the
 * provider's `llmOutput.tokenUsage` (OpenAI-style `promptTokens`/`completionTokens`).
 */
export class TokenUsageHandler extends BaseCallbackHandler {
  name = 'langgraph-no-token-usage';
  readonly usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  /** Whether any call reported usage (a run without models reports none, not zero). */
  reported = false;

  override handleLLMEnd(output: LLMResult): void {
    let input = 0;
    let outputTokens = 0;
    let found = false;
    for (const generation of output.generations.flat()) {
      const message = (generation as { message?: { usage_metadata?: UsageMetadata; response_metadata?: Record<string, unknown> } }).message;
      const meta = message?.usage_metadata;
      if (meta) {
        found = true;
        input += count(meta.input_tokens);
        outputTokens += count(meta.output_tokens);
      }
      const model = message?.response_metadata?.['model_name'] ?? message?.response_metadata?.['model'];
      if (typeof model === 'string') this.usage.model = model;
    }
    if (!found) {
      const tokenUsage = (output.llmOutput?.['tokenUsage'] ?? output.llmOutput?.['estimatedTokenUsage']) as Record<string, unknown> | undefined;
      if (tokenUsage) {
        found = true;
        input = count(tokenUsage['promptTokens'] ?? tokenUsage['input_tokens']);
        outputTokens = count(tokenUsage['completionTokens'] ?? tokenUsage['output_tokens']);
      }
    }
    if (!found) return;
    this.reported = true;
    this.usage.inputTokens += input;
    this.usage.outputTokens += outputTokens;
  }
}

/**
 * The chat model an example uses: OpenAI or Anthropic when its key is in the environment and its
 * package is installed (optional peers, loaded only then), the example's offline model otherwise.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';

export interface ChosenModel {
  /** Makes a model (one per agent, so scripted ones keep their own turn count). */
  make: (offline: () => BaseChatModel) => BaseChatModel;
  /** What was chosen, for the example to print. */
  name: string;
  offline: boolean;
}

const PROVIDERS = [
  { key: 'OPENAI_API_KEY', pkg: '@langchain/openai', cls: 'ChatOpenAI', model: process.env['OPENAI_MODEL'] ?? 'gpt-4o-mini' },
  { key: 'ANTHROPIC_API_KEY', pkg: '@langchain/anthropic', cls: 'ChatAnthropic', model: process.env['ANTHROPIC_MODEL'] ?? 'claude-3-5-haiku-latest' },
];

export async function chooseModel(env: NodeJS.ProcessEnv = process.env): Promise<ChosenModel> {
  let why = 'no OPENAI_API_KEY or ANTHROPIC_API_KEY in the environment';
  for (const provider of PROVIDERS) {
    if (!env[provider.key]) continue;
    const specifier = provider.pkg; // a variable, so the package stays optional for the type checker too
    try {
      const module = (await import(specifier)) as Record<string, unknown>;
      const Model = module[provider.cls] as new (options: object) => BaseChatModel;
      return { make: () => new Model({ model: provider.model, temperature: 0 }), name: `${provider.pkg} ${provider.model} (${provider.key} is set)`, offline: false };
    } catch (error) {
      console.warn(`${provider.key} is set but ${provider.pkg} could not be loaded (${(error as Error).message}): install it with npm i ${provider.pkg}.`);
      why = `${provider.pkg} is not installed`;
    }
  }
  return { make: (offline) => offline(), name: `the scripted offline models (${why})`, offline: true };
}

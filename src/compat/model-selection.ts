import { toError } from '../contracts/errors.js';

/** Providers in fallback order: local MLX, then local Ollama, then the hosted APIs. */
export const CEREBRUM_PROVIDER_ORDER = ['mlx', 'ollama', 'openai', 'anthropic'] as const;
export type CerebrumProvider = (typeof CEREBRUM_PROVIDER_ORDER)[number];

/** What `selectModel` writes to the state; provider `unknown` when nothing is available. */
export interface SelectedModel {
  provider: CerebrumProvider | 'unknown';
  model: string;
  /** Why the first choice (MLX) was not taken; absent when it was. */
  fallbackReason?: string;
}

/** `true`/`false`, or a synchronous probe run at every selection (a probe that throws means unavailable). */
export type ProviderAvailability = boolean | (() => boolean);

export interface ModelSelectionOptions {
  /**
   * Which providers may be used. A provider left out is detected from the environment, never over
   * the network: mlx when `MLX_MODEL` is set, ollama when `OLLAMA_HOST` or `OLLAMA_MODEL` is set,
   * openai when `OPENAI_API_KEY` is set, anthropic when `ANTHROPIC_API_KEY` is set.
   */
  providers?: Partial<Record<CerebrumProvider, ProviderAvailability>>;
  /**
   * The model to name for each provider; else `MLX_MODEL`, `OLLAMA_MODEL`, `OPENAI_MODEL`,
   * `ANTHROPIC_MODEL`; else DEFAULT_CEREBRUM_MODELS.
   */
  models?: Partial<Record<CerebrumProvider, string>>;
  /** Where detection reads variables. @default process.env */
  env?: Record<string, string | undefined>;
}

/** @default models when neither an option nor an environment variable names one. */
export const DEFAULT_CEREBRUM_MODELS: Readonly<Record<CerebrumProvider, string>> = {
  mlx: 'mlx-community/Qwen2.5-7B-Instruct-4bit',
  ollama: 'llama3.1:8b',
  openai: 'gpt-4o-mini',
  anthropic: 'claude-3-5-haiku-latest',
};

/** Model name of the `unknown` provider. */
export const UNKNOWN_MODEL = 'none';

const ENV_DETECTION: Readonly<Record<CerebrumProvider, readonly string[]>> = {
  mlx: ['MLX_MODEL'],
  ollama: ['OLLAMA_HOST', 'OLLAMA_MODEL'],
  openai: ['OPENAI_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY'],
};

const present = (value: string | undefined): boolean => value !== undefined && value.trim() !== '';

/** `null` when available, else why not. */
function unavailability(provider: CerebrumProvider, options: ModelSelectionOptions, env: Record<string, string | undefined>): string | null {
  const explicit = options.providers?.[provider];
  if (explicit === undefined) {
    const vars = ENV_DETECTION[provider];
    return vars.some((name) => present(env[name])) ? null : `${provider} unavailable (${vars.join(' / ')} not set)`;
  }
  if (typeof explicit === 'boolean') return explicit ? null : `${provider} disabled`;
  try {
    return explicit() ? null : `${provider} unavailable (probe returned false)`;
  } catch (error) {
    return `${provider} unavailable (probe threw: ${toError(error).message})`;
  }
}

function modelFor(provider: CerebrumProvider, options: ModelSelectionOptions, env: Record<string, string | undefined>): string {
  const fromEnv = env[`${provider.toUpperCase()}_MODEL`];
  return options.models?.[provider] ?? (present(fromEnv) ? fromEnv! : DEFAULT_CEREBRUM_MODELS[provider]);
}

/**
 * Picks the first available provider in MLX -> Ollama -> OpenAI -> Anthropic order. Makes no
 * network call: availability comes from options and environment variables only.
 *
 * @example
 * selectModel({ providers: { mlx: false, ollama: true } });
 * // { provider: 'ollama', model: 'llama3.1:8b', fallbackReason: 'mlx disabled' }
 */
export function selectModel(options: ModelSelectionOptions = {}): SelectedModel {
  const env = options.env ?? process.env;
  const reasons: string[] = [];
  for (const provider of CEREBRUM_PROVIDER_ORDER) {
    const reason = unavailability(provider, options, env);
    if (reason === null) {
      const model = modelFor(provider, options, env);
      return reasons.length === 0 ? { provider, model } : { provider, model, fallbackReason: reasons.join('; ') };
    }
    reasons.push(reason);
  }
  return { provider: 'unknown', model: UNKNOWN_MODEL, fallbackReason: `no provider available: ${reasons.join('; ')}` };
}

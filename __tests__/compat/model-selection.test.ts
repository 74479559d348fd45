import { DEFAULT_CEREBRUM_MODELS, selectModel, UNKNOWN_MODEL } from '../../src/compat/index';

const none = { mlx: false, ollama: false, openai: false, anthropic: false } as const;

describe('selectModel', () => {
  it('takes MLX first, with no fallback reason', () => {
    expect(selectModel({ providers: { ...none, mlx: true } })).toEqual({ provider: 'mlx', model: DEFAULT_CEREBRUM_MODELS.mlx });
  });

  it('falls back to Ollama when MLX is unavailable, saying why', () => {
    expect(selectModel({ providers: { ...none, ollama: true } })).toEqual({
      provider: 'ollama', model: DEFAULT_CEREBRUM_MODELS.ollama, fallbackReason: 'mlx disabled',
    });
  });

  it('falls back to the hosted OpenAI API when neither local runtime is available', () => {
    expect(selectModel({ providers: { ...none, openai: true, anthropic: true } })).toEqual({
      provider: 'openai', model: DEFAULT_CEREBRUM_MODELS.openai, fallbackReason: 'mlx disabled; ollama disabled',
    });
  });

  it('falls back to Anthropic last', () => {
    expect(selectModel({ providers: { ...none, anthropic: true } })).toEqual({
      provider: 'anthropic', model: DEFAULT_CEREBRUM_MODELS.anthropic, fallbackReason: 'mlx disabled; ollama disabled; openai disabled',
    });
  });

  it("reports provider 'unknown' when nothing is available", () => {
    expect(selectModel({ providers: none })).toEqual({
      provider: 'unknown', model: UNKNOWN_MODEL, fallbackReason: 'no provider available: mlx disabled; ollama disabled; openai disabled; anthropic disabled',
    });
  });

  it('detects providers from environment variables only, ignoring blank ones', () => {
    expect(selectModel({ env: {} })).toMatchObject({ provider: 'unknown' });
    expect(selectModel({ env: { MLX_MODEL: 'mlx-community/Llama-3.2-3B-Instruct-4bit' } })).toEqual({
      provider: 'mlx', model: 'mlx-community/Llama-3.2-3B-Instruct-4bit',
    });
    expect(selectModel({ env: { MLX_MODEL: '  ', OLLAMA_HOST: 'http://127.0.0.1:11434' } })).toEqual({
      provider: 'ollama', model: DEFAULT_CEREBRUM_MODELS.ollama, fallbackReason: 'mlx unavailable (MLX_MODEL not set)',
    });
    expect(selectModel({ env: { OLLAMA_MODEL: 'qwen2.5:7b' } })).toMatchObject({ provider: 'ollama', model: 'qwen2.5:7b' });
    expect(selectModel({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_MODEL: 'gpt-4.1-mini' } })).toEqual({
      provider: 'openai',
      model: 'gpt-4.1-mini',
      fallbackReason: 'mlx unavailable (MLX_MODEL not set); ollama unavailable (OLLAMA_HOST / OLLAMA_MODEL not set)',
    });
    expect(selectModel({ env: { ANTHROPIC_API_KEY: 'k' } })).toMatchObject({ provider: 'anthropic', model: DEFAULT_CEREBRUM_MODELS.anthropic });
  });

  it('reads process.env when no env is given', () => {
    const saved = process.env['ANTHROPIC_API_KEY'];
    const keys = ['MLX_MODEL', 'OLLAMA_HOST', 'OLLAMA_MODEL', 'OPENAI_API_KEY'] as const;
    const others = keys.map((k) => [k, process.env[k]] as const);
    try {
      for (const k of keys) delete process.env[k];
      process.env['ANTHROPIC_API_KEY'] = 'from-process-env';
      expect(selectModel()).toMatchObject({ provider: 'anthropic' });
    } finally {
      if (saved === undefined) delete process.env['ANTHROPIC_API_KEY'];
      else process.env['ANTHROPIC_API_KEY'] = saved;
      for (const [k, v] of others) if (v !== undefined) process.env[k] = v;
    }
  });

  it('lets an explicit option override the environment, both ways', () => {
    expect(selectModel({ env: { MLX_MODEL: 'm' }, providers: { mlx: false, ollama: true } })).toMatchObject({ provider: 'ollama', fallbackReason: 'mlx disabled' });
    expect(selectModel({ env: {}, providers: { openai: true }, models: { openai: 'gpt-x' } })).toMatchObject({ provider: 'openai', model: 'gpt-x' });
  });

  it('runs probes at every selection; a probe that throws counts as unavailable', () => {
    let up = false;
    const options = { env: {}, providers: { mlx: () => { throw new Error('no Metal device'); }, ollama: () => up } };
    expect(selectModel(options)).toEqual({
      provider: 'unknown',
      model: UNKNOWN_MODEL,
      fallbackReason: expect.stringContaining('mlx unavailable (probe threw: no Metal device); ollama unavailable (probe returned false)'),
    });
    up = true;
    expect(selectModel(options)).toEqual({
      provider: 'ollama', model: DEFAULT_CEREBRUM_MODELS.ollama, fallbackReason: 'mlx unavailable (probe threw: no Metal device)',
    });
  });
});

/** Keys whose values never reach an audit record or a log. */
export const DEFAULT_SECRET_KEY_PATTERN = /pass(word|phrase)?|secret|token|api[-_]?key|authorization|cookie|private[-_]?key|credential/i;

export const REDACTED = '[REDACTED]';

/**
 * Secrets by their look, wherever they sit in a text: provider API keys (OpenAI, Anthropic,
 * Stripe-style `sk-`/`sk_live_`), GitHub, Slack, AWS and Google keys, JWTs, bearer tokens, the
 * password in a URL, `password=...`-style pairs and PEM private keys. Each match is replaced, in
 * place, by its kept prefix (the scheme, the key name) and {@link REDACTED}.
 */
export const DEFAULT_SECRET_VALUE_PATTERNS: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\b(?:sk|rk)[-_](?:[a-z]+[-_])?[A-Za-z0-9_-]{16,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  /(\bBearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+(?=@)/gi,
  /(\b(?:password|passwd|pwd|secret|token|api[-_]?key|access[-_]?key)\s*[=:]\s*)(?!\[REDACTED\])[^\s&,;"']+/gi,
];

/** A text none of the default patterns can match fails this one test (most texts do). */
const MIGHT_HOLD_SECRET = /[sr]k[-_]|gh[pousr]_|xox|AKIA|AIza|eyJ|bearer|:\/\/|pass|pwd|secret|token|key|PRIVATE/i;

/** `text` with every secret-looking part replaced; the same string when there is none. */
export function redactText(text: string, patterns: readonly RegExp[] = DEFAULT_SECRET_VALUE_PATTERNS): string {
  if (patterns === DEFAULT_SECRET_VALUE_PATTERNS && !MIGHT_HOLD_SECRET.test(text)) return text;
  let out = text;
  for (const pattern of patterns) {
    pattern.lastIndex = 0;
    if (!pattern.test(out)) continue;
    pattern.lastIndex = 0;
    out = out.replace(pattern, (_match: string, keep?: unknown) => `${typeof keep === 'string' ? keep : ''}${REDACTED}`);
  }
  return out;
}

/**
 * A deep copy of `value` with every property whose key matches `pattern` replaced by
 * {@link REDACTED} and every secret-looking text redacted ({@link redactText}). Cycles and
 * non-plain values (functions, symbols, bigints) become strings, so the result is always
 * JSON-serializable.
 */
export function redact(value: unknown, pattern: RegExp = DEFAULT_SECRET_KEY_PATTERN): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(v);
    if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
    if (v === undefined) return null;
    if (typeof v !== 'object') return String(v);
    if (seen.has(v)) return '[Circular]';
    seen.add(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Date) return v.toISOString();
    if (v instanceof Error) return { name: v.name, message: redactText(v.message) };
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(v)) out[key] = pattern.test(key) ? REDACTED : walk(inner);
    return out;
  };
  return walk(value);
}

/** Nodes visited at most by {@link holdsSecret}: past it, a value is redacted rather than searched on. */
const MAX_SCAN_NODES = 10_000;

/** Whether `value` has a secret-named key or a secret-looking text anywhere (read only). */
export function holdsSecret(value: unknown, pattern: RegExp = DEFAULT_SECRET_KEY_PATTERN): boolean {
  let budget = MAX_SCAN_NODES;
  const seen = new WeakSet<object>();
  const scan = (v: unknown): boolean => {
    if (--budget < 0) return true;
    if (typeof v === 'string') return redactText(v) !== v;
    if (typeof v !== 'object' || v === null || seen.has(v)) return false;
    seen.add(v);
    if (v instanceof Error) return redactText(v.message) !== v.message;
    if (Array.isArray(v)) return v.some(scan);
    return Object.entries(v).some(([key, inner]) => (pattern.test(key) && inner !== undefined && inner !== null && inner !== '') || scan(inner));
  };
  return scan(value);
}

/**
 * `value` itself when it holds no secret (so objects such as LangChain messages keep their class),
 * else its redacted copy. For event payloads, which listeners, logs and the dashboard all read.
 */
export function redactIfSecret<T>(value: T): T {
  return holdsSecret(value) ? (redact(value) as T) : value;
}

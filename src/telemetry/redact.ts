/** Keys whose values never reach an audit record or a log. */
export const DEFAULT_SECRET_KEY_PATTERN = /pass(word|phrase)?|secret|token|api[-_]?key|authorization|cookie|private[-_]?key|credential/i;

export const REDACTED = '[REDACTED]';

/**
 * A deep copy of `value` with every property whose key matches `pattern` replaced by
 * {@link REDACTED}. Cycles and non-plain values (functions, symbols, bigints) become strings,
 * so the result is always JSON-serializable.
 */
export function redact(value: unknown, pattern: RegExp = DEFAULT_SECRET_KEY_PATTERN): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (v === undefined) return null;
    if (typeof v !== 'object') return String(v);
    if (seen.has(v)) return '[Circular]';
    seen.add(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Date) return v.toISOString();
    if (v instanceof Error) return { name: v.name, message: v.message };
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(v)) out[key] = pattern.test(key) ? REDACTED : walk(inner);
    return out;
  };
  return walk(value);
}

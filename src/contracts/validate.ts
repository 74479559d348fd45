import type { z } from 'zod';
import { NoError, type NoErrorCode } from './errors.js';

export interface ValidationIssue {
  /** Where the problem is, e.g. `tasks[2].dependsOn[0]`; empty for the value itself. */
  path: string;
  message: string;
}

/** `['tasks', 2, 'id']` -> `tasks[2].id`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Parses `value` with `schema`, or throws a {@link NoError} whose message names every bad field
 * (`invalid request: tasks[0].estimatedDurationMs: Too small: expected number to be >=0`).
 *
 * @example
 * const request = parseWith(ExecutionRequestSchema, input, { what: 'request' });
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  options: { code?: NoErrorCode; what?: string } = {},
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
    path: formatPath(issue.path),
    message: issue.message,
  }));
  const text = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  throw new NoError(options.code ?? 'INVALID_REQUEST', `invalid ${options.what ?? 'input'}: ${text}`, {
    details: { issues },
  });
}

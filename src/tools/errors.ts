import { BAD_INPUT_ERROR_CODES, NoError, isNoError, toError, type NoErrorCode } from '../contracts/errors.js';
import {
  ToolErrorCodeSchema,
  type ToolError,
  type ToolErrorCodeValue,
  type ToolLayerLevel,
  type ToolResult,
} from '../contracts/tools.js';

export interface ToolCallErrorOptions {
  details?: Record<string, unknown>;
  retryable?: boolean;
  cause?: unknown;
}

/**
 * What a tool throws to fail with a specific tool error code (the gate turns it into a ToolResult
 * with that code). It is a {@link NoError} whose `code` is the tool code itself.
 *
 * @example
 * throw new ToolCallError('WORKFLOW_NOT_FOUND', `no plan '${id}'`, { details: { planId: id } });
 */
export class ToolCallError extends NoError {
  override name = 'ToolCallError';
  declare readonly code: ToolErrorCodeValue;
  readonly retryable: boolean | undefined;

  constructor(code: ToolErrorCodeValue, message: string, options: ToolCallErrorOptions = {}) {
    super(code, message, {
      details: { ...options.details },
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.retryable = options.retryable;
  }
}

export function isToolCallError(value: unknown): value is ToolCallError {
  return value instanceof ToolCallError;
}

/** A ToolError value (the `error` of a failed ToolResult). */
export function toolError(
  code: ToolErrorCodeValue,
  message: string,
  options: { details?: unknown; retryable?: boolean; now?: () => Date } = {},
): ToolError {
  const error: ToolError = { code, message, timestamp: (options.now?.() ?? new Date()).toISOString() };
  if (options.details !== undefined) error.details = options.details;
  if (options.retryable !== undefined) error.retryable = options.retryable;
  return error;
}

function asToolCode(value: unknown): ToolErrorCodeValue | undefined {
  const parsed = ToolErrorCodeSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Maps anything a tool threw to a ToolError: a NoError (a ToolCallError too) whose code is a tool code
 * keeps it; other bad-input NoErrors become INVALID_INPUT; a time-out is a retryable INTERNAL_ERROR;
 * any other object with a tool `code` keeps it; the rest is INTERNAL_ERROR.
 */
export function toToolError(thrown: unknown, now?: () => Date): ToolError {
  const err = toError(thrown);
  const opts = (code: ToolErrorCodeValue, details?: unknown, retryable?: boolean): ToolError =>
    toolError(code, err.message, { details, ...(retryable === undefined ? {} : { retryable }), ...(now ? { now } : {}) });
  if (isToolCallError(thrown)) return opts(thrown.code, thrown.details, thrown.retryable);
  if (isNoError(thrown)) {
    const details = thrown.details;
    if (thrown.code === 'TIMEOUT') return opts('INTERNAL_ERROR', { ...details, reason: 'timeout' }, true);
    if (thrown.code === 'ABORTED') return opts('INTERNAL_ERROR', { ...details, reason: 'aborted' }, false);
    const direct = asToolCode(thrown.code);
    if (direct !== undefined) return opts(direct, details, direct === 'RATE_LIMITED' ? true : undefined);
    if (BAD_INPUT_ERROR_CODES.has(thrown.code)) return opts('INVALID_INPUT', { ...details, cause: thrown.code });
    return opts('INTERNAL_ERROR', { ...details, cause: thrown.code });
  }
  const code = typeof thrown === 'object' && thrown !== null ? asToolCode((thrown as { code?: unknown }).code) : undefined;
  return opts(code ?? 'INTERNAL_ERROR');
}

/** A failed ToolResult. */
export function errorResult(tool: string, layer: ToolLayerLevel, error: ToolError, durationMs: number): ToolResult {
  return { ok: false, tool, layer, error, durationMs: Math.max(0, durationMs) };
}

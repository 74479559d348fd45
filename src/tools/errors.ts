import { NoError, isNoError, toError, type NoErrorCode } from '../contracts/errors.js';
import {
  ToolErrorCodeSchema,
  type ToolError,
  type ToolErrorCodeValue,
  type ToolLayerLevel,
  type ToolResult,
} from '../contracts/tools.js';

/**
 * The NoError code a tool error travels under. TASK_NOT_FOUND and WORKFLOW_NOT_FOUND have no NoError
 * code (contracts/errors.ts), so they travel as INVALID_INPUT, the nearest meaning (the input names
 * something that does not exist), with the exact tool code kept in `toolCode` and `details`.
 */
const CARRIER: Record<ToolErrorCodeValue, NoErrorCode> = {
  TASK_NOT_FOUND: 'INVALID_INPUT',
  WORKFLOW_NOT_FOUND: 'INVALID_INPUT',
  INVALID_INPUT: 'INVALID_INPUT',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
};

/** NoError codes a tool may throw that mean "the input was wrong". */
const BAD_INPUT_CODES: ReadonlySet<NoErrorCode> = new Set<NoErrorCode>([
  'INVALID_REQUEST',
  'DUPLICATE_TASK',
  'UNKNOWN_DEPENDENCY',
  'CYCLE_DETECTED',
  'RESOURCE_EXCEEDED',
  'REQUEST_TOO_LARGE',
  'INVALID_NUMBER',
  'TOOL_NOT_FOUND',
]);

export interface ToolCallErrorOptions {
  details?: Record<string, unknown>;
  retryable?: boolean;
  cause?: unknown;
}

/**
 * What a tool throws to fail with a specific tool error code (the gate turns it into a ToolResult).
 * It is a {@link NoError}, so `isNoError` and `code` keep working; `toolCode` is the exact code.
 *
 * @example
 * throw new ToolCallError('WORKFLOW_NOT_FOUND', `no plan '${id}'`, { details: { planId: id } });
 */
export class ToolCallError extends NoError {
  override name = 'ToolCallError';
  readonly toolCode: ToolErrorCodeValue;
  readonly retryable: boolean | undefined;

  constructor(code: ToolErrorCodeValue, message: string, options: ToolCallErrorOptions = {}) {
    super(CARRIER[code], message, {
      details: { ...options.details, toolErrorCode: code },
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.toolCode = code;
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
 * Maps anything a tool threw to a ToolError: a ToolCallError keeps its code; a NoError whose code is
 * a tool code keeps it; bad-input NoErrors become INVALID_INPUT; a time-out is a retryable
 * INTERNAL_ERROR; any other object with a tool `code` keeps it; the rest is INTERNAL_ERROR.
 */
export function toToolError(thrown: unknown, now?: () => Date): ToolError {
  const err = toError(thrown);
  const opts = (code: ToolErrorCodeValue, details?: unknown, retryable?: boolean): ToolError =>
    toolError(code, err.message, { details, ...(retryable === undefined ? {} : { retryable }), ...(now ? { now } : {}) });
  if (isToolCallError(thrown)) return opts(thrown.toolCode, thrown.details, thrown.retryable);
  if (isNoError(thrown)) {
    const details = thrown.details;
    if (thrown.code === 'TIMEOUT') return opts('INTERNAL_ERROR', { ...details, reason: 'timeout' }, true);
    if (thrown.code === 'ABORTED') return opts('INTERNAL_ERROR', { ...details, reason: 'aborted' }, false);
    const direct = asToolCode(details['toolErrorCode']) ?? asToolCode(thrown.code);
    if (direct !== undefined) return opts(direct, details, direct === 'RATE_LIMITED' ? true : undefined);
    if (BAD_INPUT_CODES.has(thrown.code)) return opts('INVALID_INPUT', { ...details, cause: thrown.code });
    return opts('INTERNAL_ERROR', { ...details, cause: thrown.code });
  }
  const code = typeof thrown === 'object' && thrown !== null ? asToolCode((thrown as { code?: unknown }).code) : undefined;
  return opts(code ?? 'INTERNAL_ERROR');
}

/** A failed ToolResult. */
export function errorResult(tool: string, layer: ToolLayerLevel, error: ToolError, durationMs: number): ToolResult {
  return { ok: false, tool, layer, error, durationMs: Math.max(0, durationMs) };
}

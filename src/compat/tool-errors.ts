/**
 * The current package's tool error surface: `ToolErrorCode`, `ToolValidationError`,
 * `createToolErrorResponse` and `toolErrorResponseSchema`, on top of nO's tool contracts (one
 * source of truth: ToolErrorCodeSchema and ToolErrorSchema in contracts/tools.ts).
 */
import { NoError } from '../contracts/errors.js';
import { ToolErrorCodeSchema, ToolErrorSchema, type ToolError, type ToolErrorCodeValue } from '../contracts/tools.js';
import type { ValidationIssue } from '../contracts/validate.js';
import { toolError } from '../tools/errors.js';

/**
 * The current package's six tool error codes, as an enum-like frozen object with a type of the same
 * name: `ToolErrorCode.TASK_NOT_FOUND === 'TASK_NOT_FOUND'`. nO's tool results may also carry
 * TOOL_NOT_FOUND, which the current package did not have; the enum keeps its six.
 */
export const ToolErrorCode = Object.freeze({ ...ToolErrorCodeSchema.exclude(['TOOL_NOT_FOUND']).enum });
export type ToolErrorCode = Exclude<ToolErrorCodeValue, 'TOOL_NOT_FOUND'>;

/** `{ code, message, details?, retryable?, timestamp }` (the `error` of a failed nO ToolResult). */
export const toolErrorResponseSchema = ToolErrorSchema;
export type ToolErrorResponse = ToolError;

export interface ToolValidationErrorOptions {
  /** Every bad field, e.g. `[{ path: 'steps[0].agent', message: 'Required' }]`. */
  issues?: ValidationIssue[];
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * Thrown when a tool's input fails validation. It is a NoError INVALID_INPUT (so nO's tool gate
 * reports it as the tool error INVALID_INPUT) with the current package's name, and `instanceof Error`
 * as before; `new ToolValidationError(message)` keeps working.
 */
export class ToolValidationError extends NoError {
  override name = 'ToolValidationError';
  readonly issues: ValidationIssue[];

  constructor(message: string, options: ToolValidationErrorOptions = {}) {
    const issues = options.issues ?? [];
    super('INVALID_INPUT', message, {
      details: { ...options.details, ...(issues.length > 0 ? { issues } : {}) },
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.issues = issues;
  }
}

export interface ToolErrorResponseOptions {
  details?: unknown;
  retryable?: boolean;
  /** Clock, for tests. */
  now?: () => Date;
}

/**
 * The current package's error response, `timestamp` an ISO time. An unknown code is a NoError
 * INVALID_INPUT (the response would not pass toolErrorResponseSchema).
 *
 * @example
 * createToolErrorResponse(ToolErrorCode.TASK_NOT_FOUND, "no task 't1'", { details: { taskId: 't1' } });
 */
export function createToolErrorResponse(code: ToolErrorCode, message: string, options: ToolErrorResponseOptions = {}): ToolError {
  if (!ToolErrorCodeSchema.safeParse(code).success) {
    throw new NoError('INVALID_INPUT', `unknown tool error code '${String(code)}'`, {
      details: { code, known: ToolErrorCodeSchema.options },
    });
  }
  return toolError(code, message, options);
}

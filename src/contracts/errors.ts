/**
 * Every error nO throws is a {@link NoError}: one base class, a `code` from one union, and a `name`
 * per subclass, so callers branch on `code` (or an `isXxxError` guard) rather than on message text.
 */
export const NO_ERROR_CODES = [
  // request validation (scheduler)
  'INVALID_REQUEST',
  'DUPLICATE_TASK',
  'UNKNOWN_DEPENDENCY',
  'CYCLE_DETECTED',
  'RESOURCE_EXCEEDED',
  'REQUEST_TOO_LARGE',
  'INVALID_NUMBER',
  // scheduling and dispatch
  'NO_CAPABLE_AGENT',
  'INVALID_FEEDBACK',
  // execution and recovery
  'TIMEOUT',
  'ABORTED',
  'CIRCUIT_OPEN',
  'BULKHEAD_FULL',
  'TASK_FAILED',
  'RUN_FAILED',
  'AGENT_NOT_FOUND',
  // a pool refuses to remove an agent that is running a task or restarting
  'AGENT_BUSY',
  // self-healing stopped an attempt stuck on an agent; the task runs again at once elsewhere
  'PREEMPTED',
  'STATE_MIGRATION_FAILED',
  // shutdown: a loop that is closing takes no new runs
  'LOOP_CLOSED',
  // distribution (langgraph-no/workers)
  'RUN_LOCKED',
  'DEPENDENCY_MISSING',
  // tools (every code a tool result carries is one of these; see ToolErrorCodeSchema)
  'INVALID_INPUT',
  'PERMISSION_DENIED',
  'RATE_LIMITED',
  'TOOL_NOT_FOUND',
  'TASK_NOT_FOUND',
  'WORKFLOW_NOT_FOUND',
  'INTERNAL_ERROR',
  // network
  'MAILBOX_FULL',
  'SIGNATURE_INVALID',
  'MESSAGE_REFUSED',
  'MESSAGE_TOO_LARGE',
  // shared knowledge: a record that cannot be vouched for, or a confirmation the rules refuse
  'KNOWLEDGE_REFUSED',
  // planning: a model's plan that stayed invalid after every attempt
  'PLAN_INVALID',
] as const;

export type NoErrorCode = (typeof NO_ERROR_CODES)[number];

/**
 * The codes that mean "what was sent is wrong": the same input fails the same way however often it is
 * retried and on whichever agent, so the loop fails the task at once (`bad-input`) and a tool result
 * reports it as INVALID_INPUT. One list, so the loop and the tools agree on the fact.
 */
export const BAD_INPUT_ERROR_CODES: ReadonlySet<NoErrorCode> = new Set<NoErrorCode>([
  'INVALID_INPUT',
  'INVALID_REQUEST',
  'INVALID_NUMBER',
  'TASK_NOT_FOUND',
  'WORKFLOW_NOT_FOUND',
  'DUPLICATE_TASK',
  'UNKNOWN_DEPENDENCY',
  'CYCLE_DETECTED',
  'RESOURCE_EXCEEDED',
  'REQUEST_TOO_LARGE',
]);

export interface NoErrorOptions {
  /** Structured facts about the failure (ids, paths, limits); safe to log. */
  details?: Record<string, unknown>;
  /** The error that caused this one. */
  cause?: unknown;
}

/** A NoError as plain data (what `toJSON` gives): safe to checkpoint, log and send. */
export interface NoErrorJSON {
  name: string;
  code: NoErrorCode;
  message: string;
  details: Record<string, unknown>;
}

export class NoError extends Error {
  override name = 'NoError';
  readonly code: NoErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: NoErrorCode, message: string, options: NoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  toJSON(): NoErrorJSON {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/** `true` for any nO error, optionally of one code. */
export function isNoError(value: unknown, code?: NoErrorCode): value is NoError {
  return value instanceof NoError && (code === undefined || value.code === code);
}

/**
 * Turns anything thrown (strings, objects, undefined) into an Error without losing its text. An
 * Error made in another realm (a vm context, a test sandbox) fails `instanceof Error` but is still
 * one: its brand says so, and its own message is kept.
 */
export function toError(value: unknown): Error {
  if (value instanceof Error || Object.prototype.toString.call(value) === '[object Error]') return value as Error;
  if (typeof value === 'string') return new Error(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return new Error(`non-Error thrown: ${text}`);
}

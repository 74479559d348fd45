import { FailureClassSchema, type FailureClass } from '../contracts/loop.js';

/** Error codes (nO codes and Node/undici network codes) that a later attempt may well not hit. */
export const TRANSIENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'TIMEOUT',
  'RATE_LIMITED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EAI_AGAIN',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

/** Codes that mean the caller sent something wrong: retrying or moving agents cannot help. */
export const BAD_INPUT_ERROR_CODES: ReadonlySet<string> = new Set(['INVALID_INPUT', 'INVALID_REQUEST']);

/** Codes that mean the run itself is over (cancelled): nothing should be retried or moved. */
export const FATAL_ERROR_CODES: ReadonlySet<string> = new Set(['ABORTED']);

type Fields = Record<string, unknown>;

function isTransientStatus(value: unknown): boolean {
  return typeof value === 'number' && (value === 408 || value === 429 || (value >= 500 && value <= 599));
}

/**
 * Decides how a failure is treated (see DESIGN.md "Failure"): `transient` is retried with backoff,
 * `agent-fault` counts against the agent's breaker and moves the task, `bad-input` fails the task at
 * once, `fatal` stops the run. An explicit `classification` on the thrown object always wins, so
 * agents and tools can say what they know; anything unrecognised, including non-Errors, is an agent
 * fault (the agent misbehaved, another agent may not).
 *
 * @example
 * classifyFailure(new NoError('TIMEOUT', 'slow'));            // 'transient'
 * classifyFailure(Object.assign(new Error('x'), { status: 503 })); // 'transient'
 * classifyFailure('boom');                                     // 'agent-fault'
 */
export function classifyFailure(error: unknown): FailureClass {
  if (typeof error !== 'object' || error === null) return 'agent-fault';
  const fields = error as Fields;

  const explicit = FailureClassSchema.safeParse(fields['classification']);
  if (explicit.success) return explicit.data;

  const code = typeof fields['code'] === 'string' ? fields['code'] : undefined;
  const name = typeof fields['name'] === 'string' ? fields['name'] : undefined;

  if (name === 'ZodError' || (code !== undefined && BAD_INPUT_ERROR_CODES.has(code))) return 'bad-input';
  // A DOM-style AbortError (fetch, AbortSignal) means someone cancelled, like our ABORTED.
  if (name === 'AbortError' || (code !== undefined && FATAL_ERROR_CODES.has(code))) return 'fatal';
  if (
    name === 'TimeoutError' || // AbortSignal.timeout()
    (code !== undefined && TRANSIENT_ERROR_CODES.has(code)) ||
    isTransientStatus(fields['status']) ||
    isTransientStatus(fields['statusCode']) ||
    fields['retryable'] === true
  ) {
    return 'transient';
  }
  return 'agent-fault';
}
